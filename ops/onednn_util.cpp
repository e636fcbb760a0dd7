#include "ops/onednn_util.h"

#include <sys/mman.h>

#include <new>

namespace ssdx {

dnnl::engine& onednn_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& onednn_stream() {
  thread_local dnnl::stream stream(onednn_engine());
  return stream;
}

dnnl::memory::data_type onednn_dtype(DataType t) {
  switch (t) {
    case DataType::Float: return dnnl::memory::data_type::f32;
    case DataType::UInt8: return dnnl::memory::data_type::u8;
    case DataType::Int8: return dnnl::memory::data_type::s8;
    case DataType::Int32: return dnnl::memory::data_type::s32;
    case DataType::BFloat16: return dnnl::memory::data_type::bf16;
    default: fail("oneDNN does not handle ", dtype_name(t));
  }
}

dnnl::memory::desc plain_desc(const Shape& shape, DataType t) {
  dnnl::memory::dims dims(shape.begin(), shape.end());
  const std::vector<int64_t> st = shape_strides(shape);
  dnnl::memory::dims strides(st.begin(), st.end());
  return dnnl::memory::desc(dims, onednn_dtype(t), strides);
}

std::string onednn_impl_name(const dnnl::primitive_desc_base& pd) {
  return std::string("onednn:") + pd.impl_info_str();
}

}  // namespace ssdx

namespace ssdx {

std::string OnednnLayout::name() const {
  // Name the common formats by comparing with their descriptors; others print as "blocked".
  using tag = dnnl::memory::format_tag;
  const auto dims = desc_.dims();
  const auto dt = desc_.data_type();
  if (dims.size() == 4) {
    for (auto [t, n] : {std::pair{tag::nhwc, "nhwc"}, {tag::nChw16c, "nChw16c"}, {tag::nChw8c, "nChw8c"},
                        {tag::nchw, "nchw"}})
      if (desc_ == dnnl::memory::desc(dims, dt, t)) return n;
  }
  return "blocked";
}

bool OnednnLayout::same_as(const Layout& other) const {
  const auto* o = dynamic_cast<const OnednnLayout*>(&other);
  return o && o->desc_ == desc_;
}

dnnl::memory::desc desc_of(const LayoutPtr& layout, const Shape& shape, DataType dtype) {
  if (!layout) return plain_desc(shape, dtype);
  const auto* l = dynamic_cast<const OnednnLayout*>(layout.get());
  if (!l) fail("layout ", layout->name(), " is not a oneDNN layout");
  return l->desc();
}

LayoutPtr layout_for(const dnnl::memory::desc& desc, const Shape& shape, DataType dtype) {
  if (desc == plain_desc(shape, dtype)) return nullptr;
  return std::make_shared<OnednnLayout>(desc);
}

LayoutPtr layout_with_dtype(const LayoutPtr& layout, DataType dtype) {
  if (!layout) return nullptr;
  dnnl::memory::desc d = desc_of(layout, {}, dtype);
  if (d.data.extra.flags != 0) fail("layout ", layout->name(), " carries extra data and cannot change its type");
  d.data.data_type = static_cast<dnnl_data_type_t>(onednn_dtype(dtype));
  return std::make_shared<OnednnLayout>(d);
}

dnnl::memory onednn_memory(const dnnl::memory::desc& desc, const void* data) {
  return dnnl::memory(desc, onednn_engine(), const_cast<void*>(data));
}

}  // namespace ssdx

#include "ops/layout_convert.h"

namespace ssdx {

Tensor to_plain(const Tensor& t) {
  if (t.is_plain()) return t;
  Tensor out(t.dtype(), t.shape());
  dnnl::memory src = onednn_memory(desc_of(t.layout(), t.shape(), t.dtype()), t.raw());
  dnnl::memory dst = onednn_memory(plain_desc(t.shape(), t.dtype()), out.raw());
  onednn_reorder(src, dst).execute(onednn_stream(), src, dst);
  onednn_stream().wait();
  return out;
}

void ensure_onednn_headroom() {
  // Reserving address space (nothing is touched or committed) fails exactly when an address-space limit would.
  void* probe = mmap(nullptr, kOnednnHeadroom, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (probe == MAP_FAILED) throw std::bad_alloc();
  munmap(probe, kOnednnHeadroom);
}

dnnl::reorder onednn_reorder(const dnnl::memory& from, const dnnl::memory& to) {
  ensure_onednn_headroom();
  return dnnl::reorder(from, to);
}

void rethrow_if_out_of_memory(const dnnl::error& e) {
  if (e.status == dnnl_out_of_memory) throw std::bad_alloc();
}

}  // namespace ssdx
