#pragma once
// The thin layer between the public API (include/ssdx/) and the engine: type translations and error translation.
// Only api/ includes both sides; engine changes stop here.
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "engine/session.h"
#include "ssdx/session.h"

namespace ssdx::api::bridge {

DataType to_internal(DType dtype);
DType to_public(DataType dtype);
TensorInfo to_public(const ssdx::TensorInfo& info);
SessionOptions to_internal(const Options& options);
Profile to_public(const RunProfile& profile);

// Borrows the public tensor's bytes (never copied): the engine reads the caller's memory in place.
ssdx::Tensor borrow_internal(const Tensor& tensor);
// Takes over an engine result without copying (made plain first if a kernel left it in a blocked layout).
Tensor adopt_public(const ssdx::Tensor& tensor);

// Runs `body`, turning every failure into one api::Error with a one-line message.
[[noreturn]] void rethrow_as_api_error();
template <typename F>
decltype(auto) guarded(F&& body) {
  try {
    return body();
  } catch (...) {
    rethrow_as_api_error();
  }
}

}  // namespace ssdx::api::bridge
