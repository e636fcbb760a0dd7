// Every QuantizeLinear / DequantizeLinear variant this CPU runs (baseline, AVX2, AVX-512: each compiled in its own
// translation unit) against the per-element reference, bit for bit, on values at and beside rounding ties, out of
// range, NaN and infinities, over lengths that leave every vector tail.
#include <cmath>
#include <limits>
#include <random>

#include "int8/quant_util.h"
#include "int8/quantize_span.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr Isa kIsas[] = {Isa::Baseline, Isa::Avx2, Isa::Avx512};

std::vector<float> tricky_floats(size_t n, float scale) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> k(-300, 300);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    const float tie = (static_cast<float>(k(rng)) + 0.5f) * scale;  // x / scale lands on (or an ulp off) a .5 tie
    switch (i % 6) {
      case 0: v[i] = tie; break;
      case 1: v[i] = std::nextafter(tie, INFINITY); break;
      case 2: v[i] = std::nextafter(tie, -INFINITY); break;
      case 3: v[i] = static_cast<float>(k(rng)) * 7.f * scale; break;  // far outside the 8-bit range
      default: v[i] = static_cast<float>(k(rng)) * 0.37f * scale;
    }
  }
  if (n > 3) v[1] = NAN, v[2] = INFINITY, v[3] = -INFINITY;
  return v;
}

template <typename T>
void check_quantize(int32_t zp) {
  const float scale = 0.0173f;
  for (size_t n : {1u, 7u, 15u, 16u, 33u, 257u}) {
    const std::vector<float> x = tricky_floats(n, scale);
    for (Isa isa : kIsas) {
      if (!isa_supported(isa)) continue;
      std::vector<T> y(n + 1, T(42));
      quantize_span(x.data(), y.data(), static_cast<int64_t>(n), scale, zp, isa);
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(int(y[i]), int(quantize_value<T>(x[i], scale, zp))) << isa_name(isa) << " n=" << n << " i=" << i;
      EXPECT_EQ(y[n], T(42)) << isa_name(isa) << ": wrote past n";
    }
  }
}

template <typename T>
void check_dequantize(int32_t zp) {
  std::mt19937 rng(9);
  for (size_t n : {1u, 7u, 16u, 31u, 300u}) {
    std::vector<T> x(n);
    std::uniform_int_distribution<int64_t> d(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
    for (T& v : x) v = static_cast<T>(d(rng));
    for (Isa isa : kIsas) {
      if (!isa_supported(isa)) continue;
      std::vector<float> y(n);
      dequantize_span(x.data(), y.data(), static_cast<int64_t>(n), 0.0213f, zp, isa);
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(y[i], dequantize_value(static_cast<int32_t>(x[i]), 0.0213f, zp)) << isa_name(isa) << " i=" << i;
    }
  }
}

TEST(QuantizeSpan, EveryIsaMatchesTheReferenceUint8) { check_quantize<uint8_t>(131); }
TEST(QuantizeSpan, EveryIsaMatchesTheReferenceInt8) { check_quantize<int8_t>(-9); }
TEST(DequantizeSpan, EveryIsaMatchesTheReference) {
  check_dequantize<uint8_t>(131);
  check_dequantize<int8_t>(-9);
  check_dequantize<int32_t>(0);
}

}  // namespace
}  // namespace ssdx::test
