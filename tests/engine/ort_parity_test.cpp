// Whole-graph parity with onnxruntime on hand-built multi-op models shaped like the SSD model's pieces: a conv
// backbone with a dynamic reshape view, and the in-graph SSD post-processing (decode -> NMS -> TopK chain).
// onnxruntime runs out of process (tests/ort_oracle.h); without it these tests skip, or fail under SSDX_REQUIRE_ORT=1.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();  // Slice "to the end"


// Runs the model in our Session and in onnxruntime; checks both give the same output names, dtypes and shapes,
// integers exactly and floats within `atol`. Returns onnxruntime's outputs.
TensorMap expect_parity(const ModelBuilder& b, const std::string& name, const TensorMap& feeds, double atol) {
  TempModelFile file(b, "ort_parity_" + name);
  TensorMap ours = Session::load(file.path)->run(feeds);
  TensorMap ref = run_ort(file.path, feeds);
  EXPECT_EQ(ours.size(), ref.size());
  double worst = 0;
  for (auto& [out_name, expected] : ref) {
    SCOPED_TRACE(name + " output " + out_name);
    auto it = ours.find(out_name);
    if (it == ours.end()) {
      ADD_FAILURE() << "missing output";
      continue;
    }
    EXPECT_TRUE(tensors_close(expected, it->second, atol, 0));
    if (expected.dtype() == DataType::Float && expected.shape() == it->second.shape())
      worst = std::max(worst, max_abs_diff(expected, it->second));
  }
  std::printf("[ parity ] %s: largest abs diff %.3g\n", name.c_str(), worst);
  return ref;
}

// (a) Conv(bias, pads, stride 2) -> BatchNormalization -> Relu -> MaxPool(3x3 s2 p1) -> Conv(group 2) -> Add (residual)
// -> Add (per-channel broadcast) -> Relu -> Reshape to [n, 8, -1] built at run time from Shape -> Gather ->
// Unsqueeze -> Concat (batch is symbolic) -> Transpose -> Softmax twice: axis -1 and axis 1 (opset < 13 coerces the
// input to 2-D, so axis 1 normalizes over all 64*8 trailing values jointly).
void build_conv_net(ModelBuilder& b) {
  b.add_input("x", DataType::Float, {-1, 3, 32, 32}, {"batch"});
  b.add_initializer("w1", random_tensor({8, 3, 3, 3}, 11, -0.5f, 0.5f));
  b.add_initializer("b1", random_tensor({8}, 12));
  b.add_initializer("bn_scale", random_tensor({8}, 13, 0.5f, 1.5f));
  b.add_initializer("bn_bias", random_tensor({8}, 14));
  b.add_initializer("bn_mean", random_tensor({8}, 15, -0.2f, 0.2f));
  b.add_initializer("bn_var", random_tensor({8}, 16, 0.5f, 1.5f));
  b.add_initializer("w2", random_tensor({8, 4, 3, 3}, 17, -0.3f, 0.3f));
  b.add_initializer("b2", random_tensor({8}, 18));
  b.add_initializer("chan_bias", random_tensor({8, 1, 1}, 19));
  b.add_initializer("zero", make_tensor<int64_t>({}, {0}));
  b.add_initializer("eight", make_tensor<int64_t>({1}, {8}));
  b.add_initializer("minus_one", make_tensor<int64_t>({1}, {-1}));

  Attributes conv1 = Attributes::ints("pads", {1, 1, 1, 1});
  conv1.set_ints("strides", {2, 2});
  conv1.set_ints("kernel_shape", {3, 3});
  b.add_node("Conv", {"x", "w1", "b1"}, {"c1"}, conv1);
  Attributes bn;
  bn.set_float("epsilon", 1e-3f);
  b.add_node("BatchNormalization", {"c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"}, {"bn"}, bn);
  b.add_node("Relu", {"bn"}, {"r1"});
  Attributes pool = Attributes::ints("kernel_shape", {3, 3});
  pool.set_ints("strides", {2, 2});
  pool.set_ints("pads", {1, 1, 1, 1});
  b.add_node("MaxPool", {"r1"}, {"p1"}, pool);
  Attributes conv2 = Attributes::ints("pads", {1, 1, 1, 1});
  conv2.set_int("group", 2);
  b.add_node("Conv", {"p1", "w2", "b2"}, {"c2"}, conv2);
  b.add_node("Add", {"c2", "p1"}, {"res"});
  b.add_node("Add", {"res", "chan_bias"}, {"biased"});
  b.add_node("Relu", {"biased"}, {"r2"});

  b.add_node("Shape", {"r2"}, {"shape"});
  b.add_node("Gather", {"shape", "zero"}, {"n"}, Attributes::integer("axis", 0));
  b.add_node("Unsqueeze", {"n"}, {"n1"}, Attributes::ints("axes", {0}));
  b.add_node("Concat", {"n1", "eight", "minus_one"}, {"target"}, Attributes::integer("axis", 0));
  b.add_node("Reshape", {"r2", "target"}, {"view"});
  b.add_node("Transpose", {"view"}, {"tr"}, Attributes::ints("perm", {0, 2, 1}));
  b.add_node("Softmax", {"tr"}, {"probs"}, Attributes::integer("axis", -1));
  b.add_node("Softmax", {"tr"}, {"probs_joint"}, Attributes::integer("axis", 1));
  b.add_output("tr", DataType::Float, {-1, 64, 8}, {"batch"});
  b.add_output("probs", DataType::Float, {-1, 64, 8}, {"batch"});
  b.add_output("probs_joint", DataType::Float, {-1, 64, 8}, {"batch"});
}

