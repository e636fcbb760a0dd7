#pragma once
// How deep a serialized ModelProto nests its subgraphs (If in If ...), read from the wire format without parsing the
// message: protobuf refuses messages nested past its recursion limit with nothing but "parse failed", so the parser
// asks this when that happens, to say what was wrong.
#include <cstdint>
#include <functional>

namespace ssdx {

// Reads up to `n` bytes at `offset` into `dst`, returning how many it read (0 at the end).
using ByteReader = std::function<size_t(uint64_t offset, void* dst, size_t n)>;

// The deepest subgraph nesting of the `size`-byte ModelProto `read` gives: 0 for a graph without subgraphs, 1 for
// If branches, 2 for an If inside a branch... Follows only ModelProto.graph, GraphProto.node, NodeProto.attribute and
// AttributeProto.g/graphs, iteratively (a bomb cannot overflow the stack). -1 when the bytes are not a well-formed
// message along that path.
int subgraph_nesting_depth(const ByteReader& read, uint64_t size);

}  // namespace ssdx
