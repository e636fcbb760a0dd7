#pragma once
// Real photos for the tests: scikit-image's sample images, found or fetched by scripts/fetch_photos.sh.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/shell.h"

namespace ssdx::test {

// The folder holding astronaut.png, camera.png, truncated.jpg, ...; "" when they cannot be had (then `why` says
// why). The script runs once per process.
inline std::string photo_dir(std::string* why = nullptr) {
  static std::string dir, reason;
  static const bool fetched = [] {
    std::string out;
    const int rc = run_shell("bash " + shell_quote(std::string(SSDX_SOURCE_DIR) + "/scripts/fetch_photos.sh"), &out);
    (rc == 0 ? dir : reason) = last_line(out);
    return true;
  }();
  (void)fetched;
  if (why) *why = reason;
  return dir;
}

// SSDX_REQUIRE_PHOTOS=1: missing photos fail the tests that need them instead of skipping them.
inline bool photos_required() {
  const char* v = std::getenv("SSDX_REQUIRE_PHOTOS");
  return v && std::string(v) == "1";
}

}  // namespace ssdx::test

// First statement of a test that needs the photos: sets `dir_var` to their folder, or skips the test (fails it
// under SSDX_REQUIRE_PHOTOS=1).
#define SSDX_NEED_PHOTOS(dir_var)                                                                         \
  std::string dir_var;                                                                                    \
  do {                                                                                                    \
    std::string ssdx_photos_why_;                                                                         \
    dir_var = ::ssdx::test::photo_dir(&ssdx_photos_why_);                                                 \
    if (dir_var.empty()) {                                                                                \
      if (::ssdx::test::photos_required()) FAIL() << "SSDX_REQUIRE_PHOTOS=1 but no photos: " << ssdx_photos_why_; \
      GTEST_SKIP() << "no photos: " << ssdx_photos_why_;                                                 \
    }                                                                                                     \
  } while (0)
