// QLinearAdd of two same-shaped tensors with constant quantization parameters: the residual adds of the int8 SSD.
// Same arithmetic as the reference (ORT's AVX2 kernel: t = fma(a, rA, fma(b, rB, F)), round half to even,
// saturate), vectorized for AVX2 / AVX-512 and threaded, on whatever layout the producers wrote (elementwise, so any
// layout works when both operands share it; B is reordered into A's layout otherwise).
#include <algorithm>
#include <cmath>

#include "ops/cpu_isa.h"
#include "ops/onednn_util.h"
#include "int8/qlinear_add_span.h"
#include "int8/qlinear_binary.h"
#include "int8/quant_util.h"

namespace ssdx {
namespace {

// The span loop for `isa`: the per-ISA units' (qlinear_add_avx2.cpp, qlinear_add_avx512.cpp) or qlinear_add_span.h's
// compiled here for the baseline.
template <typename T>
void qadd_span_for(const T* a, const T* b, T* c, int64_t n, const QAddKernel& k, Isa isa) {
  switch (isa) {
    case Isa::Avx512: return avx512::qadd_span(a, b, c, n, k);
    case Isa::Avx2: return avx2::qadd_span(a, b, c, n, k);
    case Isa::Baseline: return qadd_span(a, b, c, n, k);
  }
}

template <typename T>
void qadd_parallel(const T* a, const T* b, T* c, int64_t n, const QAddKernel& k, Isa isa) {
  if (!isa_supported(isa)) fail("QLinearAdd: this CPU cannot run the ", isa_name(isa), " kernel");
  constexpr int64_t kChunk = 1 << 14;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for if (chunks > 1) schedule(static)
  for (int64_t i = 0; i < chunks; ++i) {
    const int64_t s = i * kChunk;
    qadd_span_for(a + s, b + s, c + s, std::min(kChunk, n - s), k, isa);
  }
}

class FastQLinearAdd : public Kernel {
 public:
  FastQLinearAdd(QAddKernel k, DataType dtype, Shape shape, LayoutPtr a_layout, LayoutPtr b_layout)
      : k_(k), dtype_(dtype), shape_(std::move(shape)), a_layout_(std::move(a_layout)), b_layout_(std::move(b_layout)),
        a_desc_(desc_of(a_layout_, shape_, dtype_)), b_desc_(desc_of(b_layout_, shape_, dtype_)),
        bytes_(a_desc_.get_size()), isa_(host_isa()) {  // the reference kernel is qlinear_binary.cpp's
    if (!same_layout(a_layout_, b_layout_))
      reorder_b_ = onednn_primitive<dnnl::reorder>(
          dnnl::reorder::primitive_desc(onednn_engine(), b_desc_, onednn_engine(), a_desc_));
  }

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(kQBinaryA);
    const Tensor& b = ctx.input(kQBinaryB);
    Tensor& c = ctx.output(0);
    if (!same_layout(a.layout(), a_layout_) || !same_layout(b.layout(), b_layout_) || a.shape() != shape_ ||
        b.shape() != shape_)
      fail("inputs differ from the shapes and layouts the kernel was built for");
    const void* bp = b.raw();
    if (reorder_b_) {  // bring B into A's layout through the workspace
      dnnl::memory from = onednn_memory(b_desc_, b.raw()), to = onednn_memory(a_desc_, ctx.workspace);
      reorder_b_.execute(onednn_stream(), from, to);
      onednn_stream().wait();
      bp = ctx.workspace;
    }
    // Over the whole buffer, padded blocks too: elementwise, so any layout the two share works.
    qlinear_add_same_shape(dtype_, a.raw(), bp, c.raw(), static_cast<int64_t>(bytes_ / dtype_size(dtype_)), k_, isa_);
  }

  std::string impl_name() const override { return KernelIsa{false, isa_}.impl_name("qadd"); }
  LayoutPtr output_layout(int i) const override { return i == 0 ? a_layout_ : nullptr; }
  size_t workspace_bytes() const override { return reorder_b_ ? bytes_ : 0; }
  bool reads_layout(int i) const override { return i == kQBinaryA || i == kQBinaryB; }
  int inplace_input() const override { return kQBinaryA; }

 private:
  QAddKernel k_;
  DataType dtype_;
  Shape shape_;
  LayoutPtr a_layout_, b_layout_;
  dnnl::memory::desc a_desc_, b_desc_;
  size_t bytes_;
  dnnl::reorder reorder_b_;  // empty when B already has A's layout
  Isa isa_;
};

}  // namespace

void qlinear_add_same_shape(DataType dtype, const void* a, const void* b, void* c, int64_t n, const QAddKernel& k,
                            Isa isa) {
  dispatch_q8(dtype, [&](auto tag) {
    using T = decltype(tag);
    qadd_parallel(static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(c), n, k, isa);
  });
}

bool fast_qlinear_add_applies(const OpContext& ctx) {
  for (int i : {kQBinaryAScale, kQBinaryAZp, kQBinaryBScale, kQBinaryBZp, kQBinaryCScale, kQBinaryCZp})
    if (ctx.has_input(i) && !ctx.input_constant(i)) return false;
  if (!ctx.input_shape_known(kQBinaryA) || !ctx.input_shape_known(kQBinaryB)) return false;
  const Shape& s = ctx.input_shape(kQBinaryA);
  return shape_is_static(s) && s == ctx.input_shape(kQBinaryB) && s.size() >= 1;
}

std::unique_ptr<Kernel> create_fast_qlinear_add(const OpContext& ctx) {
  if (!fast_qlinear_add_applies(ctx)) return nullptr;
  auto param = [&](int scale, int zp) {
    return QParam{scalar_scale(*ctx.input_constant(scale), "scale"), scalar_zero_point(ctx.input_constant(zp), "zero point")};
  };
  const QAddKernel k(param(kQBinaryAScale, kQBinaryAZp), param(kQBinaryBScale, kQBinaryBZp),
                     param(kQBinaryCScale, kQBinaryCZp));
  return std::make_unique<FastQLinearAdd>(k, ctx.input_dtype(kQBinaryA), ctx.input_shape(kQBinaryA),
                                          ctx.input(kQBinaryA).layout, ctx.input(kQBinaryB).layout);
}

}  // namespace ssdx
