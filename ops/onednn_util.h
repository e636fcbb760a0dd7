#pragma once
// oneDNN glue: one CPU engine, a stream per thread, plain-layout memory descriptors, dtype mapping.
#include <dnnl.hpp>

#include "graph/tensor.h"

namespace ssdx {

dnnl::engine& onednn_engine();
dnnl::stream& onednn_stream();  // thread-local: sessions may run from several threads
dnnl::memory::data_type onednn_dtype(DataType t);
// Plain row-major (NCHW-family) descriptor for `shape`.
dnnl::memory::desc plain_desc(const Shape& shape, DataType t);
// "onednn:<implementation name>", e.g. "onednn:brgconv:avx512_core".
std::string onednn_impl_name(const dnnl::primitive_desc_base& pd);

// A oneDNN memory descriptor as a tensor Layout.
class OnednnLayout : public Layout {
 public:
  explicit OnednnLayout(dnnl::memory::desc desc) : desc_(std::move(desc)) {}
  const dnnl::memory::desc& desc() const { return desc_; }
  std::string name() const override;
  size_t bytes() const override { return desc_.get_size(); }
  bool same_as(const Layout& other) const override;

 private:
  dnnl::memory::desc desc_;
};

// The descriptor of a tensor or value: its layout's, or plain row-major for `shape`.
dnnl::memory::desc desc_of(const LayoutPtr& layout, const Shape& shape, DataType dtype);
// The layout a primitive chose, or null when that is plain row-major for `shape` (so plain stays null everywhere).
LayoutPtr layout_for(const dnnl::memory::desc& desc, const Shape& shape, DataType dtype);
// `layout` holding `dtype` elements instead: the same blocking with strides in elements, so element k of the buffer
// is the same tensor element in both (what an elementwise op changing the type writes). Null stays null.
LayoutPtr layout_with_dtype(const LayoutPtr& layout, DataType dtype);
// Wraps a tensor's storage as oneDNN memory of `desc` (sizes must agree; the caller checked the layout).
dnnl::memory onednn_memory(const dnnl::memory::desc& desc, const void* data);

// oneDNN compiles a kernel when a primitive is created, and does not survive failing to get memory for the code (it
// writes the code all the same: a segmentation fault under `ulimit -v`). So every primitive is created through
// these, which first check that kOnednnHeadroom of address space is free and throw std::bad_alloc when it is not.
constexpr size_t kOnednnHeadroom = size_t{64} << 20;
void ensure_onednn_headroom();
template <typename Primitive, typename PrimitiveDesc>
Primitive onednn_primitive(const PrimitiveDesc& pd) {
  ensure_onednn_headroom();
  return Primitive(pd);
}
dnnl::reorder onednn_reorder(const dnnl::memory& from, const dnnl::memory& to);
// For handlers that read a dnnl::error as "oneDNN declines this case": want of memory is no such answer, and
// becomes std::bad_alloc.
void rethrow_if_out_of_memory(const dnnl::error& e);

}  // namespace ssdx
