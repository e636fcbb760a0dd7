// The vectorized same-shape QLinearAdd against the reference kernel (ORT's formula element by element), bit for bit,
// for every ISA variant this CPU runs, on uint8 and int8, including values that land exactly on rounding ties.
#include <random>

#include "ops/cpu_isa.h"
#include "int8/qlinear_binary.h"
#include "int8/quant_util.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

template <typename T>
void check_fast_add_matches_reference(uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  const Shape shape = {1, 32, 33, 35};  // odd sizes: vector tails and several thread chunks
  Tensor a(DTypeOf<T>::value, shape), b(DTypeOf<T>::value, shape);
  for (int64_t i = 0; i < a.numel(); ++i) {
    a.data<T>()[i] = static_cast<T>(d(rng));
    b.data<T>()[i] = static_cast<T>(d(rng));
  }
  // Scales with exact ratios 0.5 and 0.25 make many sums land on .5 ties; zero points shift them.
  const Tensor as = make_tensor<float>({}, {0.5f}), bs = make_tensor<float>({}, {0.25f}), cs = make_tensor<float>({}, {1.f});
  const Tensor az = make_tensor<T>({}, {T(3)}), bz = make_tensor<T>({}, {T(7)}), cz = make_tensor<T>({}, {T(5)});
  const std::vector<const Tensor*> in = {&a, &as, &az, &b, &bs, &bz, &cs, &cz};
  const auto [ref, ref_impl] = run_op_knowing("QLinearAdd", 1, {}, in, {}, "com.microsoft");
  EXPECT_EQ(ref_impl, "ref");
  const auto [fast, fast_impl] = run_op_knowing("QLinearAdd", 1, {}, in, {1, 2, 4, 5, 6, 7}, "com.microsoft");
  EXPECT_EQ(fast_impl, std::string("qadd:") + isa_name(host_isa()));
  EXPECT_TRUE(tensors_close(ref[0], fast[0]));
  const QAddKernel k({0.5f, 3}, {0.25f, 7}, {1.f, 5});
  for (Isa isa : {Isa::Baseline, Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported(isa)) continue;
    Tensor c(DTypeOf<T>::value, shape);
    qlinear_add_same_shape(DTypeOf<T>::value, a.raw(), b.raw(), c.raw(), c.numel(), k, isa);
    EXPECT_TRUE(tensors_close(ref[0], c)) << isa_name(isa);
  }
}

// A scale of 0 for C makes every ratio infinite and 0 * inf a NaN: each variant saturates as the reference does
// (MLAS's maxps puts a NaN at the lower bound, -128), instead of converting a NaN to an integer (which x86 makes 0).
TEST(FastQLinearAdd, NonFiniteRequantizationSaturatesLikeTheReference) {
  const Shape shape = {1, 3, 5, 7};
  Tensor a(DataType::Int8, shape), b(DataType::Int8, shape);
  for (int64_t i = 0; i < a.numel(); ++i) {
    a.data<int8_t>()[i] = static_cast<int8_t>(i * 37 - 128);
    b.data<int8_t>()[i] = static_cast<int8_t>(i * 11 - 64);
  }
  const QAddKernel k({0.5f, 3}, {0.25f, 7}, {0.f, 5});
  Tensor expected(DataType::Int8, shape);
  for (int64_t i = 0; i < a.numel(); ++i) expected.data<int8_t>()[i] = requantize<int8_t>(k(a.data<int8_t>()[i], b.data<int8_t>()[i]), 0);
  for (Isa isa : {Isa::Baseline, Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported(isa)) continue;
    Tensor c(DataType::Int8, shape);
    qlinear_add_same_shape(DataType::Int8, a.raw(), b.raw(), c.raw(), c.numel(), k, isa);
    EXPECT_TRUE(tensors_close(expected, c)) << isa_name(isa);
  }
}

TEST(FastQLinearAdd, MatchesReferenceBitForBitUint8) { check_fast_add_matches_reference<uint8_t>(1); }
TEST(FastQLinearAdd, MatchesReferenceBitForBitInt8) { check_fast_add_matches_reference<int8_t>(2); }

}  // namespace
}  // namespace ssdx::test
