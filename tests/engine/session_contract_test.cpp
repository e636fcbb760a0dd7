// What a Session promises its callers beyond the numbers: runs from any thread use the configured thread count and
// leave the caller's own setting alone; concurrent runs of a dynamic-shape model with different shapes each get their
// own primitive; results never alias the session's constants or the caller's inputs; vectorized kernels say what they
// are; a failure inside any kernel, whatever threw it, names the node.
#include <omp.h>

#include <new>
#include <thread>

#include <oneapi/dnnl/dnnl.hpp>

#include "engine/node_error.h"
#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "ops/cpu_isa.h"
#include "tests/concurrency.h"
#include "tests/dynamic_models.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::unique_ptr<Session> session_of(const ModelBuilder& b, const SessionOptions& opts = {}) {
  return std::make_unique<Session>(load_onnx_bytes(b.serialize(), "test.onnx", ""), opts);
}

// A Conv and a MaxPool on an input whose height and width are known only at run time.
void build_dynamic_conv_pool(ModelBuilder& b) { add_dynamic_conv_pool(b, 4, 8, 2, 11); }

TEST(SessionContract, ConcurrentRunsWithDifferentShapesMatchSerialRuns) {
  ModelBuilder b(12);
  build_dynamic_conv_pool(b);
  auto s = session_of(b);
  std::vector<TensorMap> feeds, serial;
  for (int64_t side : {6, 10, 14, 18, 22, 26})
    feeds.push_back({{"x", random_tensor({1, 4, side, side + 2}, static_cast<uint32_t>(side))}});
  for (const TensorMap& f : feeds) serial.push_back(s->run(f));
  // Every run of a thread brings a new shape, so the kernels rebuild their primitives while other runs use theirs.
  expect_concurrent_runs_match(*s, feeds, serial, 4, 6);
  EXPECT_EQ(s->kernel_names()[0].rfind("onednn:", 0), 0u) << s->kernel_names()[0];
}

TEST(SessionContract, RunsFromAnyThreadUseTheConfiguredThreadCount) {
  ModelBuilder b(12);
  build_dynamic_conv_pool(b);
  SessionOptions opts;
  opts.threads = 1;
  auto s = session_of(b, opts);
  const TensorMap feed = {{"x", random_tensor({1, 4, 8, 8}, 1)}};
  int threads_in_run = -1, caller_before = -1, caller_after = -1;
  std::thread other([&] {
    omp_set_num_threads(3);  // the calling thread's own setting, which the run must not take nor change
    caller_before = omp_get_max_threads();
    RunProfile profile;
    s->run(feed, &profile);
    threads_in_run = profile.threads;
    caller_after = omp_get_max_threads();
  });
  other.join();
  EXPECT_EQ(threads_in_run, 1);
  EXPECT_EQ(caller_before, 3);
  EXPECT_EQ(caller_after, 3);
}

TEST(SessionContract, OutputsNeverAliasConstantsOrInputs) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {3});
  b.add_initializer("k", make_tensor<float>({3}, {1, 2, 3}));
  b.add_node("Relu", {"x"}, {"r"});
  b.add_output("x", DataType::Float, {3});  // an input passed through
  b.add_output("k", DataType::Float, {3});  // a constant of the session
  b.add_output("r", DataType::Float, {3});
  auto s = session_of(b);
  const Tensor x = make_tensor<float>({3}, {-1, 0, 5});
  TensorMap first = s->run({{"x", x}});
  first.at("x").data<float>()[0] = 100.f;
  first.at("k").data<float>()[0] = 100.f;
  EXPECT_EQ(x.data<float>()[0], -1.f);  // the caller's feed is untouched
  const TensorMap second = s->run({{"x", x}});
  EXPECT_EQ(second.at("k").data<float>()[0], 1.f);  // and so is the session's constant
  EXPECT_EQ(second.at("x").data<float>()[0], -1.f);
  EXPECT_EQ(second.at("r").data<float>()[2], 5.f);
}

TEST(SessionContract, VectorizedKernelsSayWhatTheyAre) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 40, 7});
  Attributes axis;
  axis.set_int("axis", 2);
  b.add_node("Softmax", {"x"}, {"p"}, axis);
  Attributes perm;
  perm.set_ints("perm", {0, 2, 1});
  b.add_node("Transpose", {"p"}, {"scores"}, perm);
  b.add_input("boxes", DataType::Float, {1, 40, 4});
  b.add_initializer("max_out", make_tensor<int64_t>({1}, {5}));
  b.add_node("NonMaxSuppression", {"boxes", "scores", "max_out"}, {"selected"});
  b.add_output("selected", DataType::Int64, {-1, 3});
  auto s = session_of(b);
  const std::string isa = isa_name(host_isa());
  ASSERT_EQ(s->kernel_names().size(), 3u);
  EXPECT_EQ(s->kernel_names()[0], "softmax:" + isa);  // Softmax
  EXPECT_EQ(s->kernel_names()[1], "tiled");        // Transpose
  EXPECT_EQ(s->kernel_names()[2], "nms:" + isa);  // NonMaxSuppression
}

// Runs fail_in_node on `e` and returns the Error's message.
std::string node_error_message(const std::exception& e) {
  try {
    fail_in_node("model.onnx: node 'conv7' (Conv)", e);
  } catch (const Error& err) {
    return err.what();
  }
  return "(no Error thrown)";
}

TEST(SessionContract, EveryKernelFailureNamesTheNode) {
  EXPECT_EQ(node_error_message(Error("bad pads")), "model.onnx: node 'conv7' (Conv): bad pads");
  EXPECT_EQ(node_error_message(std::bad_alloc()), "model.onnx: node 'conv7' (Conv): out of memory");
  const std::string dnnl_msg = node_error_message(dnnl::error(dnnl_unimplemented, "could not create a primitive"));
  EXPECT_EQ(dnnl_msg, "model.onnx: node 'conv7' (Conv): oneDNN failed (status " +
                          std::to_string(static_cast<int>(dnnl_unimplemented)) + "): could not create a primitive");
  EXPECT_EQ(node_error_message(std::runtime_error("")), "model.onnx: node 'conv7' (Conv): unexpected C++ exception");
}

}  // namespace
}  // namespace ssdx::test
