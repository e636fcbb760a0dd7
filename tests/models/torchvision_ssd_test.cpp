// The generated torchvision SSD300-VGG16 and SSDlite320-MobileNetV3-Large against their architectures worked out by
// hand from torchvision's ssd.py / ssdlite.py / mobilenetv3.py (docs/torchvision_ssd.md): parameters (torchvision's
// published counts), multiply-adds (its published GFLOPS, which are MACs), anchors, head shapes and the op
// histogram of the exported tail.
#include <cstdio>
#include <map>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "models/torchvision_ssd.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

using models::TorchvisionArch;

Graph generated(const models::TorchvisionSsdOptions& o) {
  return load_written_model("tv_ssd", [&](const std::string& path) { models::write_torchvision_ssd_model(o, path); });
}

struct Counts {
  int64_t conv_params = 0, other_params = 0, bn_channels = 0;
  double macs = 0;
  std::map<std::string, int> ops;
};

// Conv weights and biases, the multiply-adds of every Conv on the shapes inference gives.
// The generated model loaded as written (no fusion), its shapes inferred.
std::unique_ptr<Session> unfused(TorchvisionArch arch) {
  models::TorchvisionSsdOptions o;
  o.arch = arch;
  SessionOptions as_written;
  as_written.optimize = false;
  return std::make_unique<Session>(generated(o), as_written);
}

Counts count(TorchvisionArch arch) {
  const auto s = unfused(arch);
  const Graph& g = s->graph();
  Counts c;
  for (const Node& n : g.nodes) {
    ++c.ops[n.op_type];
    if (n.op_type != "Conv") continue;
    const Shape& w = g.value(n.inputs[1]).shape;
    c.conv_params += shape_numel(w) + w[0];
    c.macs += static_cast<double>(shape_numel(g.value(n.outputs[0]).shape)) * w[1] * w[2] * w[3];
  }
  return c;
}

TEST(TorchvisionSsd, Ssd300ParametersAndMultiplyAddsAreTorchvisions) {
  const Counts c = count(TorchvisionArch::Ssd300Vgg16);
  // VGG16 conv1_1..conv5_3 14,714,688; fc6 3x3 d6 512->1024 4,719,616; fc7 1,049,600; extras 1x1 1024->256 262,400,
  // 3x3/2 256->512 1,180,160, 1x1 512->128 65,664, 3x3/2 128->256 295,168, twice (1x1 256->128 32,896 + 3x3
  // 295,168): body 22,943,424; class heads 3x3 c -> A*91 over c = 512,1024,512,256,256,256, A = 4,6,6,6,4,4:
  // 12,163,242; box heads (A*4): 534,648. Plus the conv4_3 scale weight (512): 35,641,826, torchvision's figure.
  EXPECT_EQ(c.conv_params + 512, 35641826);
  // VGG 300x300 + fc6/fc7 + extras: 30,129.03 M; heads (95 channels per anchor) 4,729.12 M: 34.858 G
  // (torchvision publishes 34.86 GFLOPS, counted as multiply-adds).
  EXPECT_NEAR(c.macs / 1e6, 34858.153472, 1e-6);
  EXPECT_EQ(c.ops.at("Conv"), 35);
  EXPECT_EQ(c.ops.at("MaxPool"), 5);
  EXPECT_EQ(c.ops.at("ReduceL2"), 1);
}

