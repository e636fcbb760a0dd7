// The SSD family's post-processing chains, built the way their exporters write them, against onnxruntime: every op
// family of the engine-breadth work meets in one graph, with shapes that become known only as the run goes.
//  - gluon-cv (mx2onnx): softmax scores -> Greater/Where threshold -> a [1, N*C, 6] row per (anchor, class) from
//    Tile/Expand/Concat -> one class-agnostic NonMaxSuppression -> GatherND of the kept rows -> Pad with -1 rows ->
//    the first 100 -> re-sort by TopK(largest 0) over Range-made keys -> Gather -> Split into ids/scores/bboxes.
//  - torchvision: per class Greater -> NonZero -> GatherND -> TopK with k = min(count, 100) computed in the graph
//    (Shape -> ReduceProd -> Min), then boxes clipped with Max/Min.
//  - torchvision's guard: If(ReduceProd(Shape(boxes)) == 0) then empty else NonMaxSuppression.
// Post-processing is exact arithmetic (compares, moves, NMS with onnxruntime's IoU): outputs must match bit for bit.
#include <random>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// Boxes clustered around a few centres (so suppression happens), corners in [0, 1].
Tensor clustered_boxes(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> centre(0.1f, 0.9f), jitter(-0.03f, 0.03f), size(0.05f, 0.3f);
  std::vector<float> centres;
  for (int k = 0; k < 24; ++k) centres.push_back(centre(rng));
  Tensor t(DataType::Float, {1, n, 4});
  float* p = t.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float cx = centres[static_cast<size_t>(i % 12)] + jitter(rng), cy = centres[static_cast<size_t>(12 + i % 12)] + jitter(rng);
    const float w = size(rng), h = size(rng);
    p[4 * i] = cx - w / 2, p[4 * i + 1] = cy - h / 2, p[4 * i + 2] = cx + w / 2, p[4 * i + 3] = cy + h / 2;
  }
  return t;
}

