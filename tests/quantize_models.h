#pragma once
// A tiny float image model with every pattern `ssdx quantize` rewrites, shared by the quantizer's unit, CLI and
// onnxruntime tests: x[1,3,S,S] -> Conv(c1) -> Relu(r1) -> Conv(c2) -> Add(c2, x)(a) -> Relu(r2) -> MaxPool(y).
// (The residual is the input x rather than r1: Add(Conv(r1), r1) meets an engine bug, see the quantize report.)
#include <string>

#include "graph/onnx_builder.h"
#include "tests/test_util.h"

namespace ssdx::test {

inline void build_tiny_quant_model(ModelBuilder& b, int size = 8) {
  Attributes conv;
  conv.set_ints("kernel_shape", {3, 3});
  conv.set_ints("pads", {1, 1, 1, 1});
  b.add_input("x", DataType::Float, {1, 3, size, size});
  b.add_initializer("w1", random_tensor({4, 3, 3, 3}, 11, -0.5f, 0.5f));
  b.add_initializer("b1", random_tensor({4}, 12, -0.2f, 0.2f));
  b.add_initializer("w2", random_tensor({3, 4, 3, 3}, 13, -0.4f, 0.4f));
  b.add_initializer("b2", random_tensor({3}, 14, -0.2f, 0.2f));
  b.add_node("Conv", {"x", "w1", "b1"}, {"c1"}, conv, "conv1");
  b.add_node("Relu", {"c1"}, {"r1"}, {}, "relu1");
  b.add_node("Conv", {"r1", "w2", "b2"}, {"c2"}, conv, "conv2");
  b.add_node("Add", {"c2", "x"}, {"a"}, {}, "add");
  b.add_node("Relu", {"a"}, {"r2"}, {}, "relu2");
  Attributes pool;
  pool.set_ints("kernel_shape", {2, 2});
  pool.set_ints("strides", {2, 2});
  b.add_node("MaxPool", {"r2"}, {"y"}, pool, "pool");
  b.add_output("y", DataType::Float, {1, 3, size / 2, size / 2});
}

inline void save_tiny_quant_model(const std::string& path, int opset = 12, int size = 8) {
  ModelBuilder b(opset);
  build_tiny_quant_model(b, size);
  b.save(path);
}

}  // namespace ssdx::test
