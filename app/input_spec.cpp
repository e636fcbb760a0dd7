// Parsing of the model-metadata contract (docs/model_metadata.md): every malformed value is a one-line error naming
// the model and the key.
#include "app/input_spec.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "graph/file_io.h"
#include "graph/printable.h"
#include "graph/error.h"
#include "app/coco_labels.h"

namespace ssdx::app {
namespace {

// Bounds that no real model comes near: a label map is a handful of classes, not a memory bomb.
constexpr int64_t kMaxLabelId = 1'000'000;
constexpr size_t kMaxLabels = 100'000;
constexpr size_t kMaxLabelName = 256;
constexpr size_t kMaxLabelsText = size_t{4} << 20;

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// A whole-string decimal number; nullopt when anything is left over or nothing was read.
std::optional<double> to_number(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || errno == ERANGE) return std::nullopt;
  return v;
}

std::array<float, 3> three_numbers(const std::string& text, const std::string& key, const std::string& where) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == ',') parts.emplace_back();
    else parts.back() += c;
  }
  if (parts.size() != 3)
    fail(where, ": metadata ", key, " '", printable(text), "' needs 3 comma-separated numbers, has ", parts.size());
  std::array<float, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    const std::optional<double> v = to_number(parts[i]);
    if (!v || !std::isfinite(*v) || std::fabs(*v) > 1e6)
      fail(where, ": metadata ", key, " '", printable(text), "': value ", i + 1, " is not a finite number");
    out[i] = static_cast<float>(*v);
  }
  return out;
}

// The id at the start of `line` and the rest after one run of blanks; nullopt when the line does not start with one.
std::optional<std::pair<int64_t, std::string>> id_line(const std::string& line) {
  size_t i = 0;
  if (i < line.size() && line[i] == '-') ++i;
  const size_t digits = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == digits || i - digits > 9 || (i < line.size() && line[i] != ' ' && line[i] != '\t')) return std::nullopt;
  const int64_t id = std::stoll(line.substr(0, i));
  return std::make_pair(id, trim(line.substr(i)));
}

}  // namespace

ResizeMode parse_resize_mode(const std::string& text, const std::string& where) {
  if (text == "stretch") return ResizeMode::Stretch;
  if (text == "letterbox") return ResizeMode::Letterbox;
  fail(where, ": unknown resize mode '", printable(text), "' (stretch or letterbox)");
}

Interpolation parse_interpolation(const std::string& text, const std::string& where) {
  if (text == "bilinear") return Interpolation::Bilinear;
  if (text == "pillow-bilinear") return Interpolation::PillowBilinear;
  fail(where, ": unknown interpolation '", printable(text), "' (bilinear or pillow-bilinear)");
}

const char* resize_mode_name(ResizeMode mode) { return mode == ResizeMode::Stretch ? "stretch" : "letterbox"; }
const char* interpolation_name(Interpolation i) {
  return i == Interpolation::Bilinear ? "bilinear" : "pillow-bilinear";
}

std::optional<LabelMap> builtin_labels(const std::string& name) {
  LabelMap labels;
  if (name == kLabelsVoc) {
    for (int64_t id = 0; id < kNumVocClasses; ++id) labels[id] = voc_class_name(id);
  } else if (name == kLabelsCoco80) {
    for (int64_t id = 0; id < kNumCocoClasses; ++id) labels[id] = coco_class_name(id + 1);
  } else if (name == kLabelsCoco91) {
    for (int64_t id = 1; id <= kNumCoco91Ids; ++id) {
      const char* n = coco91_class_name(id);
      labels[id] = n ? n : "N/A";
    }
  } else {
    return std::nullopt;
  }
  return labels;
}

Family parse_family(const std::string& text, const std::string& where) {
  for (Family f : {Family::Ssd12, Family::GluonCv, Family::MmdetSsd300, Family::Mmdeploy, Family::Torchvision})
    if (text == family_name(f)) return f;
  fail(where, ": unknown model family '", printable(text), "' (", kFamilySsd12, ", ", kFamilyGluonCv, ", ",
       kFamilyMmdetSsd300, ", ", kFamilyMmdeploy, " or ", kFamilyTorchvision, ")");
}

Layout parse_layout(const std::string& text, const std::string& where) {
  for (Layout l : {Layout::Nchw, Layout::Nhwc, Layout::Chw})
    if (text == layout_name(l)) return l;
  fail(where, ": unknown input layout '", printable(text), "' (", kLayoutNchw, ", ", kLayoutNhwc, " or ", kLayoutChw,
       ")");
}

const char* family_name(Family family) {
  switch (family) {
    case Family::Ssd12: return kFamilySsd12;
    case Family::GluonCv: return kFamilyGluonCv;
    case Family::MmdetSsd300: return kFamilyMmdetSsd300;
    case Family::Mmdeploy: return kFamilyMmdeploy;
    case Family::Torchvision: return kFamilyTorchvision;
  }
  return "?";
}

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::Nchw: return kLayoutNchw;
    case Layout::Nhwc: return kLayoutNhwc;
    case Layout::Chw: return kLayoutChw;
  }
  return "?";
}

