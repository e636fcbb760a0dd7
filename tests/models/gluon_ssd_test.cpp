// The generated gluon-cv SSDs against their architectures worked out by hand from gluon-cv's vgg_atrous.py,
// resnet.py, mobilenet.py, feature.py (FeatureExpander) and ssd/presets.py (docs/gluon_ssd.md): parameters,
// BatchNorm channels, multiply-adds, anchors (and so the rows box_nms sees), head shapes, the anchors' values and
// the op histogram of mx2onnx's post-processing.
#include <cmath>
#include <cstdio>
#include <map>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "models/gluon_ssd.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

using models::GluonArch;

Graph generated(const models::GluonSsdOptions& o) {
  return load_written_model("gluon_ssd", [&](const std::string& path) { models::write_gluon_ssd_model(o, path); });
}

struct Counts {
  int64_t conv_params = 0, other_params = 0, bn_channels = 0, nms_rows = 0;
  double macs = 0;
  std::map<std::string, int> ops;
  std::vector<Shape> conv_outputs;
};

Counts count(GluonArch arch, int classes) {
  models::GluonSsdOptions o;
  o.arch = arch;
  o.classes = classes;
  Graph file = generated(o);
  Counts c;
  for (const Node& n : file.nodes) ++c.ops[n.op_type];  // the histogram as written
  // Shapes as inference gives them once the constant chains (the anchors' slice_like, shape arithmetic) are folded.
  SessionOptions unfused;
  unfused.optimize = false;
  Session s(std::move(file), unfused);
  const Graph& g = s.graph();
  for (const Node& n : g.nodes) {
    if (n.op_type == "BatchNormalization") c.bn_channels += g.value(n.inputs[1]).shape[0];
    if (n.op_type == "NonMaxSuppression") c.nms_rows = g.value(n.inputs[0]).shape[1];
    if (n.op_type == "Mul" && g.value(n.inputs[1]).shape == Shape{1, 512, 1, 1}) c.other_params += 512;  // conv4_3 scale
    if (n.op_type != "Conv") continue;
    const Shape& w = g.value(n.inputs[1]).shape;
    c.conv_params += shape_numel(w) + (n.inputs.size() > 2 ? w[0] : 0);
    c.macs += static_cast<double>(shape_numel(g.value(n.outputs[0]).shape)) * w[1] * w[2] * w[3];
    c.conv_outputs.push_back(g.value(n.outputs[0]).shape);
  }
  return c;
}

TEST(GluonSsd, Vgg300ParametersMultiplyAddsAndRows) {
  const Counts c = count(GluonArch::Vgg16Atrous300, 20);
  // VGG16 conv1_1..conv5_3 14,714,688; fc6 3x3 d6 512->1024 4,719,616; fc7 1,049,600; extras (1x1 1024->256, 3x3/2
  // ->512, 1x1 ->128, 3x3/2 ->256, twice 1x1 ->128 + 3x3 p0 ->256) 2,459,520: body 22,943,424. Class heads 3x3
  // c -> A*21 (c = 512,1024,512,256,256,256; A = 4,6,6,6,4,4) 2,806,902; box heads A*4 534,648; the conv4_3 scale 512.
  EXPECT_EQ(c.conv_params + c.other_params, 26285486);
  EXPECT_EQ(c.bn_channels, 0);
  EXPECT_NEAR(c.macs / 1e9, 31.374, 0.001);
  // 38^2*4 + 19^2*6 + 10^2*6 + 5^2*6 + 3^2*4 + 1*4 = 8732 anchors, one row per (anchor, class): 174,640.
  EXPECT_EQ(c.nms_rows, 8732 * 20);
  EXPECT_EQ(models::gluon_ssd_anchor_count(models::gluon_ssd_facts(GluonArch::Vgg16Atrous300, 20)), 8732);
  EXPECT_EQ(c.ops.at("LpNormalization"), 1);
  EXPECT_EQ(c.ops.at("MaxPool"), 5);
  EXPECT_EQ(c.ops.at("Conv"), 13 + 2 + 8 + 12);
}

TEST(GluonSsd, Vgg512ParametersMultiplyAddsAndRows) {
  const Counts c = count(GluonArch::Vgg16Atrous512, 80);
  // The 512 extras end with a 4x4 pad-1 conv (2 -> 1): seven maps 64..1, 24,564 anchors; COCO: 81 class channels.
  EXPECT_EQ(c.conv_params + c.other_params, 36038196);
  EXPECT_NEAR(c.macs / 1e9, 98.629, 0.001);
  EXPECT_EQ(c.nms_rows, 24564 * 80);  // 1,965,120 rows, box_nms's largest call
  EXPECT_EQ(c.ops.at("Conv"), 13 + 2 + 10 + 14);
}

