// The fast convolution: oneDNN primitive built once at load with format_tag::any, weights reordered into oneDNN's
// packed layout at load, residual sum and Relu fused as post-ops, output left in oneDNN's preferred (blocked)
// layout when every consumer reads it, scratchpad from the engine's arena. Plain tensors at the chain's borders
// (the image in, the head outputs out) are reordered through the workspace: a primitive forced to read or write
// plain NCHW next to blocked data is oneDNN's slow reference implementation.
#include <cstring>

#include "ops/conv.h"
#include "ops/onednn_util.h"

namespace ssdx {
namespace {

size_t align64(size_t n) { return (n + 63) / 64 * 64; }

class FastConv : public Kernel {
 public:
  FastConv(const ConvParams& p, dnnl::convolution_forward::primitive_desc pd, dnnl::memory weights, Tensor bias,
           Shape x_shape, Shape y_shape, LayoutPtr x_layout, bool y_blocked)
      : params_(p),
        pd_(std::move(pd)),
        prim_(pd_),
        weights_(std::move(weights)),
        bias_(std::move(bias)),
        x_shape_(std::move(x_shape)),
        y_shape_(std::move(y_shape)),
        x_layout_(std::move(x_layout)),
        y_layout_(y_blocked ? layout_for(pd_.dst_desc(), y_shape_, DataType::Float) : nullptr),
        x_desc_(desc_of(x_layout_, x_shape_, DataType::Float)),
        y_desc_(desc_of(y_layout_, y_shape_, DataType::Float)),
        reorder_x_(x_desc_ != pd_.src_desc()),
        reorder_y_(y_desc_ != pd_.dst_desc()),
        x_tmp_offset_(align64(pd_.scratchpad_desc().get_size())),
        y_tmp_offset_(x_tmp_offset_ + (reorder_x_ ? align64(pd_.src_desc().get_size()) : 0)),
        workspace_(y_tmp_offset_ + (reorder_y_ ? align64(pd_.dst_desc().get_size()) : 0)) {}

  void run(KernelContext& ctx) override {
    const Tensor& x = ctx.input(kConvInputX);
    Tensor& y = ctx.output(0);
    if (x.shape() != x_shape_ || !same_layout(x.layout(), x_layout_))
      fail("input ", shape_str(x.shape()), " in layout ", layout_name(x.layout()), " differs from the ",
           shape_str(x_shape_), " in layout ", layout_name(x_layout_), " the kernel was built for");
    if (!same_layout(y.layout(), y_layout_)) fail("output buffer has layout ", layout_name(y.layout()));
    char* ws = static_cast<char*>(ctx.workspace);
    dnnl::memory src = onednn_memory(x_desc_, x.raw());
    if (reorder_x_) src = reorder(src, onednn_memory(pd_.src_desc(), ws + x_tmp_offset_));
    dnnl::memory dst = onednn_memory(pd_.dst_desc(), reorder_y_ ? ws + y_tmp_offset_ : y.raw());
    if (params_.has_sum) load_summand(ctx.input(kConvInputZ), dst);
    std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src},
                                                  {DNNL_ARG_WEIGHTS, weights_},
                                                  {DNNL_ARG_DST, dst},
                                                  {DNNL_ARG_SCRATCHPAD, onednn_memory(pd_.scratchpad_desc(), ws)}};
    if (bias_.numel()) args[DNNL_ARG_BIAS] = onednn_memory(pd_.bias_desc(), bias_.raw());
    prim_.execute(onednn_stream(), args);
    if (reorder_y_) reorder(dst, onednn_memory(y_desc_, y.raw()));
    onednn_stream().wait();
  }

  std::string impl_name() const override { return onednn_impl_name(pd_); }
  LayoutPtr output_layout(int i) const override { return i == 0 ? y_layout_ : nullptr; }
  size_t workspace_bytes() const override { return workspace_; }
  int inplace_input() const override { return params_.has_sum ? kConvInputZ : -1; }
  double flops(const std::vector<const Tensor*>&) const override {
    const auto w = pd_.weights_desc().dims();  // [(g,) oc, ic, k...]
    double per_output = 1;
    for (size_t d = w.size() - (y_shape_.size() - 1); d < w.size(); ++d) per_output *= static_cast<double>(w[d]);
    return 2.0 * static_cast<double>(shape_numel(y_shape_)) * per_output;
  }

