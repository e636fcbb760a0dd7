#pragma once
// The generated gluon-cv SSDs (MXNet 1.9 mx2onnx's form: slice_like anchors, in-graph decode, per-class rows, one
// class-agnostic NonMaxSuppression over C * N rows and its re-sort tail) against onnxruntime: the same detections
// (count, class ids, order up to near-ties: scores within 1e-5 may come either way), scores within 1e-4, boxes
// within 1e-4 of the input side (they are in input pixels), on random inputs; VOC and COCO, and export_block's NHWC
// 0..255 front.

#include <cstdio>
#include <set>

#include "engine/session.h"
#include "models/gluon_ssd.h"
#include "tests/ort_oracle.h"
#include "tests/ssd_parity.h"
#include "tests/test_util.h"

namespace ssdx::test {

// Runs the generated model in ssdx and onnxruntime on one random input and checks the detections match.
inline void expect_same_gluon_detections(models::GluonArch arch, int classes, bool export_block, uint32_t seed) {
  models::GluonSsdOptions o;
  o.arch = arch;
  o.classes = classes;
  o.export_block = export_block;
  const TempModelFile model("gluon", [&](const std::string& path) { models::write_gluon_ssd_model(o, path); });
  const int64_t s = models::gluon_ssd_facts(arch, classes).size;
  const TensorMap feeds = {{"data", export_block ? random_tensor({1, s, s, 3}, seed, 0.f, 255.f)
                                                 : random_tensor({1, 3, s, s}, seed, -2.f, 2.f)}};
  const TensorMap ours = Session::load(model.path)->run(feeds), ref = run_ort(model.path, feeds);
  ASSERT_EQ(shape_str(ours.at("ids").shape()), "[1,100,1]");
  ASSERT_EQ(shape_str(ours.at("bboxes").shape()), "[1,100,4]");
  const Tensor& ids = ref.at("ids");
  int64_t kept = 0;
  std::set<float> distinct;
  for (int64_t i = 0; i < 100; ++i) {
    if (ids.data<float>()[i] < 0) continue;  // the -1 padding
    ++kept;
    distinct.insert(ids.data<float>()[i]);
    ASSERT_LT(ids.data<float>()[i], static_cast<float>(classes));
  }
  EXPECT_GT(kept, 10);  // something to compare, in several classes
  EXPECT_GE(distinct.size(), 3u);
  // Boxes are in input pixels: 1e-4 of the side, the tolerance of the 0..1 boxes of the other families.
  auto as_detections = [](const TensorMap& m) {
    return TensorMap{{"labels", m.at("ids")}, {"scores", m.at("scores")}, {"bboxes", m.at("bboxes")}};
  };
  const SsdDetectionsMatch m = match_detections(as_detections(ours), as_detections(ref), kSsdTolerance * s);
  EXPECT_TRUE(m.ok) << m.message;
  EXPECT_LE(m.max_score_diff, kSsdTolerance);
}

}  // namespace ssdx::test