// (b) The SSD post-processing chain of docs/ssd12_model.md §4 at small size: N prior boxes, C classes
// (0 = background). loc [1,N,4] (encoded xywh offsets) and logits [1,C,N] are inputs; priors are initializers.
constexpr int64_t kBoxes = 64, kClasses = 5;

void build_ssd_post(ModelBuilder& b, int64_t opset, int64_t max_per_class, int64_t top_k) {
  b.add_input("loc", DataType::Float, {1, kBoxes, 4});
  b.add_input("logits", DataType::Float, {1, kClasses, kBoxes});

  // Priors on an 8x8 grid with random sizes large enough to overlap their neighbours, so NMS suppresses boxes.
  Tensor prior_xy(DataType::Float, {1, kBoxes, 2});
  for (int64_t i = 0; i < kBoxes; ++i) {
    prior_xy.data<float>()[2 * i] = (static_cast<float>(i % 8) + 0.5f) / 8;
    prior_xy.data<float>()[2 * i + 1] = (static_cast<float>(i / 8) + 0.5f) / 8;
  }
  b.add_initializer("prior_xy", prior_xy);
  b.add_initializer("prior_wh", random_tensor({1, kBoxes, 2}, 21, 0.1f, 0.35f));
  auto scalar = [&](const std::string& name, float v) { b.add_initializer(name, make_tensor<float>({}, {v})); };
  scalar("scale_xy", 0.1f);
  scalar("scale_wh", 0.2f);
  scalar("half", 0.5f);
  auto ints = [&](const std::string& name, std::vector<int64_t> v) {
    Shape shape{static_cast<int64_t>(v.size())};
    b.add_initializer(name, make_tensor<int64_t>(shape, v));
  };
  ints("zero", {0});
  ints("one", {1});
  ints("two", {2});
  ints("four", {4});
  ints("end", {kEnd});
  ints("minus_one", {-1});
  ints("top_k_cap", {top_k});
  b.add_initializer("i1", make_tensor<int64_t>({}, {1}));
  b.add_initializer("i2", make_tensor<int64_t>({}, {2}));
  b.add_initializer("label_offset", make_tensor<int64_t>({}, {1}));
  auto slice = [&](const std::string& in, const std::string& starts, const std::string& ends, const std::string& axes,
                   const std::string& out) { b.add_node("Slice", {in, starts, ends, axes}, {out}); };

  // Decode: xy = loc_xy * 0.1 * prior_wh + prior_xy; wh = exp(loc_wh * 0.2) * prior_wh.
  slice("loc", "zero", "two", "two", "loc_xy");
  b.add_node("Mul", {"loc_xy", "scale_xy"}, {"xy0"});
  b.add_node("Mul", {"xy0", "prior_wh"}, {"xy1"});
  b.add_node("Add", {"xy1", "prior_xy"}, {"xy"});
  slice("loc", "two", "four", "two", "loc_wh");
  b.add_node("Mul", {"loc_wh", "scale_wh"}, {"wh0"});
  b.add_node("Exp", {"wh0"}, {"wh1"});
  b.add_node("Mul", {"wh1", "prior_wh"}, {"wh"});
  // Corners: l = x - w/2, t = y - h/2, r = x + w/2, b = y + h/2, each sliced and squeezed to [1,N] as in the SSD graph.
  const char* corner[4] = {"l", "t", "r", "b"};
  for (int k = 0; k < 4; ++k) {
    const std::string c = corner[k], lo = k % 2 ? "one" : "zero", hi = k % 2 ? "two" : "one";
    slice("xy", lo, hi, "two", c + "_c3");
    b.add_node("Squeeze", {c + "_c3"}, {c + "_c"}, Attributes::ints("axes", {2}));
    slice("wh", lo, hi, "two", c + "_s3");
    b.add_node("Squeeze", {c + "_s3"}, {c + "_s"}, Attributes::ints("axes", {2}));
    b.add_node("Mul", {c + "_s", "half"}, {c + "_hs"});
    b.add_node(k < 2 ? "Sub" : "Add", {c + "_c", c + "_hs"}, {c});
    b.add_node("Unsqueeze", {c}, {c + "_u"}, Attributes::ints("axes", {2}));
  }
  b.add_node("Concat", {"l_u", "t_u", "r_u", "b_u"}, {"boxes"}, Attributes::integer("axis", 2));

  // Class probabilities without the background class: [1,C-1,N].
  b.add_node("Transpose", {"logits"}, {"logits_t"}, Attributes::ints("perm", {0, 2, 1}));
  b.add_node("Softmax", {"logits_t"}, {"probs_t"}, Attributes::integer("axis", 2));
  b.add_node("Transpose", {"probs_t"}, {"probs_all"}, Attributes::ints("perm", {0, 2, 1}));
  slice("probs_all", "one", "end", "one", "probs");

  // NMS thresholds come from ConstantOfShape nodes, as in the SSD model.
  auto constant_of_shape = [&](const std::string& out, Tensor value) {
    Attributes a;
    a.set_tensor("value", std::move(value));
    b.add_node("ConstantOfShape", {"one"}, {out}, a);
  };
  constant_of_shape("max_out", make_tensor<int64_t>({1}, {max_per_class}));
  constant_of_shape("iou_thr", make_tensor<float>({1}, {0.5f}));
  constant_of_shape("score_thr", make_tensor<float>({1}, {0.05f}));
  b.add_node("NonMaxSuppression", {"boxes", "probs", "max_out", "iou_thr", "score_thr"}, {"sel"});

  // labels = sel[:,1], box_idx = sel[:,2]; scores = probs.reshape(-1)[labels * N + box_idx].
  slice("sel", "zero", "end", "zero", "sel_a");
  b.add_node("Gather", {"sel_a", "i1"}, {"labels"}, Attributes::integer("axis", 1));
  slice("sel", "zero", "end", "zero", "sel_b");
  b.add_node("Gather", {"sel_b", "i2"}, {"box_idx"}, Attributes::integer("axis", 1));
  b.add_node("Reshape", {"probs", "minus_one"}, {"probs_flat"});
  b.add_node("Shape", {"probs"}, {"probs_shape"});
  b.add_node("Gather", {"probs_shape", "i2"}, {"num_boxes"}, Attributes::integer("axis", 0));
  b.add_node("Mul", {"labels", "num_boxes"}, {"label_base"});
  b.add_node("Add", {"label_base", "box_idx"}, {"flat_idx"});
  b.add_node("Cast", {"flat_idx"}, {"flat_idx64"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int64)));
  b.add_node("Gather", {"probs_flat", "flat_idx64"}, {"sel_scores"}, Attributes::integer("axis", 0));

  // k = min(top_k, number selected), via int32 because the exporter worked around ORT's missing int64 ReduceMin.
  b.add_node("Shape", {"sel_scores"}, {"sel_shape"});
  b.add_initializer("i0", make_tensor<int64_t>({}, {0}));
  b.add_node("Gather", {"sel_shape", "i0"}, {"num_sel"}, Attributes::integer("axis", 0));
  b.add_node("Unsqueeze", {"num_sel"}, {"num_sel1"}, Attributes::ints("axes", {0}));
  b.add_node("Concat", {"top_k_cap", "num_sel1"}, {"k_cands"}, Attributes::integer("axis", 0));
  b.add_node("Cast", {"k_cands"}, {"k_cands32"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int32)));
  b.add_node("ReduceMin", {"k_cands32"}, {"k32"}, Attributes::integer("keepdims", 0));
  b.add_node("Cast", {"k32"}, {"k"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int64)));
  b.add_node("Unsqueeze", {"k"}, {"k1"}, Attributes::ints("axes", {0}));
  Attributes topk = Attributes::integer("axis", 0);
  if (opset >= 11) {  // largest / sorted exist from opset 11; opset 10 TopK always returns the largest, sorted
    topk.set_int("largest", 1);
    topk.set_int("sorted", 1);
  }
  b.add_node("TopK", {"sel_scores", "k1"}, {"top_scores", "order"}, topk);

  // Outputs gathered in score order.
  b.add_node("Squeeze", {"boxes"}, {"boxes_sq"}, Attributes::ints("axes", {0}));
  b.add_node("Gather", {"box_idx", "order"}, {"top_box_idx"}, Attributes::integer("axis", 0));
  slice("boxes_sq", "zero", "end", "one", "boxes_all");
  b.add_node("Cast", {"top_box_idx"}, {"top_box_idx64"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int64)));
  b.add_node("Gather", {"boxes_all", "top_box_idx64"}, {"top_boxes"}, Attributes::integer("axis", 0));
  b.add_node("Unsqueeze", {"top_boxes"}, {"bboxes"}, Attributes::ints("axes", {0}));
  b.add_node("Gather", {"labels", "order"}, {"top_labels"}, Attributes::integer("axis", 0));
  b.add_node("Unsqueeze", {"top_labels"}, {"top_labels1"}, Attributes::ints("axes", {0}));
  b.add_node("Add", {"top_labels1", "label_offset"}, {"out_labels"});
  b.add_node("Gather", {"sel_scores", "order"}, {"top_scores2"}, Attributes::integer("axis", 0));
  b.add_node("Unsqueeze", {"top_scores2"}, {"scores"}, Attributes::ints("axes", {0}));
  b.add_output("bboxes", DataType::Float, {1, -1, 4}, {"", "nbox"});
  b.add_output("out_labels", DataType::Int64, {1, -1}, {"", "nbox"});
  b.add_output("scores", DataType::Float, {1, -1}, {"", "nbox"});
  b.add_output("sel", DataType::Int64, {-1, 3}, {"nsel"});
  b.add_output("top_scores", DataType::Float, {-1}, {"nbox"});
}

