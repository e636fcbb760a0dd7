#include "app/detector.h"

#include <algorithm>
#include <cmath>

namespace ssdx::app {
namespace {

const std::string kBoxes = "bboxes", kLabels = "labels", kScores = "scores";

std::string describe(const std::vector<TensorInfo>& infos) {
  std::string s;
  for (const TensorInfo& info : infos)
    s += (s.empty() ? "'" : ", '") + info.name + "' " + dtype_name(info.dtype) + " " + shape_str(info.shape);
  return s.empty() ? "none" : s;
}

bool is_integer(DataType t) {
  return t == DataType::Int64 || t == DataType::Int32 || t == DataType::UInt8 || t == DataType::Int8;
}

float clip(float v, float hi) { return std::min(std::max(v, 0.f), hi); }

}  // namespace

// The image input; every other input would be left unfed, so there must be none.
const TensorInfo& detector_image_input(const Session& session, const std::string& model) {
  const std::vector<TensorInfo>& inputs = session.inputs();
  const bool fits = inputs.size() == 1 && inputs[0].dtype == DataType::Float && inputs[0].shape.size() == 4 &&
                    inputs[0].shape[1] == 3 && (inputs[0].shape[0] == 1 || inputs[0].shape[0] == kUnknownDim);
  if (!fits) fail(model, ": detect needs one input, a float32 image [1,3,H,W]; the model's inputs: ", describe(inputs));
  const TensorInfo& in = inputs[0];
  if (in.shape[2] <= 0 || in.shape[3] <= 0)
    fail(model, ": input '", in.name, "' ", shape_str(in.shape), " has no static height and width to resize images to");
  if (in.shape[2] > kMaxImageSide || in.shape[3] > kMaxImageSide)
    fail(model, ": input '", in.name, "' ", shape_str(in.shape), " is larger than ", kMaxImageSide, " a side");
  return in;
}

void check_detector_outputs(const Session& session, const std::string& model) {
  // mmdetection's raw-head export (IGIE's form) has no decode or NMS in the graph: say how to add them.
  const bool raw_heads = !session.outputs().empty() &&
                         std::all_of(session.outputs().begin(), session.outputs().end(), [](const TensorInfo& o) {
                           return o.name.rfind("cls_score", 0) == 0 || o.name.rfind("bbox_pred", 0) == 0;
                         });
  if (raw_heads)
    fail(model, ": its outputs are raw SSD head maps (cls_score_*, bbox_pred_*) without post-processing; run 'ssdx "
         "add-postprocess ", model, " --family ", kFamilyMmdetSsd300, " -o OUT' and detect with OUT");
  std::string missing;
  for (const std::string& name : {kBoxes, kLabels, kScores}) {
    auto it = std::find_if(session.outputs().begin(), session.outputs().end(),
                           [&](const TensorInfo& o) { return o.name == name; });
    if (it == session.outputs().end()) {
      missing += (missing.empty() ? "'" : ", '") + name + "'";
      continue;
    }
    const bool dtype_ok = name == kLabels ? is_integer(it->dtype) : it->dtype == DataType::Float;
    if (!dtype_ok) fail(model, ": output '", name, "' is ", dtype_name(it->dtype), ", detect needs ",
                        name == kLabels ? "integers" : "float32");
  }
  if (!missing.empty())
    fail(model, ": detect needs outputs 'bboxes', 'labels', 'scores'; missing ", missing, " (the model's outputs: ",
         describe(session.outputs()), ")");
}

Detector::Detector(const std::string& model_path, const SessionOptions& opts, const SpecOverrides& overrides)
    : model_path_(model_path), session_(Session::load(model_path, opts)) {
  spec_ = parse_model_spec(session_->graph().metadata, model_path);
  apply_overrides(overrides, spec_);
  if (spec_.family == Family::MmdetSsd300)
    fail(model_path, ": metadata ", kMetaFamily, " is ", kFamilyMmdetSsd300, " (raw head outputs); run 'ssdx "
         "add-postprocess ", model_path, " --family ", kFamilyMmdetSsd300, " -o OUT' and detect with OUT");
  if (spec_.family && *spec_.family != Family::Ssd12)
    fail(model_path, ": metadata ", kMetaFamily, " is ", family_name(*spec_.family), "; detect reads only ",
         kFamilySsd12, " outputs (bboxes/labels/scores) so far");
  const TensorInfo& in = detector_image_input(*session_, model_path);
  input_name_ = in.name;
  height_ = static_cast<int>(in.shape[2]);
  width_ = static_cast<int>(in.shape[3]);
  check_detector_outputs(*session_, model_path);
}

Detector::~Detector() = default;

const std::map<std::string, std::string>& Detector::metadata() const { return session_->graph().metadata; }

std::vector<Detection> Detector::detect(const Image& image, float min_score) const {
  const TensorMap outputs = session_->run({{input_name_, preprocess(image, width_, height_, spec_.input)}});
  const Placement placed = place_image(image.width, image.height, width_, height_, spec_.input.resize);
  return read_detections(outputs, box_mapping(image.width, image.height, width_, height_, placed), min_score,
                         model_path_);
}

std::vector<Detection> read_detections(const TensorMap& outputs, int width, int height, float min_score,
                                       const std::string& model) {
  return read_detections(outputs, box_mapping(width, height, width, height, {0, 0, width, height}), min_score, model);
}

std::vector<Detection> read_detections(const TensorMap& outputs, const BoxMapping& m, float min_score,
                                       const std::string& model) {
  const Tensor& boxes = outputs.at(kBoxes);
  const Tensor& labels = outputs.at(kLabels);
  const Tensor& scores = outputs.at(kScores);
  const int64_t n = scores.numel();
  if (labels.numel() != n || boxes.numel() != 4 * n)
    fail(model, ": outputs disagree on the number of boxes: bboxes ", shape_str(boxes.shape()), ", labels ",
         shape_str(labels.shape()), ", scores ", shape_str(scores.shape()));
  const float* b = boxes.data<float>();
  const float* s = scores.data<float>();
  std::vector<Detection> found;
  for (int64_t i = 0; i < n; ++i) {
    if (!(s[i] >= min_score)) continue;  // also drops NaN scores
    const float* box = b + 4 * i;
    if (!std::isfinite(box[0]) || !std::isfinite(box[1]) || !std::isfinite(box[2]) || !std::isfinite(box[3]))
      fail(model, ": output 'bboxes' has a non-finite box (#", i, ")");
    // Boxes reaching into a letterbox's padding are cut at the image's edge.
    found.push_back({labels.int_at(i), s[i], clip(box[0] * m.scale_x + m.offset_x, m.width),
                     clip(box[1] * m.scale_y + m.offset_y, m.height), clip(box[2] * m.scale_x + m.offset_x, m.width),
                     clip(box[3] * m.scale_y + m.offset_y, m.height)});
  }
  // The SSD models already sort by score; other models may not.
  std::stable_sort(found.begin(), found.end(),
                   [](const Detection& a, const Detection& c) { return a.score > c.score; });
  return found;
}

}  // namespace ssdx::app
