#pragma once
// What every model writer in models/ needs on top of ModelBuilder: unique value names, one-output nodes and
// constant initializers, with the node named after its output; and the layers their bodies share (ReLU, max pool).
#include <string>
#include <vector>

#include "graph/onnx_builder.h"

namespace ssdx::models {

class NodeMaker {
 public:
  // `prefix` keeps the names of two makers writing into one graph apart.
  explicit NodeMaker(ModelBuilder& b, std::string prefix = "") : b_(b), prefix_(std::move(prefix)) {}

 protected:
  std::string fresh(const std::string& op) { return prefix_ + op + "_" + std::to_string(counter_++); }

  // Adds an `op` node with one output (a fresh name, also the node's name) and returns that output.
  std::string node(const std::string& op, const std::vector<std::string>& inputs, const Attributes& attrs = {}) {
    const std::string name = fresh(op);
    b_.add_node(op, inputs, {name}, attrs, name);
    return name;
  }

  template <typename T>
  std::string constant(const Shape& shape, const std::vector<T>& values) {
    const std::string name = prefix_ + "const_" + std::to_string(counter_++);
    b_.add_initializer(name, make_tensor<T>(shape, values));
    return name;
  }

  std::string relu(const std::string& x) { return node("Relu", {x}); }
  // `ceil`: ceil_mode 1, the output size rounded up (written only when set, as the exporters do).
  std::string max_pool(const std::string& x, int kernel, int stride, int pad, bool ceil) {
    Attributes a;
    a.set_ints("kernel_shape", {kernel, kernel});
    a.set_ints("strides", {stride, stride});
    a.set_ints("pads", {pad, pad, pad, pad});
    if (ceil) a.set_int("ceil_mode", 1);
    return node("MaxPool", {x}, a);
  }

  ModelBuilder& b_;

 private:
  std::string prefix_;
  int counter_ = 0;
};

}  // namespace ssdx::models
