// The generated mmdeploy end-to-end SSD300 against its structure worked out by hand from mmdeploy's rewrites
// (docs/mmdet_ssd300.md, "mmdeploy's end-to-end form"): op histogram part by part, outputs, and the same
// parameters as --arch mmdet-ssd300 for the same seed; and ssdx detect's mmdeploy reading on a photo.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "models/mmdeploy_ssd300.h"
#include "models/mmdet_ssd300.h"
#include "tests/photos.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

void write_mmdeploy(const std::string& path) { models::write_mmdeploy_ssd300_model({}, path); }

Graph generated() { return load_written_model("mmdeploy_ssd300", write_mmdeploy); }

using Histogram = std::map<std::string, int>;
void add(Histogram& h, const Histogram& part, int times = 1) {
  for (const auto& [op, n] : part) h[op] += n * times;
}

TEST(MmdeploySsd300, OpHistogramAsMmdeployWritesIt) {
  const Graph g = generated();
  Histogram got;
  for (const Node& n : g.nodes) ++got[n.op_type];
  Histogram expected;
  // VGG16 + extras + heads, and L2Norm as F.normalize(x, dim=1) * weight.
  add(expected, {{"Conv", 35}, {"Relu", 23}, {"MaxPool", 5}});
  add(expected, {{"ReduceL2", 1}, {"Clip", 1}, {"Shape", 1}, {"Expand", 1}, {"Div", 1}, {"Mul", 1}});
  // Per level: permute + reshape of both heads, softmax, [:, :, :-1], max over [..., :-1], TopK, squeezed indices,
  // the boxes, scores and priors gathered.
  add(expected, {{"Transpose", 2}, {"Reshape", 2}, {"Softmax", 1}, {"Slice", 2}, {"ReduceMax", 1}, {"TopK", 1},
                 {"Squeeze", 1}, {"Gather", 3}}, 6);
  add(expected, {{"Concat", 3}});  // the levels' priors, deltas, scores
  // delta2bbox: view + denormalise (Reshape, Mul, Add), rois[..., None, :2] and [2:] (Unsqueeze, 2 Slice), pxy
  // (Add, Mul), pwh (Sub), dxy (Slice, Mul), dwh (Slice, Clip), exp, half (2 Mul), gxy (Add), corners (Sub, Add),
  // per coordinate Gather + Clip + Unsqueeze (4), stack (Concat), view (Reshape).
  add(expected, {{"Reshape", 2}, {"Mul", 5}, {"Add", 4}, {"Sub", 2}, {"Unsqueeze", 5}, {"Slice", 4}, {"Clip", 5},
                 {"Exp", 1}, {"Gather", 4}, {"Concat", 1}});
  // x[arange(N)[:, None], inds] four times (pre-top-k boxes and scores, final dets and labels).
  add(expected, {{"Unsqueeze", 1}, {"Range", 1}, {"Reshape", 1}, {"Shape", 1}, {"Expand", 1}, {"Concat", 1},
                 {"GatherND", 1}}, 4);
  // pre_top_k (ReduceMax, TopK), scores permuted, the NMS; _select_nms_index: three index columns, kept scores and
  // boxes (GatherND x2, Unsqueeze x3, Concat), dets (Concat), the image mask (Range, 2 Unsqueeze, Equal), repeated
  // dets and labels (2 Unsqueeze + Tile + Where, Unsqueeze + Tile + Where), the zero row (2 Concat), the score
  // column (Gather), topk's k = min(200, size) (Shape, Gather, Less, Where, Reshape), TopK, the two outputs.
  add(expected, {{"ReduceMax", 1}, {"TopK", 2}, {"Transpose", 1}, {"NonMaxSuppression", 1}, {"Gather", 5},
                 {"GatherND", 2}, {"Unsqueeze", 8}, {"Concat", 4}, {"Range", 1}, {"Equal", 1}, {"Tile", 2},
                 {"Where", 3}, {"Shape", 1}, {"Less", 1}, {"Reshape", 1}, {"Identity", 2}});
  EXPECT_EQ(got, expected);
  EXPECT_EQ(g.opset(""), 11);
}