TEST(TorchvisionSsd, SsdliteParametersAndMultiplyAddsAreTorchvisions) {
  const Counts c = count(TorchvisionArch::Ssdlite320MobileNetV3Large);
  // The file holds BatchNorm folded into the convs (one bias per channel); torchvision counts each BatchNorm's
  // weight and bias. Summed block by block (reduced-tail MobileNetV3-Large, 4 extras, 12 prediction blocks):
  // 3,423,588 in the file's convs, 16,472 BatchNorm channels more in torchvision's count: 3,440,060.
  EXPECT_EQ(c.conv_params, 3423588);
  EXPECT_EQ(c.conv_params + 16472, 3440060);
  // 583.17 M multiply-adds (torchvision: 0.58 GFLOPS).
  EXPECT_NEAR(c.macs / 1e6, 583.171904, 1e-6);
  // 1 stem + 15 blocks (14 expansions: the first block has none, 15 depthwise, 15 projections, 8 SE x 2) + last conv + 12 extras + 24 head.
  EXPECT_EQ(c.ops.at("Conv"), 1 + 14 + 15 + 15 + 16 + 1 + 12 + 24);
  EXPECT_EQ(c.ops.at("GlobalAveragePool"), 8);
  // ReLU6: 3 per extra block, 1 per prediction block; plus the tail's two box-delta clamps.
  EXPECT_EQ(c.ops.at("Clip"), 12 + 12 + 2);
  // Hard-swish (x * HardSigmoid(x)) after the stem, 9 blocks' expansion and depthwise, the last conv (20), and
  // the 8 SE gates.
  EXPECT_EQ(c.ops.at("HardSigmoid"), 1 + 2 * 9 + 1 + 8);
}

TEST(TorchvisionSsd, AnchorsAndHeadsFollowTheFeatureMaps) {
  // 38^2*4 + 19^2*6 + 10^2*6 + 5^2*6 + 3^2*4 + 1*4 = 5776 + 2166 + 600 + 150 + 36 + 4.
  EXPECT_EQ(models::torchvision_ssd_anchor_count(TorchvisionArch::Ssd300Vgg16), 8732);
  // 6 * (20^2 + 10^2 + 5^2 + 3^2 + 2^2 + 1).
  EXPECT_EQ(models::torchvision_ssd_anchor_count(TorchvisionArch::Ssdlite320MobileNetV3Large), 3234);
  for (TorchvisionArch arch : {TorchvisionArch::Ssd300Vgg16, TorchvisionArch::Ssdlite320MobileNetV3Large}) {
    const auto s = unfused(arch);
    const Graph& g = s->graph();
    const int64_t anchors = models::torchvision_ssd_anchor_count(arch);
    int concat_heads = 0;
    for (const Node& n : g.nodes) {
      if (n.op_type != "Concat" || n.inputs.size() != 6) continue;
      const Shape& shape = g.value(n.outputs[0]).shape;
      ASSERT_EQ(shape.size(), 3u);
      EXPECT_EQ(shape[1], anchors);
      EXPECT_TRUE(shape[2] == 91 || shape[2] == 4) << shape_str(shape);
      ++concat_heads;
    }
    EXPECT_EQ(concat_heads, 2);
  }
}

TEST(TorchvisionSsd, TheTailIsUnrolledOncePerForegroundClass) {
  models::TorchvisionSsdOptions o;
  const Graph g = generated(o);
  std::map<std::string, int> h;
  for (const Node& n : g.nodes) ++h[n.op_type];
  // 90 x (Greater, NonZero, 2 GatherND, ReduceMin, TopK, ConstantOfShape); one If around the NMS; one Resize.
  EXPECT_EQ(h.at("Greater"), 90);
  EXPECT_EQ(h.at("NonZero"), 90);
  EXPECT_EQ(h.at("GatherND"), 180);
  EXPECT_EQ(h.at("ReduceMin"), 90);
  EXPECT_EQ(h.at("TopK"), 90);
  EXPECT_EQ(h.at("ConstantOfShape"), 90);
  EXPECT_EQ(h.at("If"), 1);
  EXPECT_EQ(h.at("Resize"), 1);
  EXPECT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.outputs.size(), 3u);
}

TEST(TorchvisionSsd, InputSizeFixedOrSymbolic) {
  models::TorchvisionSsdOptions o;
  o.height = 480, o.width = 640;
  SessionOptions as_written;
  as_written.optimize = false;
  Session fixed(generated(o), as_written);
  EXPECT_EQ(shape_str(fixed.inputs()[0].shape), "[3,480,640]");
  o.height = o.width = 0;
  o.dynamic_size = true;
  Session free_size(generated(o), as_written);
  EXPECT_EQ(shape_str(free_size.inputs()[0].shape), "[3,?,?]");
}

}  // namespace
}  // namespace ssdx::test
