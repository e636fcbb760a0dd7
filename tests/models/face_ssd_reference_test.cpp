// The imported face detector checked piece by piece against values computed here, straight from the manifest's
// TF-layout tensors: the first conv at border pixels (TF "SAME" padding: nothing before, one row/column after),
// the 1x1 head convs at chosen cells (HWIO order), and the decoded boxes and scores of chosen anchors (NHWC,
// anchor-major flattening, the TF box coder against `Output/extra_dim`). A wrong transpose, flatten order or
// padding fails here even where two engines running the same wrong graph would agree.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "models/face_ssd.h"
#include "models/tfjs_weights.h"
#include "tests/face_model.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

const std::string kConv0 = "MobilenetV1/Conv2d_0_pointwise";
const std::string kBlock11 = "MobilenetV1/Conv2d_11_pointwise";
const std::string kExtra7 = "Prediction/Conv2d_7_pointwise";
const std::string kBox0 = "Prediction/BoxPredictor_0/BoxEncodingPredictor";
const std::string kClass0 = "Prediction/BoxPredictor_0/ClassPredictor";
const std::string kBox5 = "Prediction/BoxPredictor_5/BoxEncodingPredictor";
const std::string kClass5 = "Prediction/BoxPredictor_5/ClassPredictor";

double relu6(double v) { return std::min(6.0, std::max(0.0, v)); }

// Element [0][c][y][x] of an NCHW tensor.
float at(const Tensor& t, int64_t c, int64_t y, int64_t x) {
  return t.data<float>()[(c * t.dim(2) + y) * t.dim(3) + x];
}

struct ExposedRun {
  models::TfjsWeights weights;
  Tensor input;
  TensorMap out;
};

ExposedRun run_exposed(const std::string& dir, bool fold_bn) {
  models::FaceSsdOptions o;
  o.fold_bn = fold_bn;
  o.expose_values = {kConv0, kBlock11, kExtra7, kBox0, kClass0, kBox5, kClass5, models::kFaceSsdDecodedBoxes,
                     models::kFaceSsdAnchorScores};
  Session session(load_onnx_bytes(models::face_ssd_model_bytes(dir, o), "face-ssd", ""), SessionOptions{2});
  ExposedRun r{models::TfjsWeights::load(dir + "/" + models::kFaceSsdManifest), random_tensor({1, 3, 512, 512}, 7), {}};
  r.out = session.run({{"image", r.input}});
  return r;
}

// conv 0: 3x3 stride 2, 3 -> 32, SAME on 512 = pad 0 before, 1 after.
void check_conv0(const ExposedRun& r) {
  const float* w = r.weights.get(kConv0 + "/weights", {3, 3, 3, 32}).data<float>();
  const float* b = r.weights.get(kConv0 + "/convolution_bn_offset", {32}).data<float>();
  const Tensor& got = r.out.at(kConv0);
  ASSERT_EQ(shape_str(got.shape()), "[1,32,256,256]");
  const std::pair<int, int> cells[] = {{0, 0}, {0, 255}, {255, 0}, {255, 255}, {100, 37}};
  for (const auto& [oy, ox] : cells) {
    for (int o : {0, 5, 31}) {
      double sum = b[o];
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx) {
          const int iy = 2 * oy + ky, ix = 2 * ox + kx;
          if (iy >= 512 || ix >= 512) continue;  // the one padding row/column after
          for (int c = 0; c < 3; ++c) sum += at(r.input, c, iy, ix) * w[((ky * 3 + kx) * 3 + c) * 32 + o];
        }
      EXPECT_NEAR(at(got, o, oy, ox), relu6(sum), 1e-4) << "conv 0 channel " << o << " at " << oy << "," << ox;
    }
  }
}

// A 1x1 head conv from its HWIO weights at cell (y, x) of `feature`, channel `ch`.
double head_at(const ExposedRun& r, const std::string& head, const Tensor& feature, int64_t cout, int64_t ch, int64_t y,
               int64_t x) {
  const int64_t cin = feature.dim(1);
  const float* w = r.weights.get(head + "/weights", {1, 1, cin, cout}).data<float>();
  double sum = r.weights.get(head + "/biases", {cout}).data<float>()[ch];
  for (int64_t c = 0; c < cin; ++c) sum += static_cast<double>(at(feature, c, y, x)) * w[c * cout + ch];
  return sum;
}

// Anchor `index` decoded by hand (TF box coder, scales 10, 10, 5, 5) from encodings (ty, tx, th, tw) and the
// face logit; checked against the model's decoded_boxes / anchor_scores.
void check_anchor(const ExposedRun& r, int64_t index, const double t[4], double logit) {
  const float* a = r.weights.get("Output/extra_dim", {1, models::kFaceSsdAnchors, 4}).data<float>() + 4 * index;
  const double ah = a[2] - a[0], aw = a[3] - a[1], acy = a[0] + ah / 2, acx = a[1] + aw / 2;
  const double cy = t[0] / 10 * ah + acy, cx = t[1] / 10 * aw + acx;
  const double h = std::exp(t[2] / 5) * ah, w = std::exp(t[3] / 5) * aw;
  const double expect[4] = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
  const float* got = r.out.at(models::kFaceSsdDecodedBoxes).data<float>() + 4 * index;
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(got[k], expect[k], 2e-5) << "anchor " << index << " coordinate " << k;
  EXPECT_NEAR(r.out.at(models::kFaceSsdAnchorScores).data<float>()[index], 1 / (1 + std::exp(-logit)), 1e-5)
      << "anchor " << index;
}

