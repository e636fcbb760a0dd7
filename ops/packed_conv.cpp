#include "ops/packed_conv.h"

#include "ops/conv.h"

#include <cstring>

#include "ops/onednn_util.h"

namespace ssdx {
namespace {

size_t align64(size_t n) { return (n + 63) / 64 * 64; }

dnnl::memory reorder(const dnnl::memory& from, dnnl::memory to) {
  onednn_reorder(from, to).execute(onednn_stream(), const_cast<dnnl::memory&>(from), to);
  return to;
}

class PackedConvKernel : public Kernel {
 public:
  explicit PackedConvKernel(PackedConv c)
      : c_(std::move(c)),
        prim_(onednn_primitive<dnnl::convolution_forward>(c_.pd)),
        y_layout_(c_.y_blocked ? layout_for(c_.pd.dst_desc(), c_.y_shape, c_.y_dtype) : nullptr),
        x_desc_(desc_of(c_.x_layout, c_.x_shape, c_.x_dtype)),
        y_desc_(desc_of(y_layout_, c_.y_shape, c_.y_dtype)),
        reorder_x_(x_desc_ != c_.pd.src_desc()),
        reorder_y_(y_desc_ != c_.pd.dst_desc()),
        x_tmp_offset_(align64(c_.pd.scratchpad_desc().get_size())),
        y_tmp_offset_(x_tmp_offset_ + (reorder_x_ ? align64(c_.pd.src_desc().get_size()) : 0)),
        workspace_(y_tmp_offset_ + (reorder_y_ ? align64(c_.pd.dst_desc().get_size()) : 0)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(c_.x_input);
    Tensor& y = ctx.output(0);
    if (x.shape() != c_.x_shape || !same_layout(x.layout(), c_.x_layout))
      fail("input ", shape_str(x.shape()), " in layout ", layout_name(x.layout()), " differs from the ",
           shape_str(c_.x_shape), " in layout ", layout_name(c_.x_layout), " the kernel was built for");
    if (!same_layout(y.layout(), y_layout_)) fail("output buffer has layout ", layout_name(y.layout()));
    char* ws = static_cast<char*>(ctx.workspace);
    dnnl::memory src = onednn_memory(x_desc_, x.raw());
    if (reorder_x_) src = reorder(src, onednn_memory(c_.pd.src_desc(), ws + x_tmp_offset_));
    dnnl::memory dst = onednn_memory(c_.pd.dst_desc(), reorder_y_ ? ws + y_tmp_offset_ : y.raw());
    if (c_.z_input >= 0) load_summand(ctx.input(c_.z_input), dst);
    std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src},
                                                  {DNNL_ARG_WEIGHTS, c_.weights},
                                                  {DNNL_ARG_DST, dst},
                                                  {DNNL_ARG_SCRATCHPAD, onednn_memory(c_.pd.scratchpad_desc(), ws)}};
    if (c_.bias.numel()) args[DNNL_ARG_BIAS] = onednn_memory(c_.pd.bias_desc(), c_.bias.raw());
    prim_.execute(onednn_stream(), args);
    if (reorder_y_) reorder(dst, onednn_memory(y_desc_, y.raw()));
    onednn_stream().wait();
  }

  std::string impl_name() const override { return onednn_impl_name(c_.pd); }
  std::string compute_precision() const override {
    const bool bf16 = c_.x_dtype == DataType::Float && c_.pd.src_desc().data_type() == dnnl::memory::data_type::bf16;
    return bf16 ? "bf16" : "";
  }
  LayoutPtr output_layout(int i) const override { return i == 0 ? y_layout_ : nullptr; }
  size_t workspace_bytes() const override { return workspace_; }
  bool reads_layout(int i) const override { return i == c_.x_input || i == c_.z_input; }
  int inplace_input() const override { return c_.z_input; }
  // Weights and bias live in c_ from creation on; the small scale and zero-point inputs stay with the graph (the
  // study tools read them).
  bool packs_input(int i) const override { return i >= 0 && (i == c_.w_input || i == c_.b_input); }
  double flops(const std::vector<const Tensor*>&) const override { return c_.flops; }

 private:
  // The sum post-op accumulates into dst: dst must hold Z first, unless the engine already gave Z's buffer as dst.
  void load_summand(const Tensor& z, const dnnl::memory& dst) const {
    if (z.raw() == dst.get_data_handle()) return;
    const dnnl::memory::desc z_desc = desc_of(z.layout(), z.shape(), z.dtype());
    if (z_desc == dst.get_desc()) {
      std::memcpy(dst.get_data_handle(), z.raw(), z_desc.get_size());
      return;
    }
    reorder(onednn_memory(z_desc, z.raw()), dst);
  }

  PackedConv c_;
  dnnl::convolution_forward prim_;
  LayoutPtr y_layout_;
  dnnl::memory::desc x_desc_, y_desc_;  // the tensors as the engine holds them
  bool reorder_x_, reorder_y_;          // they differ from what the primitive reads / writes
  size_t x_tmp_offset_, y_tmp_offset_, workspace_;  // workspace: scratchpad | reordered (or bf16) x | y before reorder
};

}  // namespace

std::unique_ptr<Kernel> make_packed_conv_kernel(PackedConv c) { return std::make_unique<PackedConvKernel>(std::move(c)); }

std::unique_ptr<Kernel> finish_packed_conv(PackedConv c, const OpContext& ctx, int x_input, const Shape& x,
                                           const Shape& y) {
  c.x_input = x_input;
  c.x_shape = x;
  c.y_shape = y;
  c.x_layout = ctx.input(x_input).layout;
  c.y_blocked = ctx.output_blocked_ok(0);
  // oneDNN's weights are [M, C, k...] or [group, M/group, C/group, k...]: the last rank(y) dims count the same.
  const dnnl::memory::dims w = c.pd.weights_desc().dims();
  c.flops = 2 * conv_macs(Shape(w.end() - static_cast<std::ptrdiff_t>(y.size()), w.end()), y);
  return make_packed_conv_kernel(std::move(c));
}

dnnl::memory pack_weights(const dnnl::memory::desc& packed_desc, const Tensor& w, const Shape& shape) {
  dnnl::memory packed(packed_desc, onednn_engine());
  dnnl::memory plain = onednn_memory(plain_desc(shape, w.dtype()), w.raw());
  onednn_reorder(plain, packed).execute(onednn_stream(), plain, packed);
  onednn_stream().wait();
  return packed;
}

dnnl::memory::desc any_desc(const Shape& s, DataType dtype) {
  return dnnl::memory::desc(dnnl::memory::dims(s.begin(), s.end()), onednn_dtype(dtype), dnnl::memory::format_tag::any);
}

dnnl::memory::desc conv_dst_desc(const LayoutPtr& x_layout, const Shape& x, const Shape& w, const Shape& y,
                                 DataType dtype) {
  using tag = dnnl::memory::format_tag;
  if (x.size() != 4 || y.size() != 4 || y[1] % 16 != 0) return any_desc(y, dtype);
  const dnnl::memory::dims x_dims(x.begin(), x.end()), y_dims(y.begin(), y.end());
  const bool first_layer = !x_layout && x[1] <= 4 && w.size() == 4 && w[2] <= 3 && w[3] <= 3;
  const bool x_blocked16 =
      x_layout && desc_of(x_layout, x, dtype) == dnnl::memory::desc(x_dims, onednn_dtype(dtype), tag::nChw16c);
  if (!first_layer && !x_blocked16) return any_desc(y, dtype);
  return dnnl::memory::desc(y_dims, onednn_dtype(dtype), tag::nChw16c);
}
}  // namespace ssdx
