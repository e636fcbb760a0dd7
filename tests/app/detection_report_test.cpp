// The text and JSON that `ssdx detect` prints, and the COCO class names behind them.
#include "app/detection_report.h"

#include <gtest/gtest.h>

#include <set>

#include "app/coco_labels.h"

namespace ssdx::app {
namespace {

TEST(CocoLabels, EightyNamesInCocoOrder) {
  EXPECT_EQ(app::coco_class_name(1), "person");
  EXPECT_EQ(app::coco_class_name(3), "car");
  EXPECT_EQ(app::coco_class_name(10), "traffic light");
  EXPECT_EQ(app::coco_class_name(63), "tv");
  EXPECT_EQ(app::coco_class_name(80), "toothbrush");
  EXPECT_EQ(app::coco_class_name(0), "class_0");
  EXPECT_EQ(app::coco_class_name(81), "class_81");
  EXPECT_EQ(app::coco_class_name(-3), "class_-3");
  std::set<std::string> names;
  for (int64_t label = 1; label <= app::kNumCocoClasses; ++label) names.insert(app::coco_class_name(label));
  EXPECT_EQ(names.size(), 80u);
}

TEST(DetectionReport, TextHasOneLinePerObject) {
  const app::ImageDetections r{"a.png", 100, 50, {{10, 0.8765f, 1, 2, 30.25f, 40}, {200, 0.5f, 0, 0, 100, 50}}};
  EXPECT_EQ(app::format_text(r),
            "a.png  traffic light  0.877  1.0 2.0 30.2 40.0\n"
            "a.png  class_200  0.500  0.0 0.0 100.0 50.0\n");
  EXPECT_EQ(app::format_text({"b.png", 1, 1, {}}), "");
}

TEST(DetectionReport, JsonEscapesStringsAndNestsObjects) {
  const std::vector<app::ImageDetections> results = {{"we\"ird\\na\tme.png", 4, 3, {{1, 0.25f, 0, 0.5f, 2, 3}}},
                                                {"empty.png", 8, 8, {}}};
  const std::string json = app::format_json("m.onnx", results);
  EXPECT_EQ(json,
            "{\"model\": \"m.onnx\", \"detections\": [\n"
            "  {\"image\": \"we\\\"ird\\\\na\\u0009me.png\", \"width\": 4, \"height\": 3, \"objects\": [\n"
            "    {\"label\": 1, \"class\": \"person\", \"score\": 0.25, \"box\": [0.0, 0.5, 2.0, 3.0]}\n"
            "  ]},\n"
            "  {\"image\": \"empty.png\", \"width\": 8, \"height\": 8, \"objects\": []}\n"
            "]}\n");
  EXPECT_EQ(app::format_json("m.onnx", {}), "{\"model\": \"m.onnx\", \"detections\": []}\n");
}

}  // namespace
}  // namespace ssdx::app
