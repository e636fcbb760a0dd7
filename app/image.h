#pragma once
// Images for `ssdx detect`: decode PNG/JPEG, draw detections, write PNG (app/preprocess.h makes input tensors).
// Only image.cpp touches stb.
#include <cstdint>
#include <string>
#include <vector>

#include "graph/tensor.h"
#include "app/detection.h"
#include "app/input_spec.h"

namespace ssdx::app {

// 8-bit RGB, row-major, rgb.size() == width * height * 3.
struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

// Limits checked from the header before any pixel is decoded (a crafted header must not make us allocate GBs).
constexpr int kMaxImageSide = 32768;
constexpr int64_t kMaxImagePixels = 100'000'000;

// Decodes a PNG or JPEG file to RGB. Grayscale is replicated to the three channels, an alpha channel is
// dropped, 16-bit PNG is reduced to 8 bits. Throws Error naming `path` on anything else (missing, empty, other
// format, too large, corrupt or truncated).
Image load_image(const std::string& path);

// Draws each detection's box (clipped to the image) and a "class score" label in a per-class colour, class names
// from `labels` (COCO's when not given).
void draw_detections(Image& image, const std::vector<Detection>& detections, const LabelMap& labels);
void draw_detections(Image& image, const std::vector<Detection>& detections);

// Writes an RGB PNG. Throws Error naming `path` when it cannot.
void save_png(const Image& image, const std::string& path);

}  // namespace ssdx::app
