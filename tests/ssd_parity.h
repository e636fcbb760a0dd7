#pragma once
// Parity of generated SSD models with onnxruntime: same detections (count, labels, order), boxes and scores within
// 1e-4. Shared by the default suite (small model) and the long suite (1200x1200, every variant).
#include <unistd.h>

#include <algorithm>
#include <random>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "tests/ort_oracle.h"
#include "tests/photos.h"
#include "tests/test_util.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "models/ssd_model.h"

namespace ssdx {
// gtest prints parameters through PrintTo found by argument-dependent lookup: name the variant, not its bytes.
inline void PrintTo(const models::SsdModelOptions& o, std::ostream* os) {
  *os << o.size << "x" << o.size << " opset " << o.opset << (o.fold_bn ? " folded" : " batchnorm")
      << (o.constant_view_shapes ? " constant views" : " dynamic views") << " seed " << o.seed;
}
}  // namespace ssdx

namespace ssdx::test {

struct SsdParityStats {
  double max_box_diff = 0, max_score_diff = 0;
  int64_t detections = 0;
  int64_t near_tie_swaps = 0;
};

constexpr double kSsdTolerance = 1e-4;  // boxes and scores, absolute
// Scores closer than this are a near-tie: two engines whose convolutions round differently (ORT folds BN into its
// convs, for one) can order them either way. Exact ties are ordered as ORT does (lower box index first, in NMS and
// TopK); near-ties are compared as an unordered group.
constexpr double kNearTie = 1e-5;

struct SsdDetectionsMatch {
  bool ok = true;
  std::string message;
  double max_box_diff = 0, max_score_diff = 0;
  int64_t near_tie_swaps = 0;  // detections whose position differs from ORT's inside a near-tie group
};

// Same count, and position by position the same label, box (within `box_tolerance`, kSsdTolerance for boxes in
// 0..1) and score, except that inside a run of ORT scores each within kNearTie of the next the detections may come
// in any order.
inline SsdDetectionsMatch match_detections(const TensorMap& ours, const TensorMap& ort,
                                           double box_tolerance = kSsdTolerance) {
  SsdDetectionsMatch m;
  const Tensor &la = ours.at("labels"), &lb = ort.at("labels");
  const Tensor &ba = ours.at("bboxes"), &bb = ort.at("bboxes");
  const Tensor &sa = ours.at("scores"), &sb = ort.at("scores");
  const int64_t n = lb.numel();
  if (la.numel() != n) {
    m.ok = false;
    m.message = "detection counts differ: " + std::to_string(la.numel()) + " vs ORT " + std::to_string(n);
    return m;
  }
  auto box_diff = [&](int64_t i, int64_t j) {
    double d = 0;
    for (int c = 0; c < 4; ++c) d = std::max(d, std::fabs(ba.float_at(4 * i + c) - bb.float_at(4 * j + c)));
    return d;
  };
  auto same = [&](int64_t i, int64_t j) {
    return la.int_at(i) == lb.int_at(j) && box_diff(i, j) <= box_tolerance &&
           std::fabs(sa.float_at(i) - sb.float_at(j)) <= kSsdTolerance;
  };
  for (int64_t begin = 0; begin < n;) {
    int64_t end = begin + 1;
    while (end < n && sb.float_at(end - 1) - sb.float_at(end) <= kNearTie) ++end;
    std::vector<bool> used(static_cast<size_t>(end - begin), false);
    for (int64_t i = begin; i < end; ++i) {
      int64_t match = -1;
      if (same(i, i) && !used[static_cast<size_t>(i - begin)]) match = i;
      for (int64_t j = begin; j < end && match < 0; ++j)
        if (!used[static_cast<size_t>(j - begin)] && same(i, j)) match = j;
      if (match < 0) {
        m.ok = false;
        m.message = "detection " + std::to_string(i) + " (label " + std::to_string(la.int_at(i)) + ", score " +
                    std::to_string(sa.float_at(i)) + ") has no counterpart in ORT's output near that position";
        return m;
      }
      used[static_cast<size_t>(match - begin)] = true;
      m.near_tie_swaps += match != i;
      m.max_box_diff = std::max(m.max_box_diff, box_diff(i, match));
      m.max_score_diff = std::max(m.max_score_diff, std::fabs(sa.float_at(i) - sb.float_at(match)));
    }
    begin = end;
  }
  return m;
}

// One file per variant and process (ctest runs tests in parallel processes).
inline std::string ssd_model_path(const models::SsdModelOptions& o) {
  const std::string path = std::string(SSDX_BINARY_DIR) + "/parity_ssd_" + std::to_string(getpid()) + "_" + std::to_string(o.size) + "_op" +
                           std::to_string(o.opset) + (o.fold_bn ? "_folded" : "_bn") +
                           (o.constant_view_shapes ? "_const" : "_dyn") + ".onnx";
  models::write_ssd_model(o, path);
  return path;
}

// The inputs every case runs: three real photos (when the photo folder is available) and two random images.
inline std::vector<std::pair<std::string, Tensor>> ssd_parity_inputs(int size) {
  std::vector<std::pair<std::string, Tensor>> inputs;
  const std::string dir = photo_dir();
  if (!dir.empty())
    for (const char* photo : {"astronaut.png", "coffee.png", "motorcycle_left.png"})
      inputs.emplace_back(photo, app::preprocess(app::load_image(dir + "/" + photo), size, size));
  for (uint32_t seed : {1u, 2u}) {
    Tensor t(DataType::Float, {1, 3, size, size});
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.f, 1.f);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = normal(rng);
    inputs.emplace_back("random_" + std::to_string(seed), t);
  }
  return inputs;
}

// Runs `model` in both engines on every input and checks the SSD parity contract; accumulates the differences.
inline void expect_ssd_parity(const std::string& model, int size, SsdParityStats& stats) {
  Session ours(load_onnx(model), SessionOptions{2});
  for (const auto& [name, image] : ssd_parity_inputs(size)) {
    SCOPED_TRACE(model + " on " + name);
    const TensorMap a = ours.run({{"image", image}});
    const TensorMap b = run_ort(model, {{"image", image}}, 2);
    const Tensor &labels = a.at("labels"), &ort_labels = b.at("labels");
    ASSERT_EQ(shape_str(labels.shape()), shape_str(ort_labels.shape()));
    EXPECT_GT(labels.numel(), 0) << "no detections: the generated weights should give some";
    const SsdDetectionsMatch m = match_detections(a, b);
    EXPECT_TRUE(m.ok) << m.message;
    stats.max_box_diff = std::max(stats.max_box_diff, m.max_box_diff);
    stats.max_score_diff = std::max(stats.max_score_diff, m.max_score_diff);
    stats.near_tie_swaps += m.near_tie_swaps;
    stats.detections += labels.numel();
  }
}

inline void report(const char* what, const SsdParityStats& s) {
  std::printf("[parity] %s: %lld detections, max |box diff| %.3g, max |score diff| %.3g, near-tie swaps %lld\n", what,
              static_cast<long long>(s.detections), s.max_box_diff, s.max_score_diff,
              static_cast<long long>(s.near_tie_swaps));
}

}  // namespace ssdx::test
