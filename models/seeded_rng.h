#pragma once
// The random numbers of the generated models' synthetic weights: mt19937 is specified bit for bit by the standard
// (std::normal_distribution is not), so a model's weights depend on its seed only, on every platform.
#include <cmath>
#include <cstdint>
#include <random>

namespace ssdx::models {

class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(unit()); }
  float normal(float stddev) {  // Box–Muller
    const double u1 = unit(), u2 = unit();
    return static_cast<float>(stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

 private:
  double unit() { return (static_cast<double>(gen_()) + 0.5) / 4294967296.0; }  // in (0, 1)
  std::mt19937 gen_;
};

}  // namespace ssdx::models
