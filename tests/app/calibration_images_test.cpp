// Calibration images: only a model with one float32 image input can be calibrated on photos.
#include <gtest/gtest.h>

#include "app/calibration_images.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"

namespace ssdx {
namespace {

TEST(Calibration, RefusesModelsThatAreNotOneImageInput) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 4});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {1, 4});
  const Graph g = load_onnx_bytes(b.serialize(), "flat.onnx", "");
  try {
    app::load_calibration_images(g, {"a.png"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("float32 image ([1,3,H,W], [1,H,W,3] or [3,H,W])"), std::string::npos) << e.what();
  }
}

// ---- opset upgrade ----

}  // namespace
}  // namespace ssdx
