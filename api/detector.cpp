// ssdx::api::Detector: app::Detector (checks, preprocessing, box reading) and app's image decoder behind a pimpl.
#include "ssdx/detector.h"

#include "api/bridge.h"
#include "app/input_spec.h"
#include "app/detector.h"
#include "app/image.h"

namespace ssdx::api {

struct Detector::Impl {
  std::unique_ptr<app::Detector> detector;
};

namespace {

std::vector<Detection> to_public(const std::vector<app::Detection>& found, const app::LabelMap& labels) {
  std::vector<Detection> out;
  out.reserve(found.size());
  for (const app::Detection& d : found)
    out.push_back({d.label, app::class_name(labels, d.label), d.score, d.x0, d.y0, d.x1, d.y1});
  return out;
}

app::SpecOverrides to_overrides(const DetectorOptions& o) {
  app::SpecOverrides overrides;
  if (!o.resize.empty()) overrides.resize = app::parse_resize_mode(o.resize, "detector options: resize");
  if (!o.interpolation.empty())
    overrides.interpolation = app::parse_interpolation(o.interpolation, "detector options: interpolation");
  if (!o.labels_file.empty()) overrides.labels = app::load_labels_file(o.labels_file);
  return overrides;
}

}  // namespace

Detector::Detector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;
Detector::~Detector() = default;

Detector Detector::load(const std::string& model_path, const Options& options, const DetectorOptions& detector_options) {
  return bridge::guarded([&] {
    auto impl = std::make_unique<Impl>();
    impl->detector =
        std::make_unique<app::Detector>(model_path, bridge::to_internal(options), to_overrides(detector_options));
    return Detector(std::move(impl));
  });
}

int Detector::input_width() const { return impl_->detector->input_width(); }
int Detector::input_height() const { return impl_->detector->input_height(); }
float Detector::default_min_score() const { return impl_->detector->spec().min_score; }
std::string Detector::class_name(int64_t label) const { return app::class_name(impl_->detector->spec().labels, label); }
std::map<std::string, std::string> Detector::metadata() const { return impl_->detector->metadata(); }

float Detector::threshold(float min_score) const { return min_score < 0 ? default_min_score() : min_score; }

std::vector<Detection> Detector::detect(const uint8_t* rgb, int width, int height, float min_score) const {
  return bridge::guarded([&] {
    if (width <= 0 || height <= 0 || width > app::kMaxImageSide || height > app::kMaxImageSide ||
        int64_t{width} * height > app::kMaxImagePixels)
      fail("image of ", width, "x", height, " pixels: each side must be 1 to ", app::kMaxImageSide, " and at most ",
           app::kMaxImagePixels, " pixels");
    if (!rgb) fail("image buffer is null");
    // preprocess() reads an app::Image, which owns its pixels: one copy of the image (the resize reads it once).
    app::Image image;
    image.width = width;
    image.height = height;
    image.rgb.assign(rgb, rgb + static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
    return to_public(impl_->detector->detect(image, threshold(min_score)), impl_->detector->spec().labels);
  });
}

std::vector<Detection> Detector::detect_file(const std::string& image_path, float min_score) const {
  return bridge::guarded([&] {
    return to_public(impl_->detector->detect(app::load_image(image_path), threshold(min_score)),
                     impl_->detector->spec().labels);
  });
}

}  // namespace ssdx::api