// Softmax-like scores: most near zero, a few per anchor high.
Tensor class_scores(Shape shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> low(0.f, 0.012f), high(0.01f, 1.f);
  std::bernoulli_distribution hot(0.03);
  Tensor t(DataType::Float, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = hot(rng) ? high(rng) : low(rng);
  return t;
}

Attributes axis(int64_t a) { return Attributes::integer("axis", a); }

// gluon-cv's tail on N anchors and C classes (opset 13).
void build_gluon_tail(ModelBuilder& b, int64_t n, int64_t c) {
  b.add_input("scores", DataType::Float, {1, n, c});
  b.add_input("boxes", DataType::Float, {1, n, 4});
  auto i64 = [&](const std::string& name, Shape s, std::vector<int64_t> v) { b.add_initializer(name, make_tensor<int64_t>(s, v)); };
  auto f32 = [&](const std::string& name, Shape s, std::vector<float> v) { b.add_initializer(name, make_tensor<float>(s, v)); };
  f32("thresh", {}, {0.01f});
  f32("minus_one", {}, {-1.f});
  // Per-class threshold: scores at or below 0.01 become -1 (then below NMS's score threshold).
  b.add_node("Greater", {"scores", "thresh"}, {"keep"});
  b.add_node("Where", {"keep", "scores", "minus_one"}, {"kept_scores"});
  // Class ids 0..C-1 as floats from Range, expanded to every anchor.
  f32("zero_f", {}, {0.f});
  f32("c_f", {}, {static_cast<float>(c)});
  f32("one_f", {}, {1.f});
  b.add_node("Range", {"zero_f", "c_f", "one_f"}, {"ids_1d"});
  i64("ids_shape", {3}, {1, n, c});
  b.add_node("Expand", {"ids_1d", "ids_shape"}, {"ids"});
  // Rows [1, N, C, 6] = (id, score, x1, y1, x2, y2), then [1, N*C, 6].
  i64("ax3", {1}, {3});
  b.add_node("Unsqueeze", {"ids", "ax3"}, {"ids4"});
  b.add_node("Unsqueeze", {"kept_scores", "ax3"}, {"scores4"});
  i64("ax2", {1}, {2});
  b.add_node("Unsqueeze", {"boxes", "ax2"}, {"boxes4"});
  i64("tile_c", {4}, {1, 1, c, 1});
  b.add_node("Tile", {"boxes4", "tile_c"}, {"boxes_per_class"});
  b.add_node("Concat", {"ids4", "scores4", "boxes_per_class"}, {"rows4"}, axis(3));
  i64("rows_shape", {3}, {1, -1, 6});
  b.add_node("Reshape", {"rows4", "rows_shape"}, {"rows"});
  // One class-agnostic NMS over all rows.
  i64("s1", {1}, {1});
  i64("s2", {1}, {2});
  i64("s6", {1}, {6});
  b.add_node("Slice", {"rows", "s1", "s2", "ax2"}, {"row_scores"});  // [1, M, 1]
  b.add_node("Transpose", {"row_scores"}, {"nms_scores"}, Attributes::ints("perm", {0, 2, 1}));
  b.add_node("Slice", {"rows", "s2", "s6", "ax2"}, {"nms_boxes"});
  i64("max_out", {1}, {400});
  f32("iou", {1}, {0.45f});
  f32("score_thr", {1}, {0.01f});
  b.add_node("NonMaxSuppression", {"nms_boxes", "nms_scores", "max_out", "iou", "score_thr"}, {"selected"});
  // Kept rows: GatherND of (batch, row) pairs.
  i64("s0", {1}, {0});
  i64("s3", {1}, {3});
  i64("ax1", {1}, {1});
  b.add_node("Slice", {"selected", "s0", "s1", "ax1"}, {"sel_batch"});
  b.add_node("Slice", {"selected", "s2", "s3", "ax1"}, {"sel_row"});
  b.add_node("Concat", {"sel_batch", "sel_row"}, {"sel_index"}, axis(1));
  b.add_node("GatherND", {"rows", "sel_index"}, {"picked"});  // [K, 6]
  // At least 100 rows: pad with -1 rows, keep the first 100.
  i64("pads", {4}, {0, 0, 100, 0});
  b.add_node("Pad", {"picked", "pads", "minus_one"}, {"padded"});
  i64("s100", {1}, {100});
  i64("ax0", {1}, {0});
  b.add_node("Slice", {"padded", "s0", "s100", "ax0"}, {"top"});  // [100, 6]
  // Re-sort: key = -score (the -1 rows go last), TopK(largest 0) over it, Gather.
  b.add_node("Slice", {"top", "s1", "s2", "ax1"}, {"top_scores"});
  i64("flat", {1}, {-1});
  b.add_node("Reshape", {"top_scores", "flat"}, {"top_scores_1d"});
  b.add_node("Mul", {"top_scores_1d", "minus_one"}, {"key"});
  b.add_node("TopK", {"key", "s100"}, {"sorted_key", "order"}, [] {
    Attributes a;
    a.set_int("largest", 0);
    return a;
  }());
  b.add_node("Gather", {"top", "order"}, {"resorted"}, axis(0));
  b.add_node("Unsqueeze", {"resorted", "ax0"}, {"batched"});
  i64("split", {3}, {1, 1, 4});
  b.add_node("Split", {"batched", "split"}, {"ids_out", "scores_out", "bboxes_out"}, axis(-1));
  b.add_output("ids_out", DataType::Float, {1, 100, 1});
  b.add_output("scores_out", DataType::Float, {1, 100, 1});
  b.add_output("bboxes_out", DataType::Float, {1, 100, 4});
}

TEST(FamilyChainsOrt, GluonCvBoxNmsTail) {
  SSDX_NEED_ORT();
  // 8732 anchors x 20 classes = 174,640 rows: gluon-cv's VOC SSD300 call.
  ModelBuilder b(13);
  build_gluon_tail(b, 8732, 20);
  const TensorMap feeds = {{"scores", class_scores({1, 8732, 20}, 1)}, {"boxes", clustered_boxes(8732, 2)}};
  expect_same_as_ort(b, "family_gluon_tail", feeds);
  {  // a real selection: 100 kept rows, best first, class ids in range (not just the -1 padding)
    TempModelFile file(b, "family_gluon_tail_check");
    const TensorMap out = Session::load(file.path)->run(feeds);
    const float* scores = out.at("scores_out").data<float>();
    EXPECT_GT(scores[99], 0.01f);
    for (int i = 1; i < 100; ++i) EXPECT_GE(scores[i - 1], scores[i]) << i;
    for (int i = 0; i < 100; ++i) EXPECT_LT(out.at("ids_out").data<float>()[i], 20.f) << i;
  }
  // Nothing above the threshold: every output row is the -1 padding.
  ModelBuilder quiet(13);
  build_gluon_tail(quiet, 500, 3);
  Tensor low(DataType::Float, {1, 500, 3});
  for (int64_t i = 0; i < low.numel(); ++i) low.data<float>()[i] = 0.005f;
  expect_same_as_ort(quiet, "gluon_tail_empty", {{"scores", low}, {"boxes", clustered_boxes(500, 3)}});
}

// torchvision's per-class pick (3 classes unrolled as the export does) with k = min(count, kTop) from the graph.
void build_torchvision_pick(ModelBuilder& b, int64_t n, int classes) {
  b.add_input("scores", DataType::Float, {n, classes});
  b.add_input("boxes", DataType::Float, {n, 4});
  auto i64 = [&](const std::string& name, Shape s, std::vector<int64_t> v) { b.add_initializer(name, make_tensor<int64_t>(s, v)); };
  b.add_initializer("thresh", make_tensor<float>({}, {0.05f}));
  b.add_initializer("lo", make_tensor<float>({}, {0.f}));
  b.add_initializer("hi", make_tensor<float>({}, {0.75f}));
  i64("ax1", {1}, {1});
  i64("top", {1}, {100});
  i64("zero", {1}, {0});
  std::vector<std::string> boxes, scores;
  for (int k = 0; k < classes; ++k) {
    const std::string s = "c" + std::to_string(k) + "_";
    i64(s + "start", {1}, {k});
    i64(s + "end", {1}, {k + 1});
    b.add_node("Slice", {"scores", s + "start", s + "end", "ax1"}, {s + "col"});
    b.add_node("Squeeze", {s + "col", "ax1"}, {s + "score"});              // [n]
    b.add_node("Greater", {s + "score", "thresh"}, {s + "mask"});
    b.add_node("NonZero", {s + "mask"}, {s + "nz"});                       // [1, m]
    b.add_node("Transpose", {s + "nz"}, {s + "idx"}, Attributes::ints("perm", {1, 0}));  // [m, 1]
    b.add_node("GatherND", {s + "score", s + "idx"}, {s + "picked"});      // [m]
    b.add_node("GatherND", {"boxes", s + "idx"}, {s + "picked_boxes"});    // [m, 4]
    b.add_node("Shape", {s + "picked"}, {s + "count_shape"});
    b.add_node("ReduceProd", {s + "count_shape"}, {s + "count"}, Attributes::integer("keepdims", 1));  // [1]
    b.add_node("Min", {s + "count", "top"}, {s + "k"});
    b.add_node("TopK", {s + "picked", s + "k"}, {s + "best", s + "order"});
    b.add_node("Gather", {s + "picked_boxes", s + "order"}, {s + "best_boxes"}, axis(0));
    scores.push_back(s + "best");
    boxes.push_back(s + "best_boxes");
  }
  b.add_node("Concat", scores, {"all_scores"}, axis(0));
  b.add_node("Concat", boxes, {"all_boxes"}, axis(0));
  // Box clipping to the image as torchvision writes it: Max with 0, Min with the size.
  b.add_node("Max", {"all_boxes", "lo"}, {"clipped_lo"});
  b.add_node("Min", {"clipped_lo", "hi"}, {"clipped"});
  b.add_output("all_scores", DataType::Float, {-1});
  b.add_output("clipped", DataType::Float, {-1, 4});
}

TEST(FamilyChainsOrt, TorchvisionPerClassPickWithRunTimeK) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  build_torchvision_pick(b, 3000, 3);
  Tensor scores = class_scores({3000, 3}, 4);
  // Class 2 has nothing above its threshold: an empty pick through GatherND, TopK with k = 0 and Gather.
  for (int64_t i = 0; i < 3000; ++i) scores.data<float>()[3 * i + 2] = 0.01f;
  Tensor boxes = clustered_boxes(3000, 5);
  boxes = Tensor::wrap(DataType::Float, {3000, 4}, boxes.raw(), nullptr).clone();
  expect_same_as_ort(b, "torchvision_pick", {{"scores", scores}, {"boxes", boxes}});
}

