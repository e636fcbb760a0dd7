// MatMulInteger and QLinearMatMul (opset 10): numpy-style batched matrix products of uint8/int8 operands with exact
// int32 accumulation of (a - a_zp) * (b - b_zp). QLinearMatMul then requantizes as onnxruntime does
// (core/providers/cpu/quantization/quantize_linear_matmul.cc -> MlasGemmBatch -> MlasRequantizeOutput):
// float(acc) * ((a_scale * b_scale[n]) / y_scale), clamp, round half to even, + y_zp.
#include <algorithm>

#include "ops/broadcast.h"
#include "int8/quant_util.h"
#include "int8/register_quant.h"

namespace ssdx {
namespace {

// MatMulInteger inputs.
constexpr int kIntA = 0, kIntB = 1, kIntAZp = 2, kIntBZp = 3;
// QLinearMatMul inputs.
constexpr int kQA = 0, kQAScale = 1, kQAZp = 2, kQB = 3, kQBScale = 4, kQBZp = 5, kQYScale = 6, kQYZp = 7;

// ---- shapes ----

// numpy matmul: 1-D operands are promoted ([K] -> [1,K] for A, [K,1] for B) and the promoted dim is dropped from
// the output; the dims before the last two broadcast.
struct MatMulDims {
  Shape a_batch, b_batch, batch;  // batch dims of A, of B, and of the output (broadcast)
  int64_t m = 1, k = 1, n = 1;
  Shape out;
};

MatMulDims matmul_dims(const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) fail("operands must have rank >= 1, got ", shape_str(a), " and ", shape_str(b));
  const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  MatMulDims d;
  d.a_batch.assign(a2.begin(), a2.end() - 2);
  d.b_batch.assign(b2.begin(), b2.end() - 2);
  d.m = a2[a2.size() - 2];
  d.k = a2.back();
  d.n = b2.back();
  const int64_t kb = b2[b2.size() - 2];
  if (d.k >= 0 && kb >= 0 && d.k != kb) fail("A ", shape_str(a), " and B ", shape_str(b), " have different inner dims");
  if (d.k < 0) d.k = kb;
  d.batch = broadcast_shapes(d.a_batch, d.b_batch);
  d.out = d.batch;
  if (a.size() > 1) d.out.push_back(d.m);
  if (b.size() > 1) d.out.push_back(d.n);
  return d;
}

// For every output matrix, the index of the A (or B) matrix it reads once the batch dims are broadcast.
std::vector<int64_t> source_matrices(const Shape& operand_batch, const Shape& batch) {
  const std::vector<int64_t> st = broadcast_strides(operand_batch, batch);
  std::vector<int64_t> idx(static_cast<size_t>(shape_numel(batch)));
  for (size_t t = 0; t < idx.size(); ++t) {
    int64_t rem = static_cast<int64_t>(t), at = 0;
    for (size_t d = batch.size(); d-- > 0;) {
      at += (rem % batch[d]) * st[d];
      rem /= batch[d];
    }
    idx[t] = at;
  }
  return idx;
}

// ---- zero points and scales per row of A / per column of B ----

// How a quantization parameter spreads over an operand's rows (A) or columns (B): one value; one per line shared by
// every matrix ([M] / [N]); or one per line of each matrix (the operand's shape with the other matrix dim 1, as
// ONNX allows and onnxruntime's IsBQuantParamSupported accepts for B).
enum class LineKind { PerTensor, PerLine, PerMatrixLine };

LineKind line_kind(const Shape& p, const Shape& operand, bool columns, const char* what) {
  if (is_per_tensor(p)) return LineKind::PerTensor;
  const size_t r = operand.size();
  if (r >= 2) {
    const size_t line_dim = columns ? r - 1 : r - 2, other_dim = columns ? r - 2 : r - 1;
    if (p.size() == 1 && p[0] == operand[line_dim]) return LineKind::PerLine;
    if (p.size() == r && p[other_dim] == 1) {
      bool same = true;
      for (size_t i = 0; i < r; ++i) same = same && (i == other_dim || p[i] == operand[i]);
      if (same) return LineKind::PerMatrixLine;
    }
  }
  if (r < 2) fail(what, " ", shape_str(p), " must hold one value for the 1-D operand ", shape_str(operand));
  Shape per_matrix = operand;
  per_matrix[columns ? r - 2 : r - 1] = 1;
  fail(what, " ", shape_str(p), " must be a scalar, [", operand[columns ? r - 1 : r - 2], "] or ", shape_str(per_matrix),
       " for ", columns ? "B " : "A ", shape_str(operand));
}

// One value per row (or column) of every matrix of an operand, without copying what is shared.
template <typename V>
struct LineValues {
  std::vector<V> v;
  int64_t stride = 0;  // values per matrix; 0 when all matrices share them
  const V* of(int64_t matrix) const { return v.data() + matrix * stride; }
};

template <typename V>
LineValues<V> spread(std::vector<V> values, const Shape& p, const Shape& operand, bool columns, int64_t lines,
                     const char* what) {
  LineValues<V> l;
  switch (line_kind(p, operand, columns, what)) {
    case LineKind::PerTensor: l.v.assign(static_cast<size_t>(lines), values.at(0)); break;
    case LineKind::PerLine: l.v = std::move(values); break;
    case LineKind::PerMatrixLine: l.v = std::move(values); l.stride = lines; break;
  }
  return l;
}

// read_zero_points / read_scales take at most 1-D tensors; per-matrix parameters have the operand's rank, so their
// values are read flat (the shape is checked by line_kind).
LineValues<int32_t> zero_points(const Tensor* zp, const Shape& operand, bool columns, int64_t lines, const char* what) {
  if (!zp) return {std::vector<int32_t>(static_cast<size_t>(lines), 0), 0};
  if (zp->dtype() != DataType::UInt8 && zp->dtype() != DataType::Int8)
    fail(what, " must be uint8 or int8, got ", dtype_name(zp->dtype()));
  std::vector<int32_t> v(static_cast<size_t>(zp->numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int32_t>(zp->int_at(static_cast<int64_t>(i)));
  return spread(std::move(v), zp->shape(), operand, columns, lines, what);
}

LineValues<float> scales(const Tensor& s, const Shape& operand, int64_t lines, const char* what) {
  if (s.dtype() != DataType::Float) fail(what, " must be float32, got ", dtype_name(s.dtype()));
  const float* p = s.data<float>();
  return spread(std::vector<float>(p, p + s.numel()), s.shape(), operand, true, lines, what);
}

// ---- shape functions ----

void check_operand_types(const OpContext& ctx, int a, int a_zp, int b, int b_zp) {
  ctx.require_dtype(a, {DataType::UInt8, DataType::Int8});
  ctx.require_dtype(b, {DataType::UInt8, DataType::Int8});
  if (ctx.has_input(a_zp) && ctx.input_dtype(a_zp) != ctx.input_dtype(a))
    fail("a_zero_point is ", dtype_name(ctx.input_dtype(a_zp)), ", A is ", dtype_name(ctx.input_dtype(a)));
  if (ctx.has_input(b_zp) && ctx.input_dtype(b_zp) != ctx.input_dtype(b))
    fail("b_zero_point is ", dtype_name(ctx.input_dtype(b_zp)), ", B is ", dtype_name(ctx.input_dtype(b)));
}

// Checks a per-line parameter's shape against its operand when both are fully known.
void check_line_param(const OpContext& ctx, int param, int operand, bool columns, const char* what) {
  if (ctx.input_shape_known(param) && ctx.input_shape_known(operand) && shape_is_static(ctx.input_shape(param)) &&
      shape_is_static(ctx.input_shape(operand)))
    line_kind(ctx.input_shape(param), ctx.input_shape(operand), columns, what);
}

void set_matmul_output(OpContext& ctx, int a, int b, DataType out) {
  if (ctx.input_shape_known(a) && ctx.input_shape_known(b))
    ctx.set_output(0, out, matmul_dims(ctx.input_shape(a), ctx.input_shape(b)).out);
  else
    ctx.set_output_dtype(0, out);
}

void infer_matmul_integer(OpContext& ctx) {
  ctx.require_inputs(2, 4);
  check_operand_types(ctx, kIntA, kIntAZp, kIntB, kIntBZp);
  check_line_param(ctx, kIntAZp, kIntA, false, "a_zero_point");
  check_line_param(ctx, kIntBZp, kIntB, true, "b_zero_point");
  set_matmul_output(ctx, kIntA, kIntB, DataType::Int32);
}

void infer_qlinear_matmul(OpContext& ctx) {
  ctx.require_inputs(8, 8);
  check_operand_types(ctx, kQA, kQAZp, kQB, kQBZp);
  ctx.require_dtype(kQYZp, {DataType::UInt8, DataType::Int8});
  for (int i : {kQAScale, kQBScale, kQYScale}) ctx.require_dtype(i, {DataType::Float});
  require_per_tensor(ctx, kQAScale, "a_scale");
  require_per_tensor(ctx, kQAZp, "a_zero_point");
  require_per_tensor(ctx, kQYScale, "y_scale");
  require_per_tensor(ctx, kQYZp, "y_zero_point");
  check_line_param(ctx, kQBScale, kQB, true, "b_scale");
  check_line_param(ctx, kQBZp, kQB, true, "b_zero_point");
  set_matmul_output(ctx, kQA, kQB, ctx.input_dtype(kQYZp));  // y has y_zero_point's type
}

// ---- reference kernels ----

// acc[t,i,j] = sum_k (a[i,k] - a_zp[i]) * (b[k,j] - b_zp[j]) over the A and B matrices of output matrix t, exact
// in int32 (MLAS's integer GEMM is exact on VNNI/AMX hosts; docs/ort_arithmetic.md §5 for AVX2's vpmaddubsw).
template <typename TA, typename TB>
void matmul_acc_ref(const MatMulDims& d, const TA* a, const LineValues<int32_t>& a_zp, const TB* b,
                    const LineValues<int32_t>& b_zp, int32_t* acc) {
  const std::vector<int64_t> a_mat = source_matrices(d.a_batch, d.batch), b_mat = source_matrices(d.b_batch, d.batch);
  const int64_t batches = static_cast<int64_t>(a_mat.size()), m = d.m, k = d.k, n = d.n;
#pragma omp parallel for collapse(2) if (batches * m * n * k > (1 << 16)) schedule(static)
  for (int64_t t = 0; t < batches; ++t)
    for (int64_t i = 0; i < m; ++i) {
      const int64_t am = a_mat[static_cast<size_t>(t)], bm = b_mat[static_cast<size_t>(t)];
      const TA* a_row = a + (am * m + i) * k;
      const int32_t az = a_zp.of(am)[i];
      const int32_t* bz = b_zp.of(bm);
      int32_t* out = acc + (t * m + i) * n;
      std::fill(out, out + n, 0);
      for (int64_t kk = 0; kk < k; ++kk) {
        const int32_t av = static_cast<int32_t>(a_row[kk]) - az;
        const TB* b_row = b + (bm * k + kk) * n;
        for (int64_t j = 0; j < n; ++j) out[j] += av * (static_cast<int32_t>(b_row[j]) - bz[j]);
      }
    }
}

void matmul_acc(const MatMulDims& d, const Tensor& a, const LineValues<int32_t>& a_zp, const Tensor& b,
                const LineValues<int32_t>& b_zp, int32_t* acc) {
  dispatch_q8(a.dtype(), [&](auto ta) {
    dispatch_q8(b.dtype(), [&](auto tb) {
      using TA = decltype(ta);
      using TB = decltype(tb);
      matmul_acc_ref<TA, TB>(d, a.data<TA>(), a_zp, b.data<TB>(), b_zp, acc);
    });
  });
}

std::unique_ptr<Kernel> create_matmul_integer(const OpContext&) {
  return make_kernel([](KernelContext& kc) {
    const Tensor& a = kc.input(kIntA);
    const Tensor& b = kc.input(kIntB);
    const MatMulDims d = matmul_dims(a.shape(), b.shape());
    const LineValues<int32_t> a_zp = zero_points(kc.optional_input(kIntAZp), a.shape(), false, d.m, "a_zero_point");
    const LineValues<int32_t> b_zp = zero_points(kc.optional_input(kIntBZp), b.shape(), true, d.n, "b_zero_point");
    matmul_acc(d, a, a_zp, b, b_zp, kc.output(0).data<int32_t>());
  }, "ref");
}

// y = requantize(float(acc) * scale[j], y_zp) with scale[j] = (a_scale * b_scale[j]) / y_scale in float, in that
// order (ORT computes output_scales exactly so).
template <typename T>
void requantize_columns(const MatMulDims& d, const std::vector<int32_t>& acc, const LineValues<float>& scale,
                        int32_t y_zp, Tensor& y) {
  const std::vector<int64_t> b_mat = source_matrices(d.b_batch, d.batch);
  T* dst = y.data<T>();
  const int64_t rows = static_cast<int64_t>(b_mat.size()) * d.m, n = d.n;
#pragma omp parallel for if (rows * n > (1 << 16)) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = scale.of(b_mat[static_cast<size_t>(r / d.m)]);
    for (int64_t j = 0; j < n; ++j)
      dst[r * n + j] = requantize<T>(static_cast<float>(acc[static_cast<size_t>(r * n + j)]) * s[j], y_zp);
  }
}

std::unique_ptr<Kernel> create_qlinear_matmul(const OpContext&) {
  return make_kernel([](KernelContext& kc) {
    const Tensor& a = kc.input(kQA);
    const Tensor& b = kc.input(kQB);
    Tensor& y = kc.output(0);
    const MatMulDims d = matmul_dims(a.shape(), b.shape());
    const float a_scale = scalar_scale(kc.input(kQAScale), "a_scale"), y_scale = scalar_scale(kc.input(kQYScale), "y_scale");
    const int32_t y_zp = scalar_zero_point(&kc.input(kQYZp), "y_zero_point");
    // a_zero_point is per-tensor (ONNX and ORT): the same value for every row.
    const LineValues<int32_t> a_zp{
        std::vector<int32_t>(static_cast<size_t>(d.m), scalar_zero_point(&kc.input(kQAZp), "a_zero_point")), 0};
    const LineValues<int32_t> b_zp = zero_points(&kc.input(kQBZp), b.shape(), true, d.n, "b_zero_point");
    LineValues<float> scale = scales(kc.input(kQBScale), b.shape(), d.n, "b_scale");
    for (float& s : scale.v) s = (a_scale * s) / y_scale;
    std::vector<int32_t> acc(static_cast<size_t>(y.numel()));
    matmul_acc(d, a, a_zp, b, b_zp, acc.data());
    dispatch_q8(y.dtype(), [&](auto t) { requantize_columns<decltype(t)>(d, acc, scale, y_zp, y); });
  }, "ref");
}

}  // namespace

void register_qlinear_matmul_ops(OpRegistry& r) {
  // MatMulInteger exists only at opset 10. QLinearMatMul 21 adds float8 operands and 16-bit float scales, which the
  // dtype checks reject; its int8 semantics are those of opset 10.
  r.add({"", "MatMulInteger", 10, INT64_MAX, infer_matmul_integer, create_matmul_integer});
  // Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
  const OpTraits qlinear_matmul{{{"a", 0, 1, 2}, {"b", 3, 4, 5}, {"y", QuantSlot::kOutput0, 6, 7}}};
  r.add({"", "QLinearMatMul", 10, INT64_MAX, infer_qlinear_matmul, create_qlinear_matmul, qlinear_matmul});
}

}  // namespace ssdx
