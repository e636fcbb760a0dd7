#pragma once
// One exception type for every user-facing failure: a one-line message naming what and where.
#include <sstream>
#include <stdexcept>
#include <string>

namespace ssdx {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append(os, rest...);
}
}  // namespace detail

// fail("node '", name, "': bad axis ", axis) throws Error with the pieces concatenated.
template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  throw Error(os.str());
}

#define SSDX_CHECK(cond, ...)            \
  do {                                   \
    if (!(cond)) ::ssdx::fail(__VA_ARGS__); \
  } while (0)

}  // namespace ssdx