// If(numel(boxes) == 0): then an empty [0] int64, else the kept indices of one NMS class.
void build_guarded_nms(ModelBuilder& b) {
  b.add_input("boxes", DataType::Float, {1, -1, 4}, {"", "n", ""});
  b.add_input("scores", DataType::Float, {1, 1, -1}, {"", "", "n"});
  b.add_initializer("zero", make_tensor<int64_t>({}, {0}));
  b.add_node("Shape", {"boxes"}, {"shape"});
  b.add_node("ReduceProd", {"shape"}, {"numel"}, Attributes::integer("keepdims", 0));
  b.add_node("Equal", {"numel", "zero"}, {"empty"});
  ModelBuilder then_branch(13), else_branch(13);
  then_branch.add_initializer("none", Tensor(DataType::Int64, {0}));
  then_branch.add_node("Identity", {"none"}, {"kept_then"});
  then_branch.add_output("kept_then", DataType::Int64, {0});
  else_branch.add_initializer("max_out", make_tensor<int64_t>({1}, {50}));
  else_branch.add_initializer("iou", make_tensor<float>({1}, {0.5f}));
  else_branch.add_initializer("col", make_tensor<int64_t>({1}, {2}));
  else_branch.add_initializer("col_end", make_tensor<int64_t>({1}, {3}));
  else_branch.add_initializer("ax1", make_tensor<int64_t>({1}, {1}));
  else_branch.add_initializer("flat", make_tensor<int64_t>({1}, {-1}));
  else_branch.add_node("NonMaxSuppression", {"boxes", "scores", "max_out", "iou"}, {"selected"});
  else_branch.add_node("Slice", {"selected", "col", "col_end", "ax1"}, {"rows"});
  else_branch.add_node("Reshape", {"rows", "flat"}, {"kept_else"});
  else_branch.add_output("kept_else", DataType::Int64, {-1});
  b.add_if("empty", {"kept"}, then_branch, else_branch, "guard");
  b.add_output("kept", DataType::Int64, {-1});
}

TEST(FamilyChainsOrt, TorchvisionNmsGuardedByIfOnEqual) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  build_guarded_nms(b);
  for (int64_t n : {0, 1, 300}) {
    SCOPED_TRACE("boxes " + std::to_string(n));
    Tensor boxes = clustered_boxes(std::max<int64_t>(n, 1), 7);
    boxes = Tensor::wrap(DataType::Float, {1, n, 4}, boxes.raw(), nullptr).clone();
    expect_same_as_ort(b, "guarded_nms_" + std::to_string(n), {{"boxes", boxes}, {"scores", class_scores({1, 1, n}, 8)}});
  }
}

}  // namespace
}  // namespace ssdx::test
