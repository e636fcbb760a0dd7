// ssdx under a limited address space (`ulimit -v`): whatever runs out first (thread stacks, the model, weights
// packed for oneDNN, the code oneDNN compiles, the arena, the inputs), the answer is one "out of memory" line and
// exit code 1, never a signal. oneDNN used to die of a segmentation fault when its kernel compiler got no memory.
#include <gtest/gtest.h>

#include "graph/onnx_builder.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/ssd480_models.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SSDX_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SSDX_TEST_ASAN)
constexpr bool kUnderAddressSanitizer = true;
#else
constexpr bool kUnderAddressSanitizer = false;
#endif

namespace ssdx::test {
namespace {

// Small weights, large activations: convolutions of several shapes (each its own oneDNN kernel), a pooling, a sum.
std::string save_wide_model(const std::string& dir) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 8, 384, 384});
  Attributes same;
  same.set_ints("pads", {1, 1, 1, 1});
  std::string prev = "x";
  int64_t channels = 8;
  for (int i = 0; i < 4; ++i) {
    const int64_t out = 8 << i;
    const std::string w = "w" + std::to_string(i), y = "c" + std::to_string(i);
    b.add_initializer(w, random_tensor({out, channels, 3, 3}, static_cast<uint32_t>(i)));
    b.add_node("Conv", {prev, w}, {y}, same);
    b.add_node("Relu", {y}, {y + "r"});
    prev = y + "r";
    channels = out;
  }
  Attributes pool;
  pool.set_ints("kernel_shape", {2, 2});
  pool.set_ints("strides", {2, 2});
  b.add_node("MaxPool", {prev}, {"p"}, pool);
  b.add_node("Add", {"p", "p"}, {"y"});
  b.add_output("y", DataType::Float, {1, 64, 192, 192});
  const std::string path = dir + "/wide.onnx";
  b.save(path);
  return path;
}

CommandResult under_limit(const std::string& args, uint64_t kib) {
  return run_command(args, "ulimit -v " + std::to_string(kib) + ";");
}

// The smallest limit (KiB, to `step`) at which `args` exits 0, searched between `lo` (fails) and `hi` (works).
uint64_t smallest_working_limit(const std::string& args, uint64_t lo, uint64_t hi, uint64_t step) {
  while (hi - lo > step) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (under_limit(args, mid).exit_code == 0 ? hi : lo) = mid;
  }
  return hi;
}

// Runs `args` under `limits` limits evenly spread from where ssdx starts to just below where `args` works: each must
// succeed or fail with one "out of memory" line, and all but two fail.
void expect_clean_failures_below_the_need(const std::string& args, int limits) {
  ASSERT_EQ(run_command(args).exit_code, 0) << run_command(args).err;
  const uint64_t starts = smallest_working_limit("--help", 1 << 10, 4 << 20, 4 << 10);
  const uint64_t fits = smallest_working_limit(args, starts, 4 << 20, 4 << 10);
  ASSERT_GT(fits, starts + (64 << 10)) << "the model needs less than 64 MiB beyond start-up: nothing to sweep";
  int failures = 0;
  for (int k = 0; k < limits; ++k) {
    const uint64_t kib = starts + (fits - starts) * static_cast<uint64_t>(k) / static_cast<uint64_t>(limits);
    const CommandResult r = under_limit(args, kib);
    SCOPED_TRACE("ulimit -v " + std::to_string(kib) + ": " + r.err);
    EXPECT_LT(r.exit_code, 128) << "killed by a signal";
    if (r.exit_code == 0) continue;
    ++failures;
    expect_one_line_error(r, "out of memory");
  }
  EXPECT_GE(failures, limits - 2);
}

// From start-up on: libgomp's thread creation used to end the process with its own two-line message.
#define SKIP_UNDER_ADDRESS_SANITIZER() \
  if (kUnderAddressSanitizer) GTEST_SKIP() << "AddressSanitizer maps terabytes of shadow memory: no ulimit -v fits"

TEST(OutOfMemory, SmallModelFailsWithOneLineUnderEveryLimitBelowItsNeed) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  expect_clean_failures_below_the_need("run " + save_wide_model(temp_dir()) + " --random-inputs --threads 2", 8);
}

// The SSD: reading and parsing 80 MB, then 50-odd convolution kernels compiled while memory runs out (oneDNN crashed
// in dnnl_primitive_create).
TEST(OutOfMemory, SsdFailsWithOneLineWhileItLoads) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  expect_clean_failures_below_the_need("run " + ssd480_fp32() + " --random-inputs --threads 2", 12);
}

}  // namespace
}  // namespace ssdx::test