TEST(OrtParity, ConvNet) {
  SSDX_NEED_ORT();
  ModelBuilder b(12, 7);
  build_conv_net(b);
  for (int64_t batch : {1, 2})
    expect_parity(b, "conv_net_batch" + std::to_string(batch),
                  {{"x", random_tensor({batch, 3, 32, 32}, 100 + static_cast<uint32_t>(batch))}}, 1e-4);
}

struct PostCase {
  int64_t opset, max_per_class, top_k;
  float logit_range;  // wider logits push more class probabilities under the 0.05 score threshold
  bool capped;        // whether NMS selects more than top_k boxes (k = top_k rather than the number selected)
};

TEST(OrtParity, SsdPostProcessing) {
  SSDX_NEED_ORT();
  const PostCase cases[] = {
      {12, 10, 25, 2.f, true},
      {12, 200, 200, 6.f, false},  // as in SSD: the score threshold and IoU do the filtering
      {10, 10, 25, 2.f, true},
      {10, 200, 200, 6.f, false},
  };
  uint32_t seed = 200;
  for (const PostCase& c : cases) {
    ModelBuilder b(c.opset, 7);
    build_ssd_post(b, c.opset, c.max_per_class, c.top_k);
    const std::string name = "ssd_post_opset" + std::to_string(c.opset) + "_k" + std::to_string(c.top_k);
    TensorMap feeds{{"loc", random_tensor({1, kBoxes, 4}, seed++)},
                    {"logits", random_tensor({1, kClasses, kBoxes}, seed++, -c.logit_range, c.logit_range)}};
    TensorMap ref = expect_parity(b, name, feeds, 1e-5);
    // The inputs must exercise what the case is for: the intended NMS limit binds, k takes the intended side of min.
    const int64_t selected = ref.at("sel").dim(0), kept = ref.at("scores").dim(1);
    std::printf("[ parity ] %s: %lld selected, %lld kept\n", name.c_str(), static_cast<long long>(selected),
                static_cast<long long>(kept));
    if (c.capped)
      EXPECT_EQ(selected, (kClasses - 1) * c.max_per_class) << name;  // max_output_boxes_per_class binds
    else
      EXPECT_LT(selected, (kClasses - 1) * kBoxes / 2) << name;       // score threshold + IoU remove most boxes
    EXPECT_EQ(kept, std::min(selected, c.top_k)) << name;
    EXPECT_EQ(c.capped, selected > c.top_k) << name << ": " << selected << " selected";
  }
}

// The oracle itself must report onnxruntime's errors instead of returning garbage.
TEST(OrtParity, OracleReportsOrtErrors) {
  SSDX_NEED_ORT();
  ModelBuilder b(12, 7);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {2});
  TempModelFile file(b, "oracle_errors");
  EXPECT_THROW(run_ort(file.path, {{"x", make_tensor<float>({3}, {1, 2, 3})}}), Error);  // wrong shape
  TensorMap out = run_ort(file.path, {{"x", make_tensor<float>({2}, {-1, 2})}});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {0, 2}), out.at("y"), 0, 0));
}

}  // namespace
}  // namespace ssdx::test
