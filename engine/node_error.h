#pragma once
// Every failure inside a node's kernel, whatever threw it, becomes one ssdx::Error naming the model and the node.
#include <exception>
#include <string>

namespace ssdx {

// Throws Error("<where>: <reason>"): an Error keeps its message, a oneDNN error says so with its status, running out
// of memory says "out of memory", anything else keeps what() (or names its type when that is empty).
[[noreturn]] void fail_in_node(const std::string& where, const std::exception& e);

}  // namespace ssdx
