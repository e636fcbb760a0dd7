#include "ops/onednn_util.h"

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
