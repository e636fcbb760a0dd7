#pragma once
// onnxruntime as a test oracle, run out of process: tests/ort_reference/run_ort.js under node (npm's
// onnxruntime-node). Test-only: nothing in the engine or the `ssdx` binary links, loads or calls onnxruntime.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "tests/temp_model_file.h"

namespace ssdx::test {

// Whether run_ort() can work. The first call per process checks node + onnxruntime-node and, when the module is
// missing, runs tests/ort_reference/install_ort.sh once. On false, `why` says what is missing.
bool ort_available(std::string* why = nullptr);

// SSDX_REQUIRE_ORT=1 (set in CI): a missing onnxruntime fails the tests that need it instead of skipping them.
bool ort_required();

// Runs the model in onnxruntime (CPU, `threads` intra-op threads) and returns every output by name.
// Throws Error with onnxruntime's one-line message on failure.
TensorMap run_ort(const std::string& model_path, const TensorMap& feeds, int threads = 2);

// Runs the built model in ssdx and onnxruntime on `feeds` and expects the same outputs (names, dtypes, shapes,
// values within atol + rtol * |onnxruntime's|; 0, 0: bit for bit). `name` names the temp file and the trace.
void expect_same_as_ort(const ModelBuilder& b, const std::string& name, const TensorMap& feeds, double atol = 0,
                        double rtol = 0);

}  // namespace ssdx::test

// First statement of a test that needs onnxruntime: skips it (or fails it under SSDX_REQUIRE_ORT=1) when unavailable.
#define SSDX_NEED_ORT()                                                                                \
  do {                                                                                                 \
    std::string ssdx_ort_why_;                                                                         \
    if (!::ssdx::test::ort_available(&ssdx_ort_why_)) {                                                \
      if (::ssdx::test::ort_required()) FAIL() << "SSDX_REQUIRE_ORT=1 but onnxruntime is unavailable: " \
                                               << ssdx_ort_why_;                                       \
      GTEST_SKIP() << "onnxruntime unavailable: " << ssdx_ort_why_;                                    \
    }                                                                                                  \
  } while (0)
