#pragma once
// Small models whose activation shapes are known only at run time, shared by the engine tests.
#include "graph/onnx_builder.h"
#include "tests/test_util.h"

namespace ssdx::test {

// x [1, c, h, w] (h and w at run time) -> Conv 3x3 pads 1 to m channels (random weights and bias from `seed`)
// -> MaxPool pool x pool, stride 2 -> y.
inline void add_dynamic_conv_pool(ModelBuilder& b, int64_t c, int64_t m, int64_t pool, uint32_t seed) {
  b.add_input("x", DataType::Float, {1, c, -1, -1}, {"n", "c", "h", "w"});
  b.add_initializer("w", random_tensor({m, c, 3, 3}, seed, -0.3f, 0.3f));
  b.add_initializer("b", random_tensor({m}, seed + 1));
  Attributes conv;
  conv.set_ints("pads", {1, 1, 1, 1});
  b.add_node("Conv", {"x", "w", "b"}, {"c"}, conv);
  Attributes mp;
  mp.set_ints("kernel_shape", {pool, pool});
  mp.set_ints("strides", {2, 2});
  b.add_node("MaxPool", {"c"}, {"y"}, mp);
  b.add_output("y", DataType::Float, {1, m, -1, -1}, {"n", "m", "oh", "ow"});
}

}  // namespace ssdx::test
