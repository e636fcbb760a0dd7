#include "engine/node_error.h"

#include <new>

#include <oneapi/dnnl/dnnl.hpp>

#include "graph/error.h"

namespace ssdx {

void fail_in_node(const std::string& where, const std::exception& e) {
  if (dynamic_cast<const Error*>(&e)) fail(where, ": ", e.what());
  if (dynamic_cast<const std::bad_alloc*>(&e)) fail(where, ": out of memory");
  if (const auto* d = dynamic_cast<const dnnl::error*>(&e))
    fail(where, ": oneDNN failed (status ", static_cast<int>(d->status), "): ", d->what());
  const std::string what = e.what();
  fail(where, ": ", what.empty() ? "unexpected C++ exception" : what);
}

}  // namespace ssdx