// Convolution weights and biases and the L2Norm weight: the network's parameters.
int64_t network_parameters(const Graph& g) {
  int64_t n = 0;
  for (const Node& node : g.nodes) {
    if (node.op_type != "Conv" && node.op_type != "Mul" && node.op_type != "Expand") continue;
    for (int id : node.inputs) {
      const Value& v = g.value(id);
      const bool l2norm_weight = node.op_type != "Conv" && v.shape == Shape{1, 512, 1, 1};
      if (v.constant && v.dtype == DataType::Float && (node.op_type == "Conv" || l2norm_weight)) n += shape_numel(v.shape);
    }
  }
  return n;
}

TEST(MmdeploySsd300, SameParametersAsMmdetSsd300AndDynamicRows) {
  const Graph deploy = generated();
  const Graph igie =
      load_written_model("mmdet_raw", [](const std::string& path) { models::write_mmdet_ssd300_model({}, path); });
  // docs/mmdet_ssd300.md: 34,305,206 worked out layer by layer.
  EXPECT_EQ(network_parameters(deploy), 34305206);
  EXPECT_EQ(network_parameters(igie), 34305206);
  ASSERT_EQ(deploy.inputs.size(), 1u);
  EXPECT_EQ(deploy.value(deploy.inputs[0]).shape, (Shape{1, 3, 300, 300}));
  ASSERT_EQ(deploy.outputs.size(), 2u);
  const Value &dets = deploy.value(deploy.outputs[0]), &labels = deploy.value(deploy.outputs[1]);
  EXPECT_EQ(dets.name, "dets");
  EXPECT_EQ(dets.shape, (Shape{1, kUnknownDim, 5}));
  EXPECT_EQ(labels.name, "labels");
  EXPECT_EQ(labels.dtype, DataType::Int64);
  EXPECT_EQ(labels.shape, (Shape{1, kUnknownDim}));
  EXPECT_EQ(deploy.metadata.at("ssdx.model.family"), "mmdeploy");
  EXPECT_EQ(deploy.metadata.at("ssdx.labels"), "@coco80");
}

TEST(MmdeploySsd300Photo, DetectReadsVariedUnsaturatedDetections) {
  SSDX_NEED_PHOTOS(dir);
  const TempModelFile model("mmdeploy_ssd300", write_mmdeploy);
  const std::string& path = model.path;
  const app::Image image = app::load_image(dir + "/astronaut.png");  // 512x512
  const app::Detector detector(path, {});
  EXPECT_EQ(detector.family(), app::Family::Mmdeploy);
  EXPECT_EQ(detector.spec().labels.at(0), "person");  // @coco80 from the metadata
  const std::vector<app::Detection> got = detector.detect(image, 0.05f);
  // The reference: the model's own rows for the photo stretched to 300x300 (mmdet's preprocessing), scaled back by
  // 512 / 300 by hand; rows under 0.05 (and the zero row) dropped.
  app::InputSpec spec;  // RGB minus (123.675, 116.28, 103.53), std 1
  spec.std = {1.f / 255, 1.f / 255, 1.f / 255};
  const auto session = Session::load(path);
  const TensorMap out = session->run({{"input", app::preprocess(image, 300, 300, spec)}});
  const Tensor &dets = out.at("dets"), &labels = out.at("labels");
  size_t k = 0;
  std::set<int64_t> classes;
  float top = 0;
  for (int64_t i = 0; i < labels.numel(); ++i) {
    const float score = static_cast<float>(dets.float_at(5 * i + 4));
    if (score < 0.05f) continue;
    ASSERT_LT(k, got.size());
    const app::Detection& d = got[k++];
    EXPECT_EQ(d.label, labels.int_at(i)) << i;
    EXPECT_FLOAT_EQ(d.score, score);
    const float mine[4] = {d.x0, d.y0, d.x1, d.y1};
    for (int c = 0; c < 4; ++c)
      EXPECT_NEAR(mine[c], dets.float_at(5 * i + c) * 512.0 / 300.0, 1e-3) << i << " " << c;
    classes.insert(d.label);
    top = std::max(top, score);
  }
  EXPECT_EQ(k, got.size());
  // Varied and unsaturated: the synthetic heads spread the scores (docs/mmdet_ssd300.md, "Synthetic weights").
  EXPECT_GE(k, 20u);
  EXPECT_GE(classes.size(), 10u);
  EXPECT_LT(top, 0.9f);
  EXPECT_GT(top, 0.3f);
}

}  // namespace
}  // namespace ssdx::test
