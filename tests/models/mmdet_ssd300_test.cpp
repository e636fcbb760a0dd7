// The generated mmdetection SSD300 (IGIE's export form) against its architecture worked out by hand from mmdet's
// VGG16/SSDNeck/SSDHead for 300x300 (docs/mmdet_ssd300.md): op histogram, parameters, multiply-adds, the twelve head
// shapes and the anchor count; and the batch stays free through shape inference.
#include <cstdio>
#include <map>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "models/mmdet_ssd300.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Graph generated(const models::MmdetSsd300Options& o) {
  return load_written_model("mmdet_ssd300", [&](const std::string& path) { models::write_mmdet_ssd300_model(o, path); });
}

TEST(MmdetSsd300, OpHistogramAsTheExportWritesIt) {
  const Graph g = generated({});
  std::map<std::string, int> h;
  for (const Node& n : g.nodes) ++h[n.op_type];
  // 13 VGG convs + fc6 + fc7, 8 extra convs, 6 x (class + box) heads; ReLU after all but the heads; 5 pools; the
  // L2Norm chain once.
  const std::map<std::string, int> expected = {{"Conv", 35}, {"Relu", 23},     {"MaxPool", 5}, {"Pow", 1},
                                               {"ReduceSum", 1}, {"Sqrt", 1}, {"Add", 1},     {"Shape", 1},
                                               {"Expand", 1},    {"Mul", 1},  {"Div", 1}};
  EXPECT_EQ(h, expected);
}

TEST(MmdetSsd300, HeadShapesParametersAnchorsAndCost) {
  SessionOptions as_written;
  as_written.optimize = false;
  as_written.input_shapes["input"] = {1, 3, 300, 300};
  Graph file = generated({});
  int64_t params = 0;  // the file's float tensors (the L2Norm's exponent and eps are scalars)
  for (const Value& v : file.values)
    if (v.constant && v.dtype == DataType::Float && !v.shape.empty()) params += shape_numel(v.shape);
  Session s(std::move(file), as_written);
  const Graph& g = s.graph();
  double macs = 0;
  for (const Node& n : g.nodes) {
    if (n.op_type != "Conv") continue;
    const Shape& w = g.value(n.inputs[1]).shape;
    macs += static_cast<double>(shape_numel(g.value(n.outputs[0]).shape)) * w[1] * w[2] * w[3];
  }
  // Worked out layer by layer: VGG16 + fc6/fc7 20,483,904 + L2Norm 512; extras 2,459,520; class heads 10,826,622;
  // box heads 534,648.
  EXPECT_EQ(params, 34305206);
  // VGG 29,898.44 M + extras 230.59 M + heads 4,231.32 M multiply-adds.
  EXPECT_NEAR(macs / 1e6, 34360.35, 0.01);
  const std::vector<Shape> expected = {{1, 324, 38, 38}, {1, 486, 19, 19}, {1, 486, 10, 10}, {1, 486, 5, 5},
                                       {1, 324, 3, 3},   {1, 324, 1, 1},   {1, 16, 38, 38},  {1, 24, 19, 19},
                                       {1, 24, 10, 10},  {1, 24, 5, 5},    {1, 16, 3, 3},    {1, 16, 1, 1}};
  std::vector<Shape> heads;
  int64_t anchors = 0;
  for (const TensorInfo& o : s.outputs()) {
    heads.push_back(o.shape);
    if (o.name.rfind("bbox_pred_", 0) == 0) anchors += o.shape[1] / 4 * o.shape[2] * o.shape[3];
  }
  EXPECT_EQ(heads, expected);
  EXPECT_EQ(anchors, 8732);
}

TEST(MmdetSsd300, TheBatchStaysFree) {
  Session s(generated({}), SessionOptions{});
  EXPECT_EQ(shape_str(s.inputs()[0].shape), "[?,3,300,300]");
  for (const TensorInfo& o : s.outputs()) EXPECT_EQ(o.shape[0], kUnknownDim) << o.name;
  models::MmdetSsd300Options fixed;
  fixed.dynamic_batch = false;
  Session f(generated(fixed), SessionOptions{});
  EXPECT_EQ(shape_str(f.inputs()[0].shape), "[1,3,300,300]");
}

}  // namespace
}  // namespace ssdx::test
