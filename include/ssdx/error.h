#pragma once
// ssdx public API: the one exception type. Every failure of the API (a model that cannot be read or run, a wrong
// input name, dtype, shape or buffer size, an image that cannot be decoded, out of memory) is an ssdx::api::Error
// whose what() is a single line naming what went wrong and where.
#include <stdexcept>
#include <string>

namespace ssdx::api {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ssdx::api
