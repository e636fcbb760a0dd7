// A non-recursive walk of the protobuf wire format along the fields that lead from a model to its subgraphs.
#include "graph/subgraph_depth.h"

#include <algorithm>
#include <vector>

namespace ssdx {
namespace {

enum class Message { Model, Graph, Node, Attribute };

// The embedded message field `field` of a `parent` leads to, if it is one on the way to subgraphs.
bool child_of(Message parent, uint64_t field, Message& child) {
  switch (parent) {
    case Message::Model: if (field == 7) { child = Message::Graph; return true; } break;      // ModelProto.graph
    case Message::Graph: if (field == 1) { child = Message::Node; return true; } break;       // GraphProto.node
    case Message::Node: if (field == 5) { child = Message::Attribute; return true; } break;   // NodeProto.attribute
    case Message::Attribute:
      if (field == 6 || field == 11) { child = Message::Graph; return true; }  // AttributeProto.g / graphs
      break;
  }
  return false;
}

// Sequential reads through a small buffer; skips move the position without reading.
class Cursor {
 public:
  Cursor(const ByteReader& read, uint64_t size) : read_(read), size_(size) {}
  uint64_t pos() const { return pos_; }
  bool byte(uint8_t& b) {
    if (pos_ >= size_) return false;
    if (pos_ < buf_start_ || pos_ >= buf_start_ + buf_.size()) {
      buf_.resize(64 * 1024);
      buf_start_ = pos_;
      buf_.resize(read_(pos_, buf_.data(), static_cast<size_t>(std::min<uint64_t>(buf_.size(), size_ - pos_))));
      if (buf_.empty()) return false;
    }
    b = buf_[static_cast<size_t>(pos_ - buf_start_)];
    ++pos_;
    return true;
  }
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!byte(b)) return false;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool skip(uint64_t n, uint64_t end) {
    if (n > end - pos_) return false;
    pos_ += n;
    return true;
  }

 private:
  const ByteReader& read_;
  uint64_t size_;
  uint64_t pos_ = 0;
  uint64_t buf_start_ = 0;
  std::vector<uint8_t> buf_;
};

}  // namespace

int subgraph_nesting_depth(const ByteReader& read, uint64_t size) {
  struct Frame {
    Message kind;
    uint64_t end;
  };
  std::vector<Frame> stack{{Message::Model, size}};
  Cursor in(read, size);
  int graphs = 0, deepest = 0;  // graphs open now (the main graph is the first), and the most seen
  while (!stack.empty()) {
    if (in.pos() == stack.back().end) {
      graphs -= stack.back().kind == Message::Graph;
      stack.pop_back();
      continue;
    }
    uint64_t tag;
    if (!in.varint(tag)) return -1;
    const uint64_t end = stack.back().end;
    uint64_t len = 0;
    switch (tag & 7) {
      case 0: if (!in.varint(len)) return -1; break;
      case 1: if (!in.skip(8, end)) return -1; break;
      case 5: if (!in.skip(4, end)) return -1; break;
      case 2: {
        if (!in.varint(len) || len > end - in.pos()) return -1;
        Message child;
        if (child_of(stack.back().kind, tag >> 3, child)) {
          stack.push_back({child, in.pos() + len});
          if (child == Message::Graph) deepest = std::max(deepest, ++graphs);
        } else if (!in.skip(len, end)) {
          return -1;
        }
        break;
      }
      default: return -1;  // groups: ONNX has none
    }
    if (in.pos() > end) return -1;
  }
  return std::max(0, deepest - 1);
}

}  // namespace ssdx
