// app/input_spec: the metadata contract of docs/model_metadata.md: defaults, every key read, malformed values refused
// with one line naming the model and the key, label maps and labels files.
#include "app/input_spec.h"

#include <gtest/gtest.h>

#include "graph/error.h"
#include "graph/tensor_io.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::app {
namespace {

using Metadata = std::map<std::string, std::string>;

// The one-line error parse_model_spec gives for `metadata`.
std::string spec_error(const Metadata& metadata) {
  try {
    parse_model_spec(metadata, "m.onnx");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const Metadata& metadata, const std::string& part) {
  const std::string e = spec_error(metadata);
  EXPECT_NE(e.find(part), std::string::npos) << e;
  EXPECT_EQ(e.rfind("m.onnx: ", 0), 0u) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(InputSpec, MissingKeysKeepTheSsd12Defaults) {
  const ModelSpec s = parse_model_spec({{"unrelated", "x"}}, "m.onnx");
  EXPECT_EQ(s.input.channel_order, ChannelOrder::Rgb);
  EXPECT_EQ(s.input.mean, (std::array<float, 3>{0.485f, 0.456f, 0.406f}));
  EXPECT_EQ(s.input.std, (std::array<float, 3>{0.229f, 0.224f, 0.225f}));
  EXPECT_EQ(s.input.resize, ResizeMode::Stretch);
  EXPECT_EQ(s.input.interpolation, Interpolation::Bilinear);
  EXPECT_EQ(s.input.pad_value, 0);
  EXPECT_FLOAT_EQ(s.min_score, 0.3f);
  ASSERT_EQ(s.labels.size(), 80u);
  EXPECT_EQ(s.labels.at(1), "person");
  EXPECT_EQ(s.labels.at(80), "toothbrush");
  EXPECT_EQ(s.description, "");
}

TEST(InputSpec, ReadsEveryKey) {
  const ModelSpec s = parse_model_spec({{kMetaChannelOrder, "BGR"},
                                        {kMetaMean, "0.5, 0.25 ,0"},
                                        {kMetaStd, "1,2,0.5"},
                                        {kMetaResize, "letterbox"},
                                        {kMetaPadValue, "114"},
                                        {kMetaInterpolation, "pillow-bilinear"},
                                        {kMetaLabels, "0 background\n1 face\n\n7 traffic light\r\n"},
                                        {kMetaMinScore, "0.5"},
                                        {kMetaDescription, "a face detector"}},
                                       "m.onnx");
  EXPECT_EQ(s.input.channel_order, ChannelOrder::Bgr);
  EXPECT_EQ(s.input.mean, (std::array<float, 3>{0.5f, 0.25f, 0.f}));
  EXPECT_EQ(s.input.std, (std::array<float, 3>{1.f, 2.f, 0.5f}));
  EXPECT_EQ(s.input.resize, ResizeMode::Letterbox);
  EXPECT_EQ(s.input.pad_value, 114);
  EXPECT_EQ(s.input.interpolation, Interpolation::PillowBilinear);
  EXPECT_EQ(s.labels, (LabelMap{{0, "background"}, {1, "face"}, {7, "traffic light"}}));
  EXPECT_FLOAT_EQ(s.min_score, 0.5f);
  EXPECT_EQ(s.description, "a face detector");
  EXPECT_EQ(class_name(s.labels, 1), "face");
  EXPECT_EQ(class_name(s.labels, 2), "class_2");
}

TEST(InputSpec, MalformedValuesFailWithOneLine) {
  expect_error({{kMetaChannelOrder, "rgb"}}, "ssdx.input.channel_order 'rgb' is neither RGB nor BGR");
  expect_error({{kMetaMean, "0.5,0.5"}}, "ssdx.input.mean '0.5,0.5' needs 3 comma-separated numbers, has 2");
  expect_error({{kMetaMean, "0.5,0.5,0.5,0.5"}}, "has 4");
  expect_error({{kMetaMean, "0.5,x,0.5"}}, "value 2 is not a finite number");
  expect_error({{kMetaMean, "0.5,nan,0.5"}}, "value 2 is not a finite number");
  expect_error({{kMetaMean, "0.5,,0.5"}}, "value 2 is not a finite number");
  expect_error({{kMetaStd, "0.2,0,0.2"}}, "ssdx.input.std '0.2,0,0.2' has a value <= 0");
  expect_error({{kMetaStd, "0.2,-1,0.2"}}, "has a value <= 0");
  expect_error({{kMetaStd, "0.2,inf,0.2"}}, "value 2 is not a finite number");
  expect_error({{kMetaStd, "1e400,1,1"}}, "value 1 is not a finite number");
  expect_error({{kMetaResize, "crop"}}, "ssdx.input.resize: unknown resize mode 'crop'");
  expect_error({{kMetaInterpolation, "bicubic"}}, "ssdx.input.interpolation: unknown interpolation 'bicubic'");
  expect_error({{kMetaPadValue, "256"}}, "ssdx.input.pad_value '256' is not an integer 0 to 255");
  expect_error({{kMetaPadValue, "1.5"}}, "is not an integer 0 to 255");
  expect_error({{kMetaMinScore, "1.5"}}, "ssdx.detect.min_score '1.5' is not 0 to 1");
  expect_error({{kMetaMinScore, "nan"}}, "is not 0 to 1");
  expect_error({{kMetaLabels, "1 person\ncar\n"}}, "ssdx.labels: labels line 'car' does not start with a class id");
  expect_error({{kMetaLabels, "1 person\n1 car\n"}}, "label id 1 given twice");
  expect_error({{kMetaLabels, "1\n"}}, "label 1 has no name");
  expect_error({{kMetaLabels, "2000000 big\n"}}, "label id 2000000 out of range");
  expect_error({{kMetaLabels, "-1 neg\n"}}, "label id -1 out of range");
  expect_error({{kMetaLabels, "99999999999 x\n"}}, "does not start with a class id");
  expect_error({{kMetaLabels, "1 " + std::string(300, 'a')}}, "name is 300 bytes (at most 256)");
  expect_error({{kMetaLabels, "\n\n"}}, "no labels");
  // Model-made bytes are escaped in the message.
  expect_error({{kMetaResize, "a\nb"}}, "'a\\x0ab'");
}

TEST(InputSpec, LabelsFilesWithIdsOrPlainNames) {
  const std::string dir = test::temp_dir();
  write_file_bytes(dir + "/ids.txt", "3 cat\n1 dog\n");
  EXPECT_EQ(load_labels_file(dir + "/ids.txt"), (LabelMap{{1, "dog"}, {3, "cat"}}));
  write_file_bytes(dir + "/names.txt", "background\nface\n\nteddy bear\n");
  EXPECT_EQ(load_labels_file(dir + "/names.txt"), (LabelMap{{0, "background"}, {1, "face"}, {2, "teddy bear"}}));
  write_file_bytes(dir + "/mixed.txt", "1 dog\ncat\n");
  EXPECT_THROW(load_labels_file(dir + "/mixed.txt"), Error);
  EXPECT_THROW(load_labels_file(dir + "/missing.txt"), Error);
  // format_labels writes what parse_labels reads.
  EXPECT_EQ(parse_labels(format_labels(coco_labels()), "x", false), coco_labels());
}

TEST(InputSpec, OverridesWinOverTheModel) {
  ModelSpec s = parse_model_spec({{kMetaResize, "letterbox"}, {kMetaLabels, "1 face"}}, "m.onnx");
  SpecOverrides o;
  o.resize = ResizeMode::Stretch;
  o.interpolation = Interpolation::PillowBilinear;
  o.labels = LabelMap{{1, "head"}};
  apply_overrides(o, s);
  EXPECT_EQ(s.input.resize, ResizeMode::Stretch);
  EXPECT_EQ(s.input.interpolation, Interpolation::PillowBilinear);
  EXPECT_EQ(class_name(s.labels, 1), "head");
  apply_overrides({}, s);  // nothing given: nothing changes
  EXPECT_EQ(s.input.resize, ResizeMode::Stretch);
}

}  // namespace
}  // namespace ssdx::app