 private:
  static dnnl::memory reorder(const dnnl::memory& from, dnnl::memory to) {
    dnnl::reorder(from, to).execute(onednn_stream(), const_cast<dnnl::memory&>(from), to);
    return to;
  }

  // The sum post-op accumulates into dst: dst must hold Z first, unless the engine already gave Z's buffer as dst.
  void load_summand(const Tensor& z, const dnnl::memory& dst) const {
    if (z.raw() == dst.get_data_handle()) return;
    const dnnl::memory::desc z_desc = desc_of(z.layout(), z.shape(), DataType::Float);
    if (z_desc == dst.get_desc()) {
      std::memcpy(dst.get_data_handle(), z.raw(), z_desc.get_size());
      return;
    }
    reorder(onednn_memory(z_desc, z.raw()), dst);
  }

  ConvParams params_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::convolution_forward prim_;
  dnnl::memory weights_;  // packed at load
  Tensor bias_;
  Shape x_shape_, y_shape_;
  LayoutPtr x_layout_, y_layout_;
  dnnl::memory::desc x_desc_, y_desc_;  // the tensors as the engine holds them
  bool reorder_x_, reorder_y_;          // they differ from what the primitive reads / writes
  size_t x_tmp_offset_, y_tmp_offset_, workspace_;  // workspace: scratchpad | reordered x | y before reorder
};

}  // namespace

std::unique_ptr<Kernel> create_fast_conv(const OpContext& ctx, const ConvParams& params) {
  ConvParams p = params;
  const Shape& x = ctx.input_shape(kConvInputX);
  const Tensor& w = *ctx.input_constant(kConvInputW);
  const Shape y = conv_output_shape(p, x, w.shape(), nullptr);
  const OnednnWindow win = onednn_window(p.window, x, y);
  const Shape wg = grouped_weight_shape(w.shape(), p.group);
  auto any = [](const Shape& s) {
    return dnnl::memory::desc(dnnl::memory::dims(s.begin(), s.end()), dnnl::memory::data_type::f32,
                              dnnl::memory::format_tag::any);
  };
  // A blocked input is read as it is (the previous primitive chose it); a plain one lets oneDNN choose.
  const LayoutPtr& x_layout = ctx.input(kConvInputX).layout;
  const bool has_bias = ctx.has_input(kConvInputB);
  dnnl::post_ops post;
  if (p.has_sum) post.append_sum(1.f);
  if (p.relu) post.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(post);
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  // Winograd reads its own blocked format: it chooses the input format too (the kernel reorders into it).
  auto make_pd = [&](dnnl::algorithm algorithm) {
    const bool fixed_x = x_layout && algorithm == dnnl::algorithm::convolution_direct;
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, algorithm, fixed_x ? desc_of(x_layout, x, DataType::Float) : any(x),
        any(wg), has_bias ? plain_desc({w.dim(0)}, DataType::Float) : dnnl::memory::desc(), any(y), win.strides,
        win.dilations, win.pads_l, win.pads_r);
    return dnnl::convolution_forward::primitive_desc(desc, attr, onednn_engine());
  };
  try {
    dnnl::convolution_forward::primitive_desc pd;
    bool have_pd = false;
    if (ctx.hints().winograd) {
      try {
        pd = make_pd(dnnl::algorithm::convolution_winograd);
        have_pd = true;
      } catch (const dnnl::error&) {  // not a 3x3 stride-1 shape oneDNN's Winograd takes: direct it is
      }
    }
    if (!have_pd) pd = make_pd(dnnl::algorithm::convolution_direct);
    // Pack the constant weights once.
    dnnl::memory packed(pd.weights_desc(), onednn_engine());
    dnnl::memory plain = onednn_memory(plain_desc(wg, DataType::Float), w.raw());
    dnnl::reorder(plain, packed).execute(onednn_stream(), plain, packed);
    onednn_stream().wait();
    Tensor bias = has_bias ? ctx.input_constant(kConvInputB)->clone() : Tensor();
    return std::make_unique<FastConv>(p, std::move(pd), std::move(packed), std::move(bias), x, y, x_layout,
                                      ctx.output_blocked_ok(0));
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

}  // namespace ssdx
