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

}  // namespace ssdx
