#include "ops/op.h"

namespace ssdx {

const ValueInfo& OpContext::input(int i) const {
  if (!has_input(i)) fail("input ", i, " is missing");
  return inputs_[static_cast<size_t>(i)];
}

const Shape& OpContext::input_shape(int i) const {
  const ValueInfo& v = input(i);
  if (!v.shape_known) fail("the rank of input ", i, " is unknown");
  return v.shape;
}

bool OpContext::input_ints(int i, std::vector<int64_t>& out) const {
  const Tensor* t = input_constant(i);
  if (!t) return false;
  if (t->dtype() != DataType::Int64 && t->dtype() != DataType::Int32)
    fail("input ", i, " must be int64 or int32, got ", dtype_name(t->dtype()));
  out = t->to_int_vector();
  return true;
}

void OpContext::set_output(int i, DataType dtype, Shape shape) {
  if (i < 0 || i >= num_outputs()) return;  // optional output not requested
  for (int64_t d : shape)
    if (d < kUnknownDim) fail("output ", i, " would have the negative dimension ", d);
  ValueInfo& v = outputs_[static_cast<size_t>(i)];
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
}

void OpContext::set_output_dtype(int i, DataType dtype) {
  if (i < 0 || i >= num_outputs()) return;
  ValueInfo& v = outputs_[static_cast<size_t>(i)];
  v.dtype = dtype;
  v.shape.clear();
  v.shape_known = false;
}

void OpContext::set_output_value(int i, Tensor value) {
  if (i < 0 || i >= num_outputs()) return;
  set_output(i, value.dtype(), value.shape());
  output_values_.resize(outputs_.size());
  output_values_[static_cast<size_t>(i)] = std::make_shared<const Tensor>(std::move(value));
}

void OpContext::require_dtype(int i, std::initializer_list<DataType> allowed) const {
  if (!has_input(i)) return;
  DataType t = input_dtype(i);
  for (DataType a : allowed)
    if (a == t) return;
  std::string names;
  for (DataType a : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(a);
  fail("input ", i, " has dtype ", dtype_name(t), "; supported: ", names);
}

void OpContext::require_inputs(int min_count, int max_count) const {
  int present = 0;
  for (int i = 0; i < num_inputs(); ++i) present = has_input(i) ? i + 1 : present;
  if (present < min_count || num_inputs() > max_count)
    fail("expects ", min_count, " to ", max_count, " inputs, got ", num_inputs());
  for (int i = 0; i < min_count; ++i)
    if (!has_input(i)) fail("required input ", i, " is missing");
}

const Tensor& KernelContext::input(int i) const {
  const Tensor* t = optional_input(i);
  if (!t) fail("input ", i, " is missing");
  return *t;
}

}  // namespace ssdx
