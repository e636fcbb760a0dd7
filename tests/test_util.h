#pragma once
// Helpers shared by the test binaries: run one op on tensors, seeded random tensors, comparisons.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ops/evaluate.h"
#include "ops/registry.h"

namespace ssdx::test {

inline const OpDef* find_op(const std::string& op_type, int64_t opset, const std::string& domain) {
  const OpDef* def = OpRegistry::global().find(domain, op_type, opset);
  if (!def) fail("no kernel for ", op_type, " at opset ", opset);
  return def;
}

inline Node make_test_node(const std::string& op_type, const std::string& domain, const Attributes& attrs,
                           size_t num_inputs, int num_outputs) {
  Node node;
  node.name = op_type + "_under_test";
  node.op_type = op_type;
  node.domain = domain;
  node.attrs = attrs;
  node.inputs.assign(num_inputs, 0);
  node.outputs.assign(static_cast<size_t>(num_outputs), 0);
  return node;
}

// Runs op `op_type` at `opset` with `attrs` on `inputs` (nullptr = omitted optional input) and `num_outputs` outputs.
inline std::vector<Tensor> run_op(const std::string& op_type, int64_t opset, const Attributes& attrs,
                                  const std::vector<const Tensor*>& inputs, int num_outputs = 1,
                                  const std::string& domain = "") {
  const OpDef* def = find_op(op_type, opset, domain);
  const Node node = make_test_node(op_type, domain, attrs, inputs.size(), num_outputs);
  return evaluate_node(*def, node, opset, inputs);
}

// Like run_op, but the kernel is created knowing the values of only the inputs listed in `known` (the others are
// just dtype and shape, as for activations at load): selects the kernel a graph with those constants gets. Returns
// the outputs and the kernel's implementation name.
inline std::pair<std::vector<Tensor>, std::string> run_op_knowing(const std::string& op_type, int64_t opset,
                                                                  const Attributes& attrs,
                                                                  const std::vector<const Tensor*>& inputs,
                                                                  const std::vector<int>& known,
                                                                  const std::string& domain = "") {
  const OpDef* def = find_op(op_type, opset, domain);
  const Node node = make_test_node(op_type, domain, attrs, inputs.size(), 1);
  std::vector<ValueInfo> infos = describe_inputs(inputs);
  for (size_t i = 0; i < infos.size(); ++i)
    if (std::find(known.begin(), known.end(), static_cast<int>(i)) == known.end()) infos[i].constant = nullptr;
  OpContext ctx(node, opset, infos, 1);
  def->infer(ctx);
  std::unique_ptr<Kernel> kernel = def->create(ctx);
  return {run_kernel(*kernel, inputs, ctx.outputs()), kernel->impl_name()};
}

// Like run_op, with the session-wide kernel hints (reference: the op's plain reference kernel).
inline std::vector<Tensor> run_op_hinted(const std::string& op_type, int64_t opset, const Attributes& attrs,
                                         const std::vector<const Tensor*>& inputs, const KernelHints& hints) {
  const OpDef* def = find_op(op_type, opset, "");
  const Node node = make_test_node(op_type, "", attrs, inputs.size(), 1);
  OpContext ctx(node, opset, describe_inputs(inputs), 1);
  ctx.set_hints(hints);
  def->infer(ctx);
  std::unique_ptr<Kernel> kernel = def->create(ctx);
  return run_kernel(*kernel, inputs, ctx.outputs());
}

// Runs only shape inference of `op_type`, on inputs described by ValueInfos (dims may be kUnknownDim, values absent),
// and returns what it inferred for each output.
inline std::vector<ValueInfo> infer_op(const std::string& op_type, int64_t opset, const Attributes& attrs,
                                       std::vector<ValueInfo> inputs, int num_outputs = 1,
                                       const std::string& domain = "") {
  const OpDef* def = find_op(op_type, opset, domain);
  const Node node = make_test_node(op_type, domain, attrs, inputs.size(), num_outputs);
  OpContext ctx(node, opset, std::move(inputs), static_cast<size_t>(num_outputs));
  def->infer(ctx);
  return ctx.outputs();
}

// A ValueInfo of known dtype and shape (dims may be kUnknownDim) and unknown value.
inline ValueInfo value_info(DataType dtype, Shape shape) {
  ValueInfo v;
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
  return v;
}

inline Tensor random_tensor(Shape shape, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t(DataType::Float, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

// A tensor of integer type T with values uniform in [lo, hi] (the type's whole range by default).
template <typename T>
Tensor random_ints(Shape shape, std::mt19937& rng, int64_t lo = std::numeric_limits<T>::min(),
                   int64_t hi = std::numeric_limits<T>::max()) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  Tensor t(DTypeOf<T>::value, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = static_cast<T>(dist(rng));
  return t;
}

// Largest |a-b| over two float tensors of equal shape (fails the test on a shape mismatch).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(shape_str(a.shape()), shape_str(b.shape()));
  if (a.shape() != b.shape()) return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double d = std::fabs(a.float_at(i) - b.float_at(i));
    if (std::isnan(d)) return INFINITY;
    m = std::max(m, d);
  }
  return m;
}

// Asserts dtype, shape and values: exact for integers and bools, within atol + rtol*|expected| for floats.
inline ::testing::AssertionResult tensors_close(const Tensor& expected, const Tensor& actual, double atol = 1e-5,
                                                double rtol = 1e-5) {
  if (expected.dtype() != actual.dtype())
    return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype()) << " != expected "
                                         << dtype_name(expected.dtype());
  if (expected.shape() != actual.shape())
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.shape()) << " != expected "
                                         << shape_str(expected.shape());
  const bool is_float = expected.dtype() == DataType::Float || expected.dtype() == DataType::Double ||
                        expected.dtype() == DataType::Float16 || expected.dtype() == DataType::BFloat16;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    if (is_float) {
      double e = expected.float_at(i), a = actual.float_at(i);
      if (std::isnan(e) && std::isnan(a)) continue;
      if (std::isinf(e) && e == a) continue;
      if (!(std::fabs(e - a) <= atol + rtol * std::fabs(e)))
        return ::testing::AssertionFailure() << "element " << i << ": " << a << " != expected " << e;
    } else if (expected.int_at(i) != actual.int_at(i)) {
      return ::testing::AssertionFailure() << "element " << i << ": " << actual.int_at(i) << " != expected "
                                           << expected.int_at(i);
    }
  }
  return ::testing::AssertionSuccess();
}

