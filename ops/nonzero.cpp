// NonZero (opset 9; 13 only adds bfloat16): the coordinates of the non-zero elements, as an int64 [rank, count]
// tensor in row-major order of the elements (a scalar counts as a 1-D tensor of one element, as numpy's nonzero
// does). The count depends on the values, so inference leaves it unknown and the kernel allocates its output.
// Large inputs are counted per thread range first, then each thread writes its own columns: the order stays
// row-major whatever the thread count.
#include <omp.h>

#include "ops/data_movement.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

void infer_nonzero(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Float, DataType::Int32, DataType::Int64, DataType::Bool, DataType::UInt8,
                        DataType::Int8});
  if (!ctx.input_shape_known(0)) {
    ctx.set_output_dtype(0, DataType::Int64);
    return;
  }
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(ctx.input_shape(0).size()));
  ctx.set_output(0, DataType::Int64, {rank, kUnknownDim});
}

template <typename T>
void nonzero_typed(const Tensor& x, KernelContext& kc) {
  const T* v = x.data<T>();
  const int64_t n = x.numel();
  const Shape shape = x.rank() == 0 ? Shape{1} : x.shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  constexpr int64_t kParallel = 1 << 16;
  const int threads = n > kParallel ? omp_get_max_threads() : 1;
  std::vector<int64_t> counts(static_cast<size_t>(threads) + 1, 0);
  auto range = [&](int t) { return std::make_pair(n * t / threads, n * (t + 1) / threads); };
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    const auto [lo, hi] = range(t);
    int64_t c = 0;
    for (int64_t i = lo; i < hi; ++i) c += v[i] != T(0);
    counts[static_cast<size_t>(t) + 1] = c;
  }
  for (int t = 0; t < threads; ++t) counts[static_cast<size_t>(t) + 1] += counts[static_cast<size_t>(t)];
  const int64_t total = counts.back();
  kc.outputs.at(0) = Tensor(DataType::Int64, {rank, total});
  int64_t* out = kc.output(0).data<int64_t>();
  const std::vector<int64_t> strides = shape_strides(shape);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    const auto [lo, hi] = range(t);
    if (lo >= hi) continue;
    int64_t col = counts[static_cast<size_t>(t)];
    // The coordinates of element lo, then stepped as an odometer: no division per element.
    std::vector<int64_t> c(static_cast<size_t>(rank));
    for (int64_t d = 0, rem = lo; d < rank; ++d) {
      c[static_cast<size_t>(d)] = rem / strides[static_cast<size_t>(d)];
      rem %= strides[static_cast<size_t>(d)];
    }
    const int64_t last = rank - 1, last_dim = shape[static_cast<size_t>(last)];
    for (int64_t i = lo; i < hi; ++i) {
      if (v[i] != T(0)) {
        for (int64_t d = 0; d < rank; ++d) out[d * total + col] = c[static_cast<size_t>(d)];
        ++col;
      }
      if (++c[static_cast<size_t>(last)] == last_dim) {
        for (int64_t d = last; d > 0 && c[static_cast<size_t>(d)] == shape[static_cast<size_t>(d)]; --d) {
          c[static_cast<size_t>(d)] = 0;
          ++c[static_cast<size_t>(d - 1)];
        }
      }
    }
  }
}

void nonzero_kernel(KernelContext& kc) {
  const Tensor& x = kc.input(0);
  dispatch_dtype(x.dtype(), [&](auto zero) { nonzero_typed<decltype(zero)>(x, kc); });
}

}  // namespace

void register_nonzero_ops(OpRegistry& r) {
  r.add({"", "NonZero", 9, INT64_MAX, infer_nonzero,
         [](const OpContext&) { return make_kernel(nonzero_kernel, "ref"); }});
}

}  // namespace ssdx
