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
  const std::vector<TensorInfo>& inputs = session_->inputs();
  const bool image_like = inputs.size() == 1 && inputs[0].dtype == DataType::Float &&
                          (inputs[0].shape.size() == 3 || inputs[0].shape.size() == 4);
  if (!image_like)
    fail(model_path, ": detect needs one input, a float32 image ([1,3,H,W], [1,H,W,3] or [3,H,W]); the model's "
         "inputs: ", describe(inputs));
  const TensorInfo& in = inputs[0];
  input_name_ = in.name;
  input_ = image_input(in, detect_layout(in, spec_.input.layout, model_path), model_path);
  family_ = detect_family(session_->outputs(), spec_.family, model_path);
  check_family_outputs(family_, session_->outputs(), model_path);
  // A model naming no labels: the ones its family numbers by (gluon-cv's could be VOC's too: --labels @voc).
  const bool named = overrides.labels || session_->graph().metadata.count(kMetaLabels);
  if (!named && family_ == Family::Torchvision) spec_.labels = *builtin_labels(kLabelsCoco91);
  if (!named && (family_ == Family::Mmdeploy || family_ == Family::GluonCv)) spec_.labels = *builtin_labels(kLabelsCoco80);
}

Detector::~Detector() = default;

const std::map<std::string, std::string>& Detector::metadata() const { return session_->graph().metadata; }

int64_t Detector::batch_capacity(int64_t wanted) const {
  if (input_.layout == Layout::Chw || input_.width == 0) return 1;
  return input_.batch > 0 ? input_.batch : std::max<int64_t>(wanted, 1);
}

std::vector<Detection> Detector::detect(const Image& image, float min_score) const {
  return detect_batch({&image}, min_score)[0];
}

std::vector<std::vector<Detection>> Detector::detect_batch(const std::vector<const Image*>& images,
                                                           float min_score) const {
  const int64_t n = static_cast<int64_t>(images.size());
  if (n == 0 || n > batch_capacity(n))
    fail(model_path_, ": ", n, " images in one run; this model takes at most ", batch_capacity(n));
  // A free-size input takes the image as it is (the model resizes it itself).
  const int width = input_.width ? input_.width : images[0]->width;
  const int height = input_.height ? input_.height : images[0]->height;
  std::vector<Tensor> tensors;
  for (const Image* image : images) tensors.push_back(preprocess(*image, width, height, spec_.input));
  while (input_.batch > n && static_cast<int64_t>(tensors.size()) < input_.batch) tensors.push_back(tensors.back());
  const TensorMap outputs = session_->run({{input_name_, stack_images(tensors, input_.layout)}});
  std::vector<std::vector<Detection>> found;
  for (int64_t i = 0; i < n; ++i) {
    const Image& image = *images[static_cast<size_t>(i)];
    const Placement placed = place_image(image.width, image.height, width, height, spec_.input.resize);
    found.push_back(read_family_detections(family_, outputs, i, width, height,
                                           box_mapping(image.width, image.height, width, height, placed), min_score,
                                           model_path_));
  }
  return found;
}

std::vector<Detection> read_detections(const TensorMap& outputs, int width, int height, float min_score,
                                       const std::string& model) {
  return read_detections(outputs, box_mapping(width, height, width, height, {0, 0, width, height}), min_score, model);
}

std::vector<Detection> read_detections(const TensorMap& outputs, const BoxMapping& m, float min_score,
                                       const std::string& model) {
  return read_family_detections(Family::Ssd12, outputs, 0, 1, 1, m, min_score, model);
}

}  // namespace ssdx::app
