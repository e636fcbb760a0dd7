#pragma once
// How a detector model wants to be used, read from its ONNX metadata_props (docs/model_metadata.md): the input's
// preprocessing (channel order, mean/std, resize mode, interpolation, letterbox padding), its label map, the
// default score threshold and a description. Missing keys keep the ssd-12 defaults; the command line may override.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ssdx::app {

// The metadata keys (shared with the model generators, which write them).
inline constexpr const char* kMetaChannelOrder = "ssdx.input.channel_order";
inline constexpr const char* kMetaMean = "ssdx.input.mean";
inline constexpr const char* kMetaStd = "ssdx.input.std";
inline constexpr const char* kMetaResize = "ssdx.input.resize";
inline constexpr const char* kMetaPadValue = "ssdx.input.pad_value";
inline constexpr const char* kMetaInterpolation = "ssdx.input.interpolation";
inline constexpr const char* kMetaLabels = "ssdx.labels";
inline constexpr const char* kMetaMinScore = "ssdx.detect.min_score";
inline constexpr const char* kMetaDescription = "ssdx.model.description";
// Which SSD family's output convention the model follows, and how its image input is laid out.
inline constexpr const char* kMetaFamily = "ssdx.model.family";
inline constexpr const char* kMetaLayout = "ssdx.input.layout";

// The values of ssdx.model.family.
inline constexpr const char* kFamilySsd12 = "ssd-12";            // bboxes [1,n,4] normalised, labels, scores
inline constexpr const char* kFamilyGluonCv = "gluon-cv";        // ids/scores [B,100,1], bboxes [B,100,4] pixels, -1 pad
inline constexpr const char* kFamilyMmdetSsd300 = "mmdet-ssd300";  // 12 raw head outputs (needs add-postprocess)
inline constexpr const char* kFamilyMmdeploy = "mmdeploy";       // dets [N,200,5] pixels + labels [N,200] 0-based
inline constexpr const char* kFamilyTorchvision = "torchvision";  // boxes [n,4] pixels, scores [n], labels [n] COCO-91

// The values of ssdx.input.layout.
inline constexpr const char* kLayoutNchw = "NCHW";  // [B,3,H,W], the default
inline constexpr const char* kLayoutNhwc = "NHWC";  // [B,H,W,3] (gluon-cv export_block)
inline constexpr const char* kLayoutChw = "CHW";    // [3,H,W], unbatched (torchvision)

// Built-in label sets ssdx.labels (or --labels) may name instead of listing lines.
inline constexpr const char* kLabelsVoc = "@voc";        // the 20 VOC classes, ids 0..19
inline constexpr const char* kLabelsCoco80 = "@coco80";  // COCO's 80 classes, ids 0..79
inline constexpr const char* kLabelsCoco91 = "@coco91";  // torchvision's COCO-91 ids 1..90, its 10 gaps named "N/A"

enum class ChannelOrder { Rgb, Bgr };
enum class Family { Ssd12, GluonCv, MmdetSsd300, Mmdeploy, Torchvision };
enum class Layout { Nchw, Nhwc, Chw };
enum class ResizeMode { Stretch, Letterbox };  // letterbox: keep aspect, centre, pad
enum class Interpolation { Bilinear, PillowBilinear };

// x[c] = (pixel[c] / 255 - mean[c]) / std[c], channels (and mean/std) in `channel_order`.
struct InputSpec {
  ChannelOrder channel_order = ChannelOrder::Rgb;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  ResizeMode resize = ResizeMode::Stretch;
  std::optional<Layout> layout;  // nullopt: not in the metadata (read from the input's shape)
  uint8_t pad_value = 0;  // letterbox padding, a pixel value before normalisation
  Interpolation interpolation = Interpolation::Bilinear;
};

using LabelMap = std::map<int64_t, std::string>;  // label id -> class name

// COCO's 80 classes as the SSD models number them, 1..80: the labels of a model that names none.
LabelMap coco_labels();

struct ModelSpec {
  InputSpec input;
  LabelMap labels = coco_labels();
  float min_score = 0.3f;
  std::string description;
  std::optional<Family> family;  // nullopt: not in the metadata (read from the outputs)
};

Family parse_family(const std::string& text, const std::string& where);
Layout parse_layout(const std::string& text, const std::string& where);
const char* family_name(Family family);
const char* layout_name(Layout layout);

// The label set a kLabels* name ("@voc", "@coco80", "@coco91") stands for; nullopt for any other text.
std::optional<LabelMap> builtin_labels(const std::string& name);

// The spec from a model's metadata; `where` (the model's path) starts every error.
ModelSpec parse_model_spec(const std::map<std::string, std::string>& metadata, const std::string& where);

// "<id> <name>" lines (name = the rest of the line; empty lines skipped), or one built-in set's name (@voc...). With `allow_plain_names`, a text whose
// first line does not start with an id is read as plain names, one a line, numbered from 0.
LabelMap parse_labels(const std::string& text, const std::string& where, bool allow_plain_names);
LabelMap load_labels_file(const std::string& path);
// The "<id> <name>" lines parse_labels reads, in id order.
std::string format_labels(const LabelMap& labels);

// The class name of `label`, "class_<n>" when the map has none.
std::string class_name(const LabelMap& labels, int64_t label);

ResizeMode parse_resize_mode(const std::string& text, const std::string& where);
Interpolation parse_interpolation(const std::string& text, const std::string& where);
const char* resize_mode_name(ResizeMode mode);
const char* interpolation_name(Interpolation interpolation);

// What the command line (or an API caller) sets over the model's own spec.
struct SpecOverrides {
  std::optional<ResizeMode> resize;
  std::optional<Interpolation> interpolation;
  std::optional<LabelMap> labels;
  std::optional<Family> family;  // --family: over the metadata and the outputs' names
};
void apply_overrides(const SpecOverrides& overrides, ModelSpec& spec);

}  // namespace ssdx::app
