// The generated SSD-ResNet34 graph against docs/ssd12_model.md: op histogram, head shapes, default boxes,
// parameter count and convolution cost, each worked out from the spec by hand.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"
#include "models/ssd_model.h"
#include "app/input_spec.h"

namespace ssdx::test {
namespace {

Graph generated(const models::SsdModelOptions& o) {
  return load_written_model("ssd_spec", [&](const std::string& path) { models::write_ssd_model(o, path); });
}

std::map<std::string, int> histogram(const Graph& g) {
  std::map<std::string, int> h;
  for (const Node& n : g.nodes) ++h[n.op_type];
  return h;
}

// Counts derived in docs/ssd12_model.md §2 (backbone/extras/heads) and §4 (post-processing, one node per step).
TEST(SsdModel, OpHistogramMatchesTheSpec) {
  const Graph g = generated({1200, 12, 1, false, false});
  const std::map<std::string, int> expected = {
      {"Conv", 51}, {"BatchNormalization", 29}, {"Relu", 37}, {"MaxPool", 1},
      {"Add", 18},        // 13 residual + Add_511, Add_619, Add_654, Add_704, Add_labels
      {"Mul", 9},         // Mul_490, 507, 509, 514, 548, 583, 618, 653, 703
      {"Sub", 2}, {"Exp", 1}, {"Softmax", 1}, {"Transpose", 3},
      {"Slice", 36},      // 6 xy/wh split + 24 in l/t/r/b + 3 probs + 688, 695, 725
      {"Squeeze", 9}, {"Unsqueeze", 21},  // 12 head views + 4 ltrb + 710, 716, bboxes, 730, scores
      {"Concat", 16},     // 12 head views + loc, conf + Concat_659 + Concat_712
      {"Shape", 14}, {"Gather", 21}, {"Reshape", 13}, {"Cast", 4}, {"ReduceMin", 1}, {"TopK", 1},
      {"ConstantOfShape", 3}, {"NonMaxSuppression", 1}};
  EXPECT_EQ(histogram(g), expected);
  EXPECT_EQ(g.opset(""), 12);
  EXPECT_EQ(g.ir_version, 7);
}

TEST(SsdModel, FoldedConstantShapeOpset10Variant) {
  const Graph g = generated({1200, 10, 1, true, true});
  std::map<std::string, int> h = histogram(g);
  EXPECT_EQ(h.count("BatchNormalization"), 0u);
  EXPECT_EQ(h["Conv"], 51);
  EXPECT_EQ(h["Shape"], 2);   // only Shape_700 and Shape_707 remain
  EXPECT_EQ(h["Reshape"], 13);
  EXPECT_EQ(h["Concat"], 4);
  EXPECT_EQ(g.opset(""), 10);
  EXPECT_EQ(g.ir_version, 5);
}

// Head outputs (furiosa-models' list of the MLPerf ONNX heads), parameters and MACs (docs/ssd12_model.md §2.4).
TEST(SsdModel, HeadShapesParametersAndCost) {
  for (bool folded : {false, true}) {
    SCOPED_TRACE(folded ? "folded" : "batchnorm");
    SessionOptions as_written;  // the file's graph, before BatchNormalization folding and conv fusion
    as_written.optimize = false;
    Session s(generated({1200, 12, 1, folded, false}), as_written);
    const Graph& g = s.graph();
    std::vector<Shape> heads;
    double macs = 0;
    int64_t params = 0;
    for (const Node& n : g.nodes) {
      if (n.op_type == "BatchNormalization")
        for (int i = 1; i < 5; ++i) params += g.value(n.inputs[i]).constant->numel();
      if (n.op_type != "Conv") continue;
      const Shape& w = g.value(n.inputs[1]).shape;
      const Shape& y = g.value(n.outputs[0]).shape;
      macs += static_cast<double>(shape_numel(y)) * w[1] * w[2] * w[3];
      params += shape_numel(w) + (n.has_input(2) ? w[0] : 0);
      if (w[2] == 3 && y[2] <= 50 && (w[0] % 81 == 0 || w[0] == 16 || w[0] == 24) && n.attrs.get_ints("strides")[0] == 3)
        heads.push_back(y);
    }
    EXPECT_NEAR(macs / 1e9, 216.4, 0.05);
    EXPECT_EQ(params, folded ? 19967606 : 19982390);
    const std::vector<Shape> expected = {{1, 16, 50, 50},  {1, 324, 50, 50}, {1, 24, 25, 25},  {1, 486, 25, 25},
                                         {1, 24, 13, 13},  {1, 486, 13, 13}, {1, 24, 7, 7},    {1, 486, 7, 7},
                                         {1, 16, 3, 3},    {1, 324, 3, 3},   {1, 16, 3, 3},    {1, 324, 3, 3}};
    EXPECT_EQ(heads, expected);
  }
}

// The model card's preprocessing (Pillow's bilinear, stretch, ImageNet mean/std on RGB), COCO's labels 1..80 and a
// threshold of 0.3, as metadata detect reads (docs/model_metadata.md).
TEST(SsdModel, CarriesItsMetadata) {
  const TempModelFile model("ssd_metadata",
                           [](const std::string& path) { models::write_ssd_model({480, 12, 7, true, false}, path); });
  const Graph g = load_onnx(model.path);
  EXPECT_EQ(g.metadata.at("ssdx.input.interpolation"), "pillow-bilinear");
  EXPECT_EQ(g.metadata.at("ssdx.input.mean"), "0.485,0.456,0.406");
  EXPECT_EQ(g.metadata.at("ssdx.input.std"), "0.229,0.224,0.225");
  EXPECT_EQ(g.metadata.at("ssdx.input.channel_order"), "RGB");
  EXPECT_EQ(g.metadata.at("ssdx.input.resize"), "stretch");
  EXPECT_EQ(g.metadata.at("ssdx.detect.min_score"), "0.3");
  EXPECT_NE(g.metadata.at("ssdx.model.description").find("synthetic weights (seed 7)"), std::string::npos);
  const std::string labels = g.metadata.at("ssdx.labels");
  EXPECT_EQ(labels.rfind("1 person\n2 bicycle\n3 car\n", 0), 0u);
  EXPECT_NE(labels.find("\n10 traffic light\n"), std::string::npos);
  EXPECT_EQ(labels.substr(labels.size() - 14), "80 toothbrush\n");
  const app::ModelSpec spec = app::parse_model_spec(g.metadata, model.path);
  EXPECT_EQ(spec.input.interpolation, app::Interpolation::PillowBilinear);
  EXPECT_EQ(spec.labels.size(), 80u);
  EXPECT_FLOAT_EQ(spec.min_score, 0.3f);
}

TEST(SsdModel, HeadGridsForOtherSizes) {
  EXPECT_EQ(models::ssd_head_grids(1200), (std::vector<int>{50, 25, 13, 7, 3, 3}));
  EXPECT_EQ(models::ssd_head_grids(600), (std::vector<int>{25, 13, 7, 4, 2, 1}));
  EXPECT_THROW(models::write_ssd_model({384, 12, 1, false, false}, "/tmp/never.onnx"), Error);  // extra block 4 gives 2x2
  EXPECT_EQ(models::ssd_head_grids(385).back(), 1);
  EXPECT_THROW(models::write_ssd_model({1200, 11, 1, false, false}, "/tmp/never.onnx"), Error);
}

// docs/ssd12_model.md §3.1 by hand: level offsets 0, 10000, 13750, 14764, 15058, 15094;
// box = offset + slot*H*W + i*W + j.
TEST(SsdModel, DefaultBoxesAtChosenIndices) {
  const std::vector<float> d = models::ssd_default_boxes(1200);
  ASSERT_EQ(d.size(), 15130u * 4);
  auto expect_box = [&](size_t index, double cx, double cy, double w, double h) {
    SCOPED_TRACE("box " + std::to_string(index));
    EXPECT_NEAR(d[4 * index + 0], cx, 1e-6);
    EXPECT_NEAR(d[4 * index + 1], cy, 1e-6);
    EXPECT_NEAR(d[4 * index + 2], w, 1e-6);
    EXPECT_NEAR(d[4 * index + 3], h, 1e-6);
  };
  expect_box(0, 0.01, 0.01, 0.07, 0.07);                       // level 0, slot 0 (84 px), cell (0,0)
  expect_box(2500, 0.01, 0.01, 0.1024695, 0.1024695);          // slot 1: sqrt(0.07 * 0.15)
  expect_box(5000 + 3 * 50 + 7, 7.5 / 50, 3.5 / 50, 0.0989949, 0.0494975);  // slot 2: ar 2
  expect_box(10000 + 4 * 625 + 24 * 25 + 24, 0.98, 0.98, 0.2598076, 0.0866025);  // level 1, slot 4: ar 3
  expect_box(13750, 0.5 / 13, 0.5 / 13, 0.33, 0.33);           // level 2: fk = 1200 // 92 = 13
  expect_box(15129, 2.5 / 3, 2.5 / 3, 0.6151829, 1.0);         // last: ar 2 swapped, h 1.23037 clamped to 1
}

// The post-processing model (the heads as inputs) is built and cut in memory: its folder gains the model and
// nothing else, no temporary full model beside it.
TEST(SsdModel, PostprocessModelLeavesOnlyItsOwnFile) {
  char tmpl[] = "/tmp/ssdx-postprocess-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/post.onnx";
  models::write_ssd_postprocess_model(models::SsdModelOptions{480, 12, 3, true, false}, path);
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path().filename());
  EXPECT_EQ(files, std::vector<std::string>{"post.onnx"});
  EXPECT_EQ(load_onnx(path).inputs.size(), 12u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ssdx::test
