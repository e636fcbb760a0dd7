// The family metadata keys (ssdx.model.family, ssdx.input.layout) and the built-in label sets ssdx.labels may name
// (@voc, @coco80, @coco91), checked against the class lists as their sources publish them (gluon-cv's
// VOCDetection.CLASSES, COCO 2017's category ids, torchvision's COCO_V1 categories with "N/A" at the unused ids).
#include <gtest/gtest.h>

#include "app/coco_labels.h"
#include "app/input_spec.h"
#include "graph/error.h"

namespace ssdx::app {
namespace {

std::string spec_error(const std::map<std::string, std::string>& metadata) {
  try {
    parse_model_spec(metadata, "m.onnx");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FamilyMetadata, AbsentKeysLeaveFamilyAndLayoutToTheSignature) {
  const ModelSpec s = parse_model_spec({}, "m.onnx");
  EXPECT_FALSE(s.family.has_value());
  EXPECT_FALSE(s.input.layout.has_value());
}

TEST(FamilyMetadata, ReadsEveryFamilyAndLayout) {
  const std::pair<const char*, Family> families[] = {{"ssd-12", Family::Ssd12},
                                                     {"gluon-cv", Family::GluonCv},
                                                     {"mmdet-ssd300", Family::MmdetSsd300},
                                                     {"mmdeploy", Family::Mmdeploy},
                                                     {"torchvision", Family::Torchvision}};
  for (const auto& [name, family] : families) {
    EXPECT_EQ(parse_model_spec({{kMetaFamily, name}}, "m.onnx").family, family) << name;
    EXPECT_STREQ(family_name(family), name);
  }
  const std::pair<const char*, Layout> layouts[] = {{"NCHW", Layout::Nchw}, {"NHWC", Layout::Nhwc}, {"CHW", Layout::Chw}};
  for (const auto& [name, layout] : layouts) {
    EXPECT_EQ(parse_model_spec({{kMetaLayout, name}}, "m.onnx").input.layout, layout) << name;
    EXPECT_STREQ(layout_name(layout), name);
  }
}

TEST(FamilyMetadata, UnknownValuesFailWithOneLine) {
  EXPECT_EQ(spec_error({{kMetaFamily, "yolo"}}),
            "m.onnx: metadata ssdx.model.family: unknown model family 'yolo' (ssd-12, gluon-cv, mmdet-ssd300, "
            "mmdeploy or torchvision)");
  EXPECT_EQ(spec_error({{kMetaLayout, "nchw"}}),
            "m.onnx: metadata ssdx.input.layout: unknown input layout 'nchw' (NCHW, NHWC or CHW)");
  EXPECT_EQ(spec_error({{kMetaLabels, "@imagenet"}}),
            "m.onnx: metadata ssdx.labels: unknown label set '@imagenet' (@voc, @coco80 or @coco91)");
}

TEST(FamilyMetadata, VocIsGluonCvsTwentyClassesFromZero) {
  const LabelMap voc = parse_model_spec({{kMetaLabels, "@voc"}}, "m.onnx").labels;
  ASSERT_EQ(voc.size(), 20u);
  EXPECT_EQ(voc.begin()->first, 0);
  EXPECT_EQ(voc.at(0), "aeroplane");
  EXPECT_EQ(voc.at(6), "car");
  EXPECT_EQ(voc.at(14), "person");
  EXPECT_EQ(voc.at(19), "tvmonitor");
}

TEST(FamilyMetadata, Coco80IsTheEightyClassesFromZero) {
  const LabelMap coco = parse_model_spec({{kMetaLabels, "@coco80"}}, "m.onnx").labels;
  ASSERT_EQ(coco.size(), 80u);
  EXPECT_EQ(coco.at(0), "person");
  EXPECT_EQ(coco.at(2), "car");
  EXPECT_EQ(coco.at(16), "dog");
  EXPECT_EQ(coco.at(79), "toothbrush");
  EXPECT_EQ(coco.count(80), 0u);
}

TEST(FamilyMetadata, Coco91KeepsCocoCategoryIdsWithTheirGaps) {
  const LabelMap coco = parse_model_spec({{kMetaLabels, "@coco91"}}, "m.onnx").labels;
  ASSERT_EQ(coco.size(), 90u);
  // COCO 2017 category ids: person 1, car 3, stop sign 13 (after the gap at 12), dog 18, backpack 27,
  // wine glass 46, dining table 67, toilet 70, tv 72, book 84, toothbrush 90.
  const std::pair<int64_t, const char*> known[] = {{1, "person"},     {3, "car"},    {11, "fire hydrant"},
                                                   {13, "stop sign"}, {18, "dog"},   {27, "backpack"},
                                                   {46, "wine glass"}, {67, "dining table"}, {70, "toilet"},
                                                   {72, "tv"},        {84, "book"},  {90, "toothbrush"}};
  for (const auto& [id, name] : known) EXPECT_EQ(coco.at(id), name) << id;
  int gaps = 0;
  for (int64_t id : {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}) {
    EXPECT_EQ(coco.at(id), "N/A") << id;
    EXPECT_EQ(coco91_class_name(id), nullptr) << id;
    ++gaps;
  }
  EXPECT_EQ(gaps, 10);
  // Every COCO class appears once, in the same order as the contiguous 1..80 numbering.
  int64_t contiguous = 1;
  for (const auto& [id, name] : coco) {
    if (name == "N/A") continue;
    EXPECT_EQ(name, coco_class_name(contiguous++)) << id;
  }
  EXPECT_EQ(contiguous, 81);
}

TEST(FamilyMetadata, ALabelsFileMayNameABuiltInSet) {
  EXPECT_EQ(parse_labels("@voc\n", "f.txt", true).size(), 20u);
  EXPECT_EQ(parse_labels("@coco91", "f.txt", true).at(90), "toothbrush");
}

}  // namespace
}  // namespace ssdx::app
