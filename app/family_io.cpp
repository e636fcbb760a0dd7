#include "app/family_io.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "graph/error.h"

namespace ssdx::app {
namespace {

std::string describe(const std::vector<TensorInfo>& infos) {
  std::string s;
  for (const TensorInfo& info : infos)
    s += (s.empty() ? "'" : ", '") + info.name + "' " + dtype_name(info.dtype) + " " + shape_str(info.shape);
  return s.empty() ? "none" : s;
}

const TensorInfo* find(const std::vector<TensorInfo>& outputs, const std::string& name) {
  auto it = std::find_if(outputs.begin(), outputs.end(), [&](const TensorInfo& o) { return o.name == name; });
  return it == outputs.end() ? nullptr : &*it;
}

bool has_all(const std::vector<TensorInfo>& outputs, std::initializer_list<const char*> names) {
  return std::all_of(names.begin(), names.end(), [&](const char* n) { return find(outputs, n) != nullptr; });
}

bool is_integer(DataType t) {
  return t == DataType::Int64 || t == DataType::Int32 || t == DataType::UInt8 || t == DataType::Int8;
}

// What each family reads: output name, whether it holds integers (else float32; gluon-cv's ids are float), its rank.
struct Want {
  const char* name;
  bool integer;
  size_t rank;  // 0: any
};

std::vector<Want> wanted(Family f) {
  switch (f) {
    case Family::Ssd12: return {{"bboxes", false, 0}, {"labels", true, 0}, {"scores", false, 0}};
    case Family::GluonCv: return {{"ids", false, 3}, {"scores", false, 3}, {"bboxes", false, 3}};
    case Family::Mmdeploy: return {{"dets", false, 3}, {"labels", true, 2}};
    case Family::Torchvision: return {{"boxes", false, 2}, {"scores", false, 1}, {"labels", true, 1}};
    case Family::MmdetSsd300: break;
  }
  return {};
}

float clip(float v, float hi) { return std::min(std::max(v, 0.f), hi); }

// Image `index` of output `name`: its values from index * (numel / batch) on, `per_image` of them.
const float* float_rows(const TensorMap& outputs, const char* name, int64_t index, int64_t batch, int64_t& per_image,
                        const std::string& model) {
  const Tensor& t = outputs.at(name);
  if (batch <= 0 || t.numel() % batch != 0) fail(model, ": output '", name, "' ", shape_str(t.shape()), " does not split into ", batch, " images");
  per_image = t.numel() / batch;
  return t.data<float>() + index * per_image;
}

int64_t batch_of(const TensorMap& outputs, const char* name) {
  const Tensor& t = outputs.at(name);
  return t.rank() <= 1 ? 1 : t.dim(0);  // [n]: one image
}

}  // namespace

Family detect_family(const std::vector<TensorInfo>& outputs, std::optional<Family> declared, const std::string& model) {
  if (declared) return *declared;
  const bool raw_heads = !outputs.empty() && std::all_of(outputs.begin(), outputs.end(), [](const TensorInfo& o) {
    return o.name.rfind("cls_score", 0) == 0 || o.name.rfind("bbox_pred", 0) == 0;
  });
  if (raw_heads) return Family::MmdetSsd300;
  if (has_all(outputs, {"ids", "scores", "bboxes"})) return Family::GluonCv;
  if (has_all(outputs, {"bboxes", "labels", "scores"})) return Family::Ssd12;
  if (has_all(outputs, {"dets", "labels"})) return Family::Mmdeploy;
  if (has_all(outputs, {"boxes", "scores", "labels"})) return Family::Torchvision;
  // Part of ssd-12's outputs: read as ssd-12, so the check names what is missing.
  for (const char* n : {"bboxes", "labels", "scores"})
    if (find(outputs, n)) return Family::Ssd12;
  fail(model, ": its outputs fit no SSD family detect reads (ssd-12 bboxes/labels/scores, gluon-cv ids/scores/bboxes, "
       "mmdeploy dets/labels, torchvision boxes/scores/labels); the model's outputs: ", describe(outputs),
       " (--family NAME says which family it is)");
}

void check_family_outputs(Family family, const std::vector<TensorInfo>& outputs, const std::string& model) {
  if (family == Family::MmdetSsd300)
    fail(model, ": its outputs are raw SSD head maps (cls_score_*, bbox_pred_*) without post-processing; run 'ssdx "
         "add-postprocess ", model, " --family ", kFamilyMmdetSsd300, " -o OUT' and detect with OUT");
  std::string missing, all;
  for (const Want& w : wanted(family)) {
    all += (all.empty() ? "'" : ", '") + std::string(w.name) + "'";
    if (!find(outputs, w.name)) missing += (missing.empty() ? "'" : ", '") + std::string(w.name) + "'";
  }
  if (!missing.empty())
    fail(model, ": a ", family_name(family), " model has outputs ", all, "; missing ", missing,
         " (the model's outputs: ", describe(outputs), ")");
  for (const Want& w : wanted(family)) {
    const TensorInfo* o = find(outputs, w.name);
    const bool dtype_ok = w.integer ? is_integer(o->dtype) : o->dtype == DataType::Float;
    if (!dtype_ok)
      fail(model, ": output '", w.name, "' is ", dtype_name(o->dtype), ", ", family_name(family), " detect needs ",
           w.integer ? "integers" : "float32");
    if (w.rank && o->shape.size() != w.rank)
      fail(model, ": output '", w.name, "' ", shape_str(o->shape), " has rank ", o->shape.size(), "; ",
           family_name(family), " models write rank ", w.rank);
  }
}

Layout detect_layout(const TensorInfo& input, std::optional<Layout> declared, const std::string& model) {
  const Shape& s = input.shape;
  Layout layout;
  if (declared) layout = *declared;
  else if (s.size() == 3) layout = Layout::Chw;
  else if (s.size() == 4 && s[1] == 3) layout = Layout::Nchw;
  else if (s.size() == 4 && s[3] == 3) layout = Layout::Nhwc;
  else
    fail(model, ": input '", input.name, "' ", dtype_name(input.dtype), " ", shape_str(s),
         " is no image: detect takes [B,3,H,W], [B,H,W,3] or [3,H,W]");
  const bool fits = layout == Layout::Chw ? s.size() == 3 && s[0] == 3
                                          : s.size() == 4 && (layout == Layout::Nchw ? s[1] : s[3]) == 3;
  if (!fits)
    fail(model, ": input '", input.name, "' ", shape_str(s), " is not laid out ", layout_name(layout),
         " with 3 channels");
  return layout;
}

ImageInput image_input(const TensorInfo& input, Layout layout, const std::string& model) {
  if (input.dtype != DataType::Float)
    fail(model, ": input '", input.name, "' is ", dtype_name(input.dtype), "; detect feeds float32 images");
  ImageInput r;
  r.layout = layout;
  const Shape& s = input.shape;
  const int64_t h = layout == Layout::Chw ? s[1] : layout == Layout::Nchw ? s[2] : s[1];
  const int64_t w = layout == Layout::Chw ? s[2] : layout == Layout::Nchw ? s[3] : s[2];
  r.batch = layout == Layout::Chw ? 1 : s[0];
  for (int64_t d : {h, w})
    if (d > kMaxImageSide)
      fail(model, ": input '", input.name, "' ", shape_str(s), " is larger than ", kMaxImageSide, " a side");
  // A free height or width is fed at the image's own size: only an unbatched (torchvision) model resizes inside.
  if ((h <= 0 || w <= 0) && layout != Layout::Chw)
    fail(model, ": input '", input.name, "' ", shape_str(s), " has no static height and width to resize images to");
  r.height = h > 0 ? static_cast<int>(h) : 0;
  r.width = w > 0 ? static_cast<int>(w) : 0;
  return r;
}

Tensor stack_images(const std::vector<Tensor>& images, Layout layout) {
  if (images.empty()) fail("detect: no images to stack");
  const Shape& one = images[0].shape();  // [1,3,H,W]
  const int64_t n = static_cast<int64_t>(images.size()), h = one[2], w = one[3], plane = h * w;
  if (layout == Layout::Chw) {
    if (n != 1) fail("detect: an unbatched [3,H,W] model takes one image a run");
    return images[0].reshaped({3, h, w});
  }
  Tensor out(DataType::Float, layout == Layout::Nchw ? Shape{n, 3, h, w} : Shape{n, h, w, 3});
  float* o = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float* x = images[static_cast<size_t>(i)].data<float>();
    if (layout == Layout::Nchw) {
      std::memcpy(o + i * 3 * plane, x, sizeof(float) * static_cast<size_t>(3 * plane));
      continue;
    }
    for (int64_t p = 0; p < plane; ++p)
      for (int64_t c = 0; c < 3; ++c) o[(i * plane + p) * 3 + c] = x[c * plane + p];
  }
  return out;
}