// Same dtype, shape and bits in every element (any NaN matches any NaN): for kernels that reproduce onnxruntime's
// or a reference's arithmetic exactly, where tolerances would hide a changed rounding or a lost -0.
inline ::testing::AssertionResult same_bits(const Tensor& expected, const Tensor& actual) {
  if (expected.dtype() != actual.dtype() || expected.shape() != actual.shape())
    return ::testing::AssertionFailure() << dtype_name(actual.dtype()) << shape_str(actual.shape()) << " != expected "
                                         << dtype_name(expected.dtype()) << shape_str(expected.shape());
  const size_t size = dtype_size(expected.dtype());
  const auto* e = static_cast<const unsigned char*>(expected.raw());
  const auto* a = static_cast<const unsigned char*>(actual.raw());
  int64_t differ = 0, first = -1;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    if (expected.dtype() == DataType::Float && std::isnan(expected.data<float>()[i]) && std::isnan(actual.data<float>()[i]))
      continue;
    if (std::memcmp(e + i * size, a + i * size, size) != 0 && differ++ == 0) first = i;
  }
  if (differ == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << differ << " of " << expected.numel() << " elements differ, first " << first
                                       << ": " << actual.float_at(first) << " != expected " << expected.float_at(first);
}

}  // namespace ssdx::test