TEST(GluonSsd, ResNet50ParametersMultiplyAddsAndRows) {
  const Counts c = count(GluonArch::ResNet50V1_512, 20);
  // ResNet50-v1 to stage4 (BottleneckV1: biases on the 1x1 convs) 23,5.. plus FeatureExpander (512, 512, 256, 256,
  // no biases) and heads on c = 1024, 2048, 512, 512, 256, 256: 36,409,710 conv parameters; BatchNorm on 29,632
  // channels (stem 64, bottlenecks 2*w/4 + w, downsamples w, expander 2 per filter).
  EXPECT_EQ(c.conv_params, 36409710);
  EXPECT_EQ(c.bn_channels, 29632);
  EXPECT_NEAR(c.macs / 1e9, 22.332, 0.001);
  // 32^2*4 + 16^2*6 + 8^2*6 + 4^2*6 + 2^2*4 + 4 = 6132 anchors.
  EXPECT_EQ(c.nms_rows, 6132 * 20);
  EXPECT_EQ(c.ops.at("Add") >= 16, true);  // the residual sums
}

TEST(GluonSsd, MobileNetParametersMultiplyAddsAndHeadShapes) {
  const Counts c = count(GluonArch::MobileNet1_512, 20);
  EXPECT_EQ(c.conv_params, 13753518);
  EXPECT_EQ(c.bn_channels, 14016);
  EXPECT_NEAR(c.macs / 1e9, 4.193, 0.001);
  EXPECT_EQ(c.nms_rows, 6132 * 20);
  // The last twelve convs are the heads, class then box per map: [1, A*21, g, g] and [1, A*4, g, g].
  const int anchors[6] = {4, 6, 6, 6, 4, 4}, grids[6] = {32, 16, 8, 4, 2, 1};
  ASSERT_GE(c.conv_outputs.size(), 12u);
  for (int m = 0; m < 6; ++m) {
    const Shape& cls = c.conv_outputs[c.conv_outputs.size() - 12 + 2 * m];
    const Shape& box = c.conv_outputs[c.conv_outputs.size() - 11 + 2 * m];
    EXPECT_EQ(shape_str(cls), shape_str({1, anchors[m] * 21, grids[m], grids[m]})) << m;
    EXPECT_EQ(shape_str(box), shape_str({1, anchors[m] * 4, grids[m], grids[m]})) << m;
  }
}

TEST(GluonSsd, PostProcessingIsMx2onnxs) {
  const Counts c = count(GluonArch::Vgg16Atrous300, 20);
  // One class-agnostic NMS and its re-sort tail; per map a slice_like (GatherND + ScatterND); 20 per-class Concats.
  EXPECT_EQ(c.ops.at("NonMaxSuppression"), 1);
  EXPECT_EQ(c.ops.at("TopK"), 1);
  EXPECT_EQ(c.ops.at("GatherND"), 6 + 1);
  EXPECT_EQ(c.ops.at("ScatterND"), 6 + 1);
  EXPECT_EQ(c.ops.at("Softmax"), 1);
  EXPECT_EQ(c.ops.at("Exp"), 2);
  EXPECT_EQ(c.ops.at("Where"), 2);
  EXPECT_EQ(c.ops.at("Split"), 2);
  EXPECT_EQ(c.ops.at("Concat"), 3 + 1 + 20 + 1 + 1 + 2);  // heads, decode, classes, rows, box_nms, where()s
}

// SSDAnchorGenerator's anchors, read through the graph (the slice_like chain run by the engine): the first cell of
// map 0 and the last anchor of the last map, worked out by hand from sizes (30, 60, ...) and steps (8, ..., 300).
TEST(GluonSsd, AnchorsAreSsdAnchorGenerators) {
  models::GluonSsdOptions o;
  Graph g = generated(o);
  // The box decode's anchor Split reads the concatenated anchors [1, 8732, 4]: make that a graph output.
  std::string anchors;
  for (const Node& n : g.nodes)
    if (n.op_type == "Split" && anchors.empty()) {
      anchors = g.value(n.inputs[0]).name;
      g.outputs.push_back(n.inputs[0]);
    }
  ASSERT_FALSE(anchors.empty());
  const TensorMap out = Session(std::move(g), SessionOptions{}).run({{"data", random_tensor({1, 3, 300, 300}, 1, -1.f, 1.f)}});
  const Tensor& value = out.at(anchors);
  ASSERT_EQ(shape_str(value.shape()), "[1,8732,4]");
  const float* a = value.data<float>();
  // Map 0, cell (0, 0): centre (4, 4); sizes 30, sqrt(30*60) = 42.4264; ratio 2: 30*sqrt(2) x 30/sqrt(2).
  const float expected[16] = {4, 4, 30, 30, 4, 4, 42.426407f, 42.426407f, 4, 4, 42.426407f, 21.213203f,
                              4, 4, 21.213203f, 42.426407f};
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(a[i], expected[i], 1e-4) << i;
  // The last anchor: map 5 (1x1, step 300), centre 150, size 264 with ratio 0.5: 264/sqrt(2) x 264*sqrt(2).
  const float* last = a + 4 * 8731;
  EXPECT_NEAR(last[0], 150, 1e-4);
  EXPECT_NEAR(last[2], 264 / std::sqrt(2.f), 1e-3);
  EXPECT_NEAR(last[3], 264 * std::sqrt(2.f), 1e-3);
}

}  // namespace
}  // namespace ssdx::test