std::vector<Detection> read_family_detections(Family family, const TensorMap& outputs, int64_t index,
                                              int input_width, int input_height, const BoxMapping& m,
                                              float min_score, const std::string& model) {
  std::vector<Detection> found;
  // Pixel boxes of the input become normalised coordinates, then the image's pixels.
  const float nx = family == Family::Ssd12 ? 1.f : 1.f / static_cast<float>(input_width);
  const float ny = family == Family::Ssd12 ? 1.f : 1.f / static_cast<float>(input_height);
  auto add = [&](int64_t label, float score, const float* box, const char* boxes, int64_t row) {
    if (!(score >= min_score)) return;  // also drops NaN scores and gluon-cv's -1 padding
    if (!std::isfinite(box[0]) || !std::isfinite(box[1]) || !std::isfinite(box[2]) || !std::isfinite(box[3]))
      fail(model, ": output '", boxes, "' has a non-finite box (#", row, ")");
    // Boxes reaching into a letterbox's padding are cut at the image's edge.
    found.push_back({label, score, clip(box[0] * nx * m.scale_x + m.offset_x, m.width),
                     clip(box[1] * ny * m.scale_y + m.offset_y, m.height),
                     clip(box[2] * nx * m.scale_x + m.offset_x, m.width),
                     clip(box[3] * ny * m.scale_y + m.offset_y, m.height)});
  };
  int64_t n = 0, per = 0;
  switch (family) {
    case Family::Ssd12:
    case Family::GluonCv: {
      const bool gluon = family == Family::GluonCv;
      const char* labels_name = gluon ? "ids" : "labels";
      const int64_t batch = batch_of(outputs, "scores");
      const Tensor& labels = outputs.at(labels_name);
      const float* s = float_rows(outputs, "scores", index, batch, n, model);
      const float* b = float_rows(outputs, "bboxes", index, batch, per, model);
      if (labels.numel() != n * batch || per != 4 * n)
        fail(model, ": outputs disagree on the number of boxes: bboxes ", shape_str(outputs.at("bboxes").shape()), ", ",
             labels_name, " ", shape_str(labels.shape()), ", scores ", shape_str(outputs.at("scores").shape()));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t at = index * n + i;
        if (gluon) {
          const float id = labels.data<float>()[at];
          if (id < 0) continue;  // padding
          if (!(id < 1e9f)) fail(model, ": output 'ids' holds ", id, " (#", i, "), not a class id");
          add(static_cast<int64_t>(id), s[i], b + 4 * i, "bboxes", i);
          continue;
        }
        add(labels.int_at(at), s[i], b + 4 * i, "bboxes", i);
      }
      break;
    }
    case Family::Mmdeploy: {
      const int64_t batch = batch_of(outputs, "dets");
      const Tensor& labels = outputs.at("labels");
      const float* d = float_rows(outputs, "dets", index, batch, per, model);
      n = per / 5;
      if (per != 5 * n || labels.numel() != n * batch)
        fail(model, ": outputs disagree on the number of boxes: dets ", shape_str(outputs.at("dets").shape()),
             ", labels ", shape_str(labels.shape()));
      for (int64_t i = 0; i < n; ++i) {
        const int64_t label = labels.int_at(index * n + i);
        if (label < 0) continue;  // padding
        add(label, d[5 * i + 4], d + 5 * i, "dets", i);
      }
      break;
    }
    case Family::Torchvision: {
      const Tensor& labels = outputs.at("labels");
      const float* s = float_rows(outputs, "scores", 0, 1, n, model);
      const float* b = float_rows(outputs, "boxes", 0, 1, per, model);
      if (index != 0) fail(model, ": a torchvision model detects in one image a run");
      if (labels.numel() != n || per != 4 * n)
        fail(model, ": outputs disagree on the number of boxes: boxes ", shape_str(outputs.at("boxes").shape()),
             ", labels ", shape_str(labels.shape()), ", scores ", shape_str(outputs.at("scores").shape()));
      for (int64_t i = 0; i < n; ++i) add(labels.int_at(i), s[i], b + 4 * i, "boxes", i);
      break;
    }
    case Family::MmdetSsd300: check_family_outputs(family, {}, model);
  }
  // The families sort by score already (gluon-cv within its padding); a model from elsewhere may not.
  std::stable_sort(found.begin(), found.end(), [](const Detection& a, const Detection& c) { return a.score > c.score; });
  return found;
}

}  // namespace ssdx::app
