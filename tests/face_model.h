#pragma once
// The trained SSD-MobileNetV1 face detector for the tests: face-api's TF.js weights fetched by
// scripts/fetch_face_weights.sh (once per process), and the imported model built from them (once per variant).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>

#include "app/detection.h"
#include "app/detection_match.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "models/face_ssd.h"
#include "tests/shell.h"

namespace ssdx::test {

// The folder holding the manifest, the shard and the demo photos sample1.jpg ... sample6.jpg; "" when they cannot
// be had (then `why` says why).
inline std::string face_weights_dir(std::string* why = nullptr) {
  static std::string dir, reason;
  static const bool fetched = [] {
    std::string out;
    const int rc =
        run_shell("bash " + shell_quote(std::string(SSDX_SOURCE_DIR) + "/scripts/fetch_face_weights.sh"), &out);
    (rc == 0 ? dir : reason) = last_line(out);
    if (rc == 0 && dir.empty()) reason = "fetch_face_weights.sh printed no folder";
    return true;
  }();
  (void)fetched;
  if (why) *why = reason;
  return dir;
}

// SSDX_REQUIRE_FACE=1: missing face weights fail the tests that need them instead of skipping them.
inline bool face_required() {
  const char* v = std::getenv("SSDX_REQUIRE_FACE");
  return v && std::string(v) == "1";
}

// The imported model with BatchNorm kept or folded, written once per process under the test temp dir (removed at exit).
inline const std::string& face_model_path(const std::string& weights_dir, bool fold_bn) {
  struct Files {
    std::map<bool, std::string> paths;
    ~Files() {
      for (const auto& [fold, path] : paths) std::remove(path.c_str());
    }
  };
  static Files files;
  auto it = files.paths.find(fold_bn);
  if (it == files.paths.end()) {
    const std::string path = ::testing::TempDir() + "ssdx_face_ssd_" + (fold_bn ? "folded_" : "bn_") +
                             std::to_string(getpid()) + ".onnx";
    models::FaceSsdOptions o;
    o.fold_bn = fold_bn;
    models::write_face_ssd_model(weights_dir, o, path);
    it = files.paths.emplace(fold_bn, path).first;
  }
  return it->second;
}

// The model's input for a photo as its metadata says (FaceSsdReference checks the metadata): stretched bilinearly
// to 512x512, x = pixel/127.5 - 1.
inline Tensor face_input(const app::Image& image) {
  app::InputSpec spec;
  spec.mean = spec.std = {0.5f, 0.5f, 0.5f};
  return app::preprocess(image, models::kFaceSsdInputSize, models::kFaceSsdInputSize, spec);
}

// IoU of a detection with a box {x0, y0, x1, y1} in the photo's pixels.
inline double iou_with(const app::Detection& d, const float box[4]) {
  app::Detection b = d;
  b.x0 = box[0], b.y0 = box[1], b.x1 = box[2], b.y1 = box[3];
  return app::iou(d, b);
}

}  // namespace ssdx::test

// First statement of a test that needs the face weights: sets `dir_var` to their folder, or skips the test (fails
// it under SSDX_REQUIRE_FACE=1).
#define SSDX_NEED_FACE(dir_var)                                                                              \
  std::string dir_var;                                                                                       \
  do {                                                                                                       \
    std::string ssdx_face_why_;                                                                              \
    dir_var = ::ssdx::test::face_weights_dir(&ssdx_face_why_);                                               \
    if (dir_var.empty()) {                                                                                   \
      if (::ssdx::test::face_required()) FAIL() << "SSDX_REQUIRE_FACE=1 but no face weights: " << ssdx_face_why_; \
      GTEST_SKIP() << "no face weights: " << ssdx_face_why_;                                                 \
    }                                                                                                        \
  } while (0)