LabelMap parse_labels(const std::string& text, const std::string& where, bool allow_plain_names) {
  if (!text.empty() && text[0] == '@') {
    const std::string name = trim(text.substr(0, text.find_last_not_of("\n") + 1));  // a file's final newline
    if (std::optional<LabelMap> set = builtin_labels(name)) return *set;
    fail(where, ": unknown label set '", printable(name), "' (", kLabelsVoc, ", ", kLabelsCoco80, " or ", kLabelsCoco91,
         ")");
  }
  if (text.size() > kMaxLabelsText) fail(where, ": labels are ", text.size(), " bytes (at most ", kMaxLabelsText, ")");
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = trim(text.substr(start, end - start));
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  const bool plain = allow_plain_names && !lines.empty() && !id_line(lines[0]);
  LabelMap labels;
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    std::pair<int64_t, std::string> entry;
    if (plain) {
      entry = {static_cast<int64_t>(n), line};
    } else {
      const auto parsed = id_line(line);
      if (!parsed) fail(where, ": labels line '", printable(line), "' does not start with a class id");
      entry = *parsed;
    }
    if (entry.first < 0 || entry.first > kMaxLabelId)
      fail(where, ": label id ", entry.first, " out of range (0 to ", kMaxLabelId, ")");
    if (entry.second.empty()) fail(where, ": label ", entry.first, " has no name");
    if (entry.second.size() > kMaxLabelName)
      fail(where, ": label ", entry.first, "'s name is ", entry.second.size(), " bytes (at most ", kMaxLabelName, ")");
    if (!labels.emplace(entry.first, entry.second).second) fail(where, ": label id ", entry.first, " given twice");
    if (labels.size() > kMaxLabels) fail(where, ": more than ", kMaxLabels, " labels");
  }
  if (labels.empty()) fail(where, ": no labels");
  return labels;
}

LabelMap load_labels_file(const std::string& path) {
  return parse_labels(read_regular_file(path, kMaxLabelsText + 1), path, true);
}

std::string format_labels(const LabelMap& labels) {
  std::string text;
  for (const auto& [id, name] : labels) text += std::to_string(id) + " " + name + "\n";
  return text;
}

std::string class_name(const LabelMap& labels, int64_t label) {
  const auto it = labels.find(label);
  return it != labels.end() ? it->second : "class_" + std::to_string(label);
}

LabelMap coco_labels() {
  LabelMap labels;
  for (int64_t id = 1; id <= kNumCocoClasses; ++id) labels[id] = coco_class_name(id);
  return labels;
}

ModelSpec parse_model_spec(const std::map<std::string, std::string>& metadata, const std::string& where) {
  ModelSpec spec;
  auto value = [&](const char* key) -> const std::string* {
    const auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
  };
  InputSpec& in = spec.input;
  if (const std::string* v = value(kMetaChannelOrder)) {
    if (*v == "RGB") in.channel_order = ChannelOrder::Rgb;
    else if (*v == "BGR") in.channel_order = ChannelOrder::Bgr;
    else fail(where, ": metadata ", kMetaChannelOrder, " '", printable(*v), "' is neither RGB nor BGR");
  }
  if (const std::string* v = value(kMetaMean)) in.mean = three_numbers(*v, kMetaMean, where);
  if (const std::string* v = value(kMetaStd)) {
    in.std = three_numbers(*v, kMetaStd, where);
    for (float s : in.std)
      if (!(s > 0)) fail(where, ": metadata ", kMetaStd, " '", printable(*v), "' has a value <= 0");
  }
  if (const std::string* v = value(kMetaResize)) in.resize = parse_resize_mode(*v, where + ": metadata " + kMetaResize);
  if (const std::string* v = value(kMetaInterpolation))
    in.interpolation = parse_interpolation(*v, where + ": metadata " + kMetaInterpolation);
  if (const std::string* v = value(kMetaPadValue)) {
    const std::optional<double> pad = to_number(*v);
    if (!pad || *pad < 0 || *pad > 255 || *pad != std::floor(*pad))
      fail(where, ": metadata ", kMetaPadValue, " '", printable(*v), "' is not an integer 0 to 255");
    in.pad_value = static_cast<uint8_t>(*pad);
  }
  if (const std::string* v = value(kMetaLabels))
    spec.labels = parse_labels(*v, where + ": metadata " + kMetaLabels, false);
  if (const std::string* v = value(kMetaMinScore)) {
    const std::optional<double> s = to_number(*v);
    if (!s || !(*s >= 0 && *s <= 1)) fail(where, ": metadata ", kMetaMinScore, " '", printable(*v), "' is not 0 to 1");
    spec.min_score = static_cast<float>(*s);
  }
  if (const std::string* v = value(kMetaDescription)) spec.description = *v;
  if (const std::string* v = value(kMetaFamily)) spec.family = parse_family(*v, where + ": metadata " + kMetaFamily);
  if (const std::string* v = value(kMetaLayout)) in.layout = parse_layout(*v, where + ": metadata " + kMetaLayout);
  return spec;
}

void apply_overrides(const SpecOverrides& overrides, ModelSpec& spec) {
  if (overrides.resize) spec.input.resize = *overrides.resize;
  if (overrides.interpolation) spec.input.interpolation = *overrides.interpolation;
  if (overrides.labels) spec.labels = *overrides.labels;
  if (overrides.family) spec.family = *overrides.family;
}

}  // namespace ssdx::app