void check_heads(const ExposedRun& r) {
  // Level 0: block 11's 32x32 map, 3 anchors a cell; anchors 0 .. 3071 in (y, x, anchor) order.
  const Tensor& f11 = r.out.at(kBlock11);
  ASSERT_EQ(shape_str(f11.shape()), "[1,512,32,32]");
  const std::pair<int, int> cells[] = {{0, 0}, {5, 17}, {31, 30}};
  for (const auto& [y, x] : cells) {
    for (int a = 0; a < 3; ++a) {
      double t[4];
      for (int k = 0; k < 4; ++k) {
        t[k] = head_at(r, kBox0, f11, 12, a * 4 + k, y, x);
        EXPECT_NEAR(at(r.out.at(kBox0), a * 4 + k, y, x), t[k], 1e-4);
      }
      const double logit = head_at(r, kClass0, f11, 9, a * 3 + 1, y, x);
      EXPECT_NEAR(at(r.out.at(kClass0), a * 3 + 1, y, x), logit, 1e-4);
      check_anchor(r, (y * 32 + x) * 3 + a, t, logit);
    }
  }
  // Level 5: extra 7's 1x1 map, 6 anchors: the last six, 5112 .. 5117 (3 * 32^2 + 6 * (16^2 + 8^2 + 4^2 + 2^2)).
  const Tensor& f7 = r.out.at(kExtra7);
  ASSERT_EQ(shape_str(f7.shape()), "[1,128,1,1]");
  for (int a = 0; a < 6; ++a) {
    double t[4];
    for (int k = 0; k < 4; ++k) t[k] = head_at(r, kBox5, f7, 24, a * 4 + k, 0, 0);
    check_anchor(r, 5112 + a, t, head_at(r, kClass5, f7, 18, a * 3 + 1, 0, 0));
  }
}

TEST(FaceSsdReference, LayersMatchHandComputedValues) {
  SSDX_NEED_FACE(dir);
  for (bool fold : {false, true}) {
    SCOPED_TRACE(fold ? "BatchNorm folded" : "BatchNorm kept");
    const ExposedRun r = run_exposed(dir, fold);
    check_conv0(r);
    check_heads(r);
  }
}

TEST(FaceSsdReference, ModelCarriesTheDetectorContractAndMetadata) {
  SSDX_NEED_FACE(dir);
  const Graph g = load_onnx_bytes(models::face_ssd_model_bytes(dir, {}), "face-ssd", "");
  EXPECT_EQ(g.metadata.at("ssdx.input.channel_order"), "RGB");
  EXPECT_EQ(g.metadata.at("ssdx.input.mean"), "0.5,0.5,0.5");
  EXPECT_EQ(g.metadata.at("ssdx.input.std"), "0.5,0.5,0.5");
  EXPECT_EQ(g.metadata.at("ssdx.input.resize"), "stretch");
  EXPECT_EQ(g.metadata.at("ssdx.input.interpolation"), "bilinear");
  EXPECT_EQ(g.metadata.at("ssdx.labels"), "1 face");
  EXPECT_EQ(g.metadata.at("ssdx.detect.min_score"), "0.5");
  EXPECT_FALSE(g.metadata.at("ssdx.model.description").empty());
  int batchnorms = 0;
  for (const Node& n : g.nodes) batchnorms += n.op_type == "BatchNormalization";
  EXPECT_EQ(batchnorms, 13);
  models::FaceSsdOptions folded;
  folded.fold_bn = true;
  batchnorms = 0;
  for (const Node& n : load_onnx_bytes(models::face_ssd_model_bytes(dir, folded), "face-ssd", "").nodes)
    batchnorms += n.op_type == "BatchNormalization";
  EXPECT_EQ(batchnorms, 0);
}

TEST(FaceSsdReference, ImporterRefusesWrongWeights) {
  SSDX_NEED_FACE(dir);
  // A manifest whose tensors are fine but not this network's: the importer names the missing tensor.
  const std::filesystem::path other = std::filesystem::path(::testing::TempDir()) / ("ssdx_face_other_" + std::to_string(getpid()));
  std::filesystem::create_directories(other);
  write_file_bytes((other / models::kFaceSsdManifest).string(),
                   R"([{"paths": ["w.bin"], "weights": [{"name": "x", "shape": [1], "dtype": "float32"}]}])");
  write_file_bytes((other / "w.bin").string(), std::string(4, '\0'));
  try {
    models::face_ssd_model_bytes(other.string(), {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'MobilenetV1/Conv2d_0_pointwise/weights' is missing"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(other);
  models::FaceSsdOptions bad;
  bad.opset = 9;
  EXPECT_THROW(models::face_ssd_model_bytes(dir, bad), Error);
  bad.opset = 12;
  bad.expose_values = {"no such value"};
  EXPECT_THROW(models::face_ssd_model_bytes(dir, bad), Error);
}

}  // namespace
}  // namespace ssdx::test
