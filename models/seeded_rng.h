#pragma once
// The random numbers of the generated models' synthetic weights: mt19937 is specified bit for bit by the standard
// (std::normal_distribution is not), so a model's weights depend on its seed only, on every platform.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace ssdx::models {

class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(unit()); }
  float normal(float stddev) {  // Box–Muller
    const double u1 = unit(), u2 = unit();
    return static_cast<float>(stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  // `count` weights of He's (Kaiming's) normal init times `gain`: stddev gain * sqrt(2 / fan_in).
  std::vector<float> he_normal(size_t count, int fan_in, float gain) {
    const float stddev = gain * std::sqrt(2.f / static_cast<float>(fan_in));
    std::vector<float> v(count);
    for (float& x : v) x = normal(stddev);
    return v;
  }
  std::vector<float> uniforms(size_t count, float lo, float hi) {
    std::vector<float> v(count);
    for (float& x : v) x = uniform(lo, hi);
    return v;
  }

 private:
  double unit() { return (static_cast<double>(gen_()) + 0.5) / 4294967296.0; }  // in (0, 1)
  std::mt19937 gen_;
};

// Subtracts from each row of `w` (rows of `row_size` values) its mean, computed in double.
inline void centre_rows(std::vector<float>& w, int row_size) {
  for (size_t start = 0; start + row_size <= w.size(); start += static_cast<size_t>(row_size)) {
    double sum = 0;
    for (int i = 0; i < row_size; ++i) sum += w[start + i];
    const double mean = sum / row_size;
    for (int i = 0; i < row_size; ++i) w[start + i] -= static_cast<float>(mean);
  }
}

}  // namespace ssdx::models
