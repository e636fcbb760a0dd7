#pragma once
// Helpers of the data-movement op tests: attribute builders and the one-line error check for hostile inputs.
#include <functional>
#include <string>

#include "tests/test_util.h"

namespace ssdx::test {

inline Attributes attr_int(const std::string& name, int64_t v) { return Attributes::integer(name, v); }
inline Attributes attr_ints(const std::string& name, std::vector<int64_t> v) { return Attributes::ints(name, std::move(v)); }
inline Attributes attr_string(const std::string& name, const std::string& v) {
  Attributes a;
  a.set_string(name, v);
  return a;
}

// Runs the op and expects an Error whose message is one line containing every fragment.
inline ::testing::AssertionResult fails_with(const std::function<void()>& f, const std::vector<std::string>& fragments) {
  try {
    f();
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find('\n') != std::string::npos) return ::testing::AssertionFailure() << "not one line: " << msg;
    for (const std::string& frag : fragments)
      if (msg.find(frag) == std::string::npos)
        return ::testing::AssertionFailure() << "message lacks \"" << frag << "\": " << msg;
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no error";
}

}  // namespace ssdx::test
