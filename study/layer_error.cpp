#include "study/layer_error.h"

#include <cmath>
#include <limits>
#include <vector>

namespace ssdx::study {
namespace {

std::vector<float> as_float(const Tensor& t, const Probe& p) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  if (t.dtype() == DataType::Float) {
    const float* d = t.data<float>();
    out.assign(d, d + t.numel());
  } else {
    for (int64_t i = 0; i < t.numel(); ++i)
      out[static_cast<size_t>(i)] = static_cast<float>(t.int_at(i) - p.zero_point) * p.scale;
  }
  return out;
}

// Counts the 8-bit values of `q` clipped at the type's limits relative to the reference values `ref`.
void count_saturated(ErrorStats& s, const Tensor& q, const Probe& p, const std::vector<float>& ref) {
  if (!p.quantized || q.dtype() == DataType::Float) return;
  const int64_t lo = p.qtype == DataType::Int8 ? -128 : 0, hi = p.qtype == DataType::Int8 ? 127 : 255;
  const double top = (static_cast<double>(hi - p.zero_point) + 0.5) * p.scale;
  const double bottom = (static_cast<double>(lo - p.zero_point) - 0.5) * p.scale;
  for (int64_t i = 0; i < q.numel(); ++i) {
    const int64_t v = q.int_at(i);
    const double r = ref[static_cast<size_t>(i)];
    s.saturated += (v == hi && r > top) || (v == lo && r < bottom);
  }
  s.quantized += q.numel();
}

}  // namespace

double ErrorStats::sqnr_db() const {
  if (noise == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(signal / noise);
}

double ErrorStats::saturated_share() const {
  return quantized ? static_cast<double>(saturated) / static_cast<double>(quantized)
                   : std::numeric_limits<double>::quiet_NaN();
}

void accumulate(ErrorStats& s, const Tensor& a, const Probe& pa, const Tensor& b, const Probe& pb) {
  if (a.numel() != b.numel())
    fail("compare: tensor '", pa.name, "' has ", a.numel(), " values but '", pb.name, "' has ", b.numel());
  const std::vector<float> fa = as_float(a, pa), fb = as_float(b, pb);
  for (size_t i = 0; i < fa.size(); ++i) {
    const double x = fa[i], d = static_cast<double>(fb[i]) - x;
    s.signal += x * x;
    s.noise += d * d;
    s.max_abs = std::max(s.max_abs, std::fabs(d));
    s.sum_abs += std::fabs(d);
  }
  s.count += a.numel();
  count_saturated(s, b, pb, fa);
  count_saturated(s, a, pa, fb);
}

}  // namespace ssdx::study
