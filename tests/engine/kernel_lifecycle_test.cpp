// The kernel lifecycle (ops/op.h): create once, prepare an immutable plan per input shape, run without changing the
// kernel. Concurrent runs of a dynamic-shape convolution and pooling, each bringing shapes no run has seen, agree with
// the reference kernels; a kernel run without its plan fails with a clear error; profiles name the plan that ran.
#include <thread>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "ops/conv.h"
#include "tests/dynamic_models.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// Conv (3x3, pads 1) then MaxPool (3x3, stride 2) on an input whose height and width are known at run time only.
std::string dynamic_conv_pool_model() {
  ModelBuilder b(12);
  add_dynamic_conv_pool(b, 8, 16, 3, 51);
  return b.serialize();
}

TEST(KernelLifecycle, ConcurrentRunsOfNewShapesMatchTheReferenceKernels) {
  const std::string model = dynamic_conv_pool_model();
  Session fast(load_onnx_bytes(model, "fast.onnx", ""), SessionOptions{});
  SessionOptions reference;
  reference.reference_kernels = true;
  Session ref(load_onnx_bytes(model, "ref.onnx", ""), reference);
  // Two threads, each with its own shapes (more than a step keeps plans for, so plans are also dropped while the
  // other thread may hold them), every run a shape the other thread is not running.
  constexpr int kThreads = 2, kShapes = 10, kRounds = 3;
  std::vector<std::vector<TensorMap>> feeds(kThreads), want(kThreads);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kShapes; ++i) {
      const int64_t h = 5 + 2 * i + t, w = 7 + 3 * i + t;
      feeds[t].push_back({{"x", random_tensor({1, 8, h, w}, static_cast<uint32_t>(100 * t + i))}});
      want[t].push_back(ref.run(feeds[t].back()));
    }
  std::vector<std::string> errors(kThreads);
  std::vector<std::vector<TensorMap>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int r = 0; r < kRounds; ++r)
          for (int i = 0; i < kShapes; ++i) got[t].push_back(fast.run(feeds[t][static_cast<size_t>((i + r) % kShapes)]));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(errors[t], "") << "thread " << t;
    ASSERT_EQ(got[t].size(), static_cast<size_t>(kRounds * kShapes));
    for (int k = 0; k < kRounds * kShapes; ++k) {
      const int i = (k % kShapes + k / kShapes) % kShapes;
      EXPECT_TRUE(tensors_close(want[t][i].at("y"), got[t][k].at("y"), 1e-5, 1e-4)) << "thread " << t << ", run " << k;
    }
  }
}

TEST(KernelLifecycle, ProfilesNameThePlanThatRan) {
  Session s(load_onnx_bytes(dynamic_conv_pool_model(), "m.onnx", ""), SessionOptions{});
  // Before any run the shapes are unknown: the kernels can only say what they will use.
  EXPECT_EQ(s.kernel_names()[0], "onednn:plain");
  RunProfile profile;
  s.run({{"x", random_tensor({1, 8, 11, 9}, 3)}}, &profile);
  ASSERT_EQ(profile.nodes.size(), 2u);
  for (const NodeProfile& n : profile.nodes) {
    EXPECT_EQ(n.impl.rfind("onednn:", 0), 0u) << n.op_type << ": " << n.impl;
    EXPECT_NE(n.impl, "onednn:plain") << n.op_type << ": the prepared primitive's own name";
  }
}

TEST(KernelLifecycle, StaticStepsArePreparedAtLoad) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {1, 4, 10, 10});
  b.add_input("w", DataType::Float, {8, 4, 3, 3});  // not a constant: the plain oneDNN kernel, prepared at load
  b.add_node("Conv", {"x", "w"}, {"y"});
  b.add_output("y", DataType::Float, {1, 8, 8, 8});
  Session s(load_onnx_bytes(b.serialize(), "m.onnx", ""), SessionOptions{});
  ASSERT_EQ(s.kernel_names().size(), 1u);
  EXPECT_EQ(s.kernel_names()[0].rfind("onednn:", 0), 0u) << s.kernel_names()[0];
  EXPECT_NE(s.kernel_names()[0], "onednn:plain");
}

TEST(KernelLifecycle, APlanIsNeededAndServesManyRuns) {
  // A Conv whose input shape is unknown at creation gets the plain oneDNN kernel, which needs a plan per shape.
  const Tensor x = random_tensor({1, 3, 9, 7}, 61), w = random_tensor({5, 3, 3, 3}, 62), bias = random_tensor({5}, 63);
  const Node node = make_test_node("Conv", "", {}, 3, 1);
  std::vector<ValueInfo> at_load = {value_info(DataType::Float, {1, 3, kUnknownDim, kUnknownDim}),
                                    value_info(DataType::Float, w.shape()), value_info(DataType::Float, bias.shape())};
  at_load[1].constant = &w;
  at_load[2].constant = &bias;
  OpContext ctx(node, 11, at_load, 1);
  const OpDef* def = find_op("Conv", 11, "");
  def->infer(ctx);
  const std::unique_ptr<const Kernel> kernel = def->create(ctx);
  EXPECT_EQ(kernel->prepare(at_load), nullptr) << "no plan for shapes not yet known";

  ConvParams p = read_conv_geometry({}, w.shape());
  Tensor want(DataType::Float, conv_output_shape(p, x.shape(), w.shape(), nullptr));
  conv_ref(p, x, w, &bias, want);
  KernelContext kc;
  kc.inputs = {&x, &w, &bias};
  kc.outputs.emplace_back(DataType::Float, want.shape());
  try {
    kernel->run(kc);
    ADD_FAILURE() << "ran without a plan";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not prepared"), std::string::npos) << e.what();
  }
  const std::shared_ptr<const KernelPlan> plan = kernel->prepare(describe_input_shapes(kc.inputs));
  ASSERT_NE(plan, nullptr);
  std::vector<char> workspace(plan->workspace_bytes + 64);
  kc.prepared = plan.get();
  kc.workspace = workspace.data() + (64 - reinterpret_cast<uintptr_t>(workspace.data()) % 64) % 64;
  for (int run = 0; run < 2; ++run) {  // the same immutable plan, twice
    kernel->run(kc);
    EXPECT_TRUE(tensors_close(want, kc.outputs[0], 1e-5, 1e-5)) << "run " << run << " with " << plan->impl;
  }
}

}  // namespace
}  // namespace ssdx::test
