#include "ops/broadcast.h"

#include <algorithm>

namespace ssdx {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db) out[i] = da;
    else if (da == 1) out[i] = db;
    else if (db == 1) out[i] = da;
    else if (da == kUnknownDim) out[i] = db;
    else if (db == kUnknownDim) out[i] = da;
    else fail("shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast together");
  }
  return out;
}

Shape broadcast_all(const std::vector<Shape>& shapes) {
  if (shapes.empty()) return {};
  Shape out = shapes[0];
  for (size_t i = 1; i < shapes.size(); ++i) out = broadcast_shapes(out, shapes[i]);
  return out;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  const std::vector<int64_t> own = shape_strides(in);
  const size_t off = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) st[off + i] = in[i] == 1 ? 0 : own[i];
  return st;
}

BroadcastLoops coalesce_broadcast(const Shape& out, const std::vector<std::vector<int64_t>>& strides) {
  BroadcastLoops l;
  l.strides.resize(strides.size());
  // Walk from the innermost dim outwards, folding a dim into the one inside it when every input steps over it as
  // over a continuation of that inner dim (stride_outer == stride_inner * inner_dim: contiguous, or both 0).
  for (size_t d = out.size(); d-- > 0;) {
    if (out[d] == 1) continue;
    bool merge = !l.dims.empty();
    for (size_t k = 0; merge && k < strides.size(); ++k)
      merge = strides[k][d] == l.strides[k].back() * l.dims.back();
    if (merge) {
      l.dims.back() *= out[d];
    } else {
      l.dims.push_back(out[d]);
      for (size_t k = 0; k < strides.size(); ++k) l.strides[k].push_back(strides[k][d]);
    }
  }
  if (l.dims.empty()) {
    l.dims.push_back(1);
    for (auto& s : l.strides) s.push_back(0);
  }
  std::reverse(l.dims.begin(), l.dims.end());
  for (auto& s : l.strides) std::reverse(s.begin(), s.end());
  return l;
}

}  // namespace ssdx
