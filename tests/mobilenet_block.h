#pragma once
// A MobileNetV1-like block as face-api's SSD-MobileNetV1 has it, shared by the Conv+Clip fusion, the quantizer and
// onnxruntime tests: x[1,C,S,S] -> depthwise 3x3 stride 2 (group C, TF SAME pads [0,0,1,1]) + bias -> Clip(0,6)
// -> pointwise 1x1 C->2C + bias -> Clip(0,6) -> y[1,2C,S/2,S/2]. Opset 10 writes the bounds as min/max attributes,
// 11 and later as constant inputs. S must be even. With `head`, a 1x1 box head (2C->4, as the detector's) reads the
// second Clip's output (then named pw6) and writes y[1,4,S/2,S/2].
#include <string>

#include "graph/onnx_builder.h"
#include "tests/test_util.h"

namespace ssdx::test {

// Clip(in) -> out with bounds [lo, hi] in the form `opset` uses; `name` names the node and its bound constants.
inline void add_clip(ModelBuilder& b, int64_t opset, const std::string& in, const std::string& out, float lo,
                     float hi, const std::string& name) {
  if (opset < 11) {
    Attributes a;
    a.set_float("min", lo);
    a.set_float("max", hi);
    b.add_node("Clip", {in}, {out}, a, name);
    return;
  }
  b.add_initializer(name + ".min", make_tensor<float>({}, {lo}));
  b.add_initializer(name + ".max", make_tensor<float>({}, {hi}));
  b.add_node("Clip", {in, name + ".min", name + ".max"}, {out}, {}, name);
}

inline void build_mobilenet_block(ModelBuilder& b, int64_t opset, int channels = 8, int size = 20, bool head = false) {
  const int c = channels, m = 2 * channels;
  b.add_input("x", DataType::Float, {1, c, size, size});
  Attributes dw;
  dw.set_ints("kernel_shape", {3, 3});
  dw.set_ints("strides", {2, 2});
  dw.set_ints("pads", {0, 0, 1, 1});
  dw.set_int("group", c);
  // Weights large enough that both bounds of Clip(0, 6) are met.
  b.add_initializer("dw.w", random_tensor({c, 1, 3, 3}, 71, -1.5f, 1.5f));
  b.add_initializer("dw.b", random_tensor({c}, 72, -0.5f, 0.5f));
  b.add_node("Conv", {"x", "dw.w", "dw.b"}, {"dw"}, dw, "dw");
  add_clip(b, opset, "dw", "dw6", 0.f, 6.f, "dw_clip");
  b.add_initializer("pw.w", random_tensor({m, c, 1, 1}, 73, -1.f, 1.f));
  b.add_initializer("pw.b", random_tensor({m}, 74, -0.5f, 0.5f));
  b.add_node("Conv", {"dw6", "pw.w", "pw.b"}, {"pw"}, Attributes::ints("kernel_shape", {1, 1}), "pw");
  add_clip(b, opset, "pw", head ? "pw6" : "y", 0.f, 6.f, "pw_clip");
  if (head) {
    b.add_initializer("head.w", random_tensor({4, m, 1, 1}, 75, -0.5f, 0.5f));
    b.add_initializer("head.b", random_tensor({4}, 76, -0.5f, 0.5f));
    b.add_node("Conv", {"pw6", "head.w", "head.b"}, {"y"}, Attributes::ints("kernel_shape", {1, 1}), "head");
  }
  b.add_output("y", DataType::Float, {1, head ? 4 : m, size / 2, size / 2});
}

}  // namespace ssdx::test
