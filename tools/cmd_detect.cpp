// ssdx detect: run an SSD-style detector on PNG/JPEG images, preprocessed as the model's metadata says (or the
// options); print the objects as text or JSON, optionally draw them.
#include <iostream>
#include <algorithm>
#include <optional>

#include "tools/cli.h"
#include "app/detection_report.h"
#include "app/detector.h"
#include "app/image.h"

namespace ssdx::cli {
namespace {

// OUT.png for one image; OUT_0.png, OUT_1.png, ... for several.
std::string draw_path(const std::string& out, size_t index, size_t count) {
  if (count == 1) return out;
  const size_t slash = out.rfind('/');
  size_t dot = out.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot == slash + 1) dot = out.size();
  return out.substr(0, dot) + "_" + std::to_string(index) + out.substr(dot);
}

}  // namespace

int cmd_detect(Args& args) {
  std::string model, draw_out;
  std::vector<std::string> images;
  bool json = false;
  int batch = 1;  // images a run
  std::optional<double> threshold;  // the model's ssdx.detect.min_score when not given
  app::SpecOverrides overrides;
  SessionOptions opts;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--json") {
      json = true;
    } else if (a == "--draw") {
      draw_out = args.next(a);
    } else if (a == "--threshold") {
      threshold = parse_double(args.next(a), a, 0, 1);
    } else if (a == "--labels") {
      // A built-in set (@voc, @coco80, @coco91) or a file of labels.
      const std::string labels = args.next(a);
      overrides.labels = labels.rfind('@', 0) == 0 ? app::parse_labels(labels, "detect: --labels", false)
                                                   : app::load_labels_file(labels);
    } else if (a == "--letterbox") {
      overrides.resize = app::ResizeMode::Letterbox;
    } else if (a == "--stretch") {
      overrides.resize = app::ResizeMode::Stretch;
    } else if (a == "--family") {
      overrides.family = app::parse_family(args.next(a), "detect: --family");
    } else if (a == "--batch") {
      batch = parse_int(args.next(a), a, 1, 1024);
    } else if (a == "--resize") {
      overrides.interpolation = app::parse_interpolation(args.next(a), "detect: --resize");
    } else if (parse_session_option(a, args, opts)) {
    } else if (!a.empty() && a[0] == '-') {
      fail("detect: unknown option '", a, "'");
    } else if (model.empty()) {
      model = a;
    } else {
      images.push_back(a);
    }
  }
  if (model.empty() || images.empty())
    fail("detect: needs a model and at least one image (ssdx detect MODEL IMAGE...)");

  const app::Detector detector(model, opts, overrides);
  const app::LabelMap& labels = detector.spec().labels;
  const float min_score = static_cast<float>(threshold.value_or(detector.spec().min_score));
  std::vector<app::ImageDetections> results;
  // Runs of up to --batch images (the model's static batch caps it): each image's detections are those it gets alone.
  const size_t per_run = static_cast<size_t>(detector.batch_capacity(batch) < batch ? detector.batch_capacity(batch) : batch);
  for (size_t first = 0; first < images.size(); first += per_run) {
    const size_t count = std::min(per_run, images.size() - first);
    std::vector<app::Image> loaded;
    for (size_t i = first; i < first + count; ++i) loaded.push_back(app::load_image(images[i]));
    std::vector<const app::Image*> run;
    for (const app::Image& image : loaded) run.push_back(&image);
    std::vector<std::vector<app::Detection>> found = detector.detect_batch(run, min_score);
    for (size_t k = 0; k < count; ++k) {
      app::Image& image = loaded[k];
      app::ImageDetections result{images[first + k], image.width, image.height, std::move(found[k])};
      if (!draw_out.empty()) {
        app::draw_detections(image, result.objects, labels);
        app::save_png(image, draw_path(draw_out, first + k, images.size()));
      }
      if (json) results.push_back(std::move(result));
      else std::cout << app::format_text(result, labels) << std::flush;  // streamed: a long run shows progress
    }
  }
  if (json) std::cout << app::format_json(model, results, labels);
  return 0;
}

}  // namespace ssdx::cli
