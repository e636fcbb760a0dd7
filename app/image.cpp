#include "app/image.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "graph/file_io.h"
#include "graph/tensor_io.h"
#include "app/decode_budget.h"
#include "app/image_header.h"

// The only translation unit that compiles stb. We decode nothing but PNG and JPEG (less attack surface), and the
// decoder's memory is budgeted (app/decode_budget.h).
#define STBI_MALLOC(bytes) ssdx::app::budget_malloc(bytes)
#define STBI_REALLOC(p, bytes) ssdx::app::budget_realloc(p, bytes)
#define STBI_FREE(p) ssdx::app::budget_free(p)
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_EASY_FONT
#include <stb_easy_font.h>
#include <stb_image.h>
#include <stb_image_write.h>

namespace ssdx::app {
namespace {

// ---- decoding ----

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

void check_image_size(int64_t width, int64_t height, const std::string& path) {
  if (width <= 0 || height <= 0) fail(path, ": zero-size image ", width, "x", height);
  if (width > kMaxImageSide || height > kMaxImageSide || width * height > kMaxImagePixels)
    fail(path, ": image too large: ", width, "x", height, " (limits: ", kMaxImageSide, " px a side, ",
         kMaxImagePixels / 1'000'000, " megapixels)");
}

// stb's reason for a failed decode, "" when it has none: stb probes PNG before JPEG and some JPEG failures set no
// reason of their own, leaving the probe's "bad png sig" behind, which says nothing about a JPEG.
std::string decode_failure_reason(ImageFormat format) {
  const char* reason = stbi_failure_reason();
  if (!reason || (format == ImageFormat::Jpeg && std::strcmp(reason, "bad png sig") == 0)) return "";
  return std::string(" (") + reason + ")";
}

constexpr uint64_t kDecodeSlack = uint64_t{16} << 20;  // the decoder's tables and small images' headroom

// What stb may hold at once decoding a `width` x `height` image. PNG: the compressed data and the inflated rows
// twice over each (its buffers double as they grow), then up to 16 bytes a pixel of decoded 16-bit RGBA and its
// 8-bit RGB conversion. JPEG: coefficients (progressive), component planes padded to whole 32-pixel blocks, up to
// four components, and the RGB output. Legitimate images stay well under it; a decompression bomb hits it.
uint64_t decode_budget(const ImageHeader& header, const PngPixelData& png, int64_t width, int64_t height) {
  if (header.format == ImageFormat::Png)
    return 2 * png.compressed + 4 * png.inflated + 16 * static_cast<uint64_t>(width * height) + kDecodeSlack;
  return 16 * static_cast<uint64_t>((width + 32) * (height + 32)) + kDecodeSlack;
}

// ---- drawing ----

struct Rgb {
  uint8_t r, g, b;
};

// Fills the pixels [x0, x1) x [y0, y1), clipped to the image: every write goes through here.
void fill_rect(Image& image, int x0, int y0, int x1, int y1, Rgb colour) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, image.width);
  y1 = std::min(y1, image.height);
  for (int y = y0; y < y1; ++y) {
    uint8_t* p = image.rgb.data() + (static_cast<size_t>(y) * image.width + x0) * 3;
    for (int x = x0; x < x1; ++x, p += 3) {
      p[0] = colour.r;
      p[1] = colour.g;
      p[2] = colour.b;
    }
  }
}

// Distinct, saturated colours: hues spaced by the golden ratio so neighbouring labels differ strongly.
Rgb class_colour(int64_t label) {
  const double hue = std::fmod(static_cast<double>(label) * 0.618033988749895, 1.0) * 6.0;
  const double s = 0.85, v = 0.95;
  const int sector = static_cast<int>(hue) % 6;
  const double f = hue - std::floor(hue);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = v, g = t, b = p;
  switch (sector) {
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    case 5: r = v, g = p, b = q; break;
    default: break;
  }
  auto byte = [](double x) { return static_cast<uint8_t>(std::lround(x * 255)); };
  return {byte(r), byte(g), byte(b)};
}

Rgb readable_text_colour(Rgb background) {
  const double luma = 0.299 * background.r + 0.587 * background.g + 0.114 * background.b;
  return luma > 140 ? Rgb{0, 0, 0} : Rgb{255, 255, 255};
}

// Pixel coordinate from a model-derived float: huge values are clamped so the int conversion stays defined.
int to_pixel(float v) { return static_cast<int>(std::lround(std::clamp(v, -1e6f, 1e6f))); }

constexpr int kFontScale = 2;  // stb_easy_font's glyphs are ~7 px tall: too small to read on a photo

// Axis-aligned rectangles in font units covering the glyphs of `text` (printable ASCII only).
struct GlyphRect {
  float x0, y0, x1, y1;
};

std::vector<GlyphRect> glyph_rects(std::string text) {
  // stb_easy_font indexes its tables by (c - 32): anything outside printable ASCII would read out of bounds.
  for (char& c : text)
    if (c < 32 || c > 126) c = '?';
  struct Vertex {
    float x, y, z;
    unsigned char colour[4];
  };
  // Room for 16 quads a glyph (stb averages ~4 and truncates rather than overflow).
  std::vector<Vertex> vertices(text.size() * 64 + 64);
  const int quads = stb_easy_font_print(0, 0, text.data(), nullptr, vertices.data(),
                                        static_cast<int>(vertices.size() * sizeof(Vertex)));
  std::vector<GlyphRect> rects;
  for (int q = 0; q < quads; ++q) {
    const Vertex* v = &vertices[static_cast<size_t>(q) * 4];
    GlyphRect r{v[0].x, v[0].y, v[0].x, v[0].y};
    for (int k = 1; k < 4; ++k) {
      r.x0 = std::min(r.x0, v[k].x), r.y0 = std::min(r.y0, v[k].y);
      r.x1 = std::max(r.x1, v[k].x), r.y1 = std::max(r.y1, v[k].y);
    }
    rects.push_back(r);
  }
  return rects;
}

// "class score" on a filled box in the class colour, above the box's top-left corner (inside it when there is
// no room above), shifted to stay on the image where possible.
void draw_label(Image& image, const std::string& text, int box_x, int box_y, Rgb colour) {
  const std::vector<GlyphRect> rects = glyph_rects(text);
  float text_w = 0, text_h = 0;
  for (const GlyphRect& r : rects) text_w = std::max(text_w, r.x1), text_h = std::max(text_h, r.y1);
  const int pad = 2;
  const int label_w = static_cast<int>(std::ceil(text_w)) * kFontScale + 2 * pad;
  const int label_h = static_cast<int>(std::ceil(text_h)) * kFontScale + 2 * pad;
  int x = std::max(0, std::min(box_x, image.width - label_w));
  int y = box_y - label_h >= 0 ? box_y - label_h : std::max(box_y, 0);
  fill_rect(image, x, y, x + label_w, y + label_h, colour);
  const Rgb ink = readable_text_colour(colour);
  for (const GlyphRect& r : rects)
    fill_rect(image, x + pad + to_pixel(r.x0 * kFontScale), y + pad + to_pixel(r.y0 * kFontScale),
              x + pad + to_pixel(r.x1 * kFontScale), y + pad + to_pixel(r.y1 * kFontScale), ink);
}

std::string label_text(const Detection& d, const LabelMap& labels) {
  char score[16];
  std::snprintf(score, sizeof score, "%.2f", d.score);
  return class_name(labels, d.label) + " " + score;
}

}  // namespace

Image load_image(const std::string& path) {
  File file(fopen_regular_file(path), &std::fclose);  // regular files only: a FIFO would block, a device stream on
  const ImageHeader header = read_image_header(file.get(), path);
  const ImageFormat format = header.format;
  if (header.width >= 0 && header.height >= 0) check_image_size(header.width, header.height, path);
  if (format == ImageFormat::Jpeg) check_jpeg_segments(file.get(), path);  // stb's JPEG decoder trusts its tables
  const PngPixelData png = format == ImageFormat::Png ? check_png_chunks(file.get(), path, header) : PngPixelData{};

  // stb's own header checks (bit depths, chunk order, ...) before it allocates anything for the pixels. On
  // failure its reason is "unknown image type" whatever the cause, so we don't repeat it.
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_file(file.get(), &width, &height, &channels))
    fail(path, ": corrupt ", format_name(format), " header");
  check_image_size(width, height, path);

  // Asking for 3 channels makes stb replicate gray to RGB and drop alpha (no compositing: like PIL's
  // convert('RGB')); 16-bit PNGs come back as 8-bit.
  const uint64_t budget_bytes = decode_budget(header, png, width, height);
  const DecodeBudget budget(budget_bytes);  // outlives `pixels`, which it counts
  int w = 0, h = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_file(file.get(), &w, &h, &channels, 3),
                                                   &stbi_image_free);
  if (!pixels && budget.exceeded())
    fail(path, ": corrupt ", format_name(format), ": decoding it takes more than the ", budget_bytes >> 20, " MiB a ",
         width, "x", height, " image may");
  if (!pixels)
    fail(path, ": corrupt or truncated ", format_name(format), decode_failure_reason(format));
  if (w != width || h != height) fail(path, ": image size changed while reading");
  Image image;
  image.width = w;
  image.height = h;
  image.rgb.assign(pixels.get(), pixels.get() + static_cast<size_t>(w) * h * 3);
  return image;
}

void draw_detections(Image& image, const std::vector<Detection>& detections, const LabelMap& labels) {
  if (image.rgb.size() != size_t(image.width) * image.height * 3) fail("draw: inconsistent image");
  const int thickness = std::min(image.width, image.height) >= 800 ? 3 : 2;
  // The most confident last, so that where boxes and labels overlap theirs stay on top.
  std::vector<Detection> by_score = detections;
  auto rank = [](const Detection& d) { return std::isnan(d.score) ? -INFINITY : d.score; };  // a strict order
  std::stable_sort(by_score.begin(), by_score.end(),
                   [&](const Detection& a, const Detection& b) { return rank(a) < rank(b); });
  for (const Detection& d : by_score) {
    if (!std::isfinite(d.x0) || !std::isfinite(d.y0) || !std::isfinite(d.x1) || !std::isfinite(d.y1)) continue;
    const int x0 = to_pixel(std::min(d.x0, d.x1)), x1 = to_pixel(std::max(d.x0, d.x1));
    const int y0 = to_pixel(std::min(d.y0, d.y1)), y1 = to_pixel(std::max(d.y0, d.y1));
    if (x1 <= 0 || y1 <= 0 || x0 >= image.width || y0 >= image.height) continue;  // nothing of it is visible
    const Rgb colour = class_colour(d.label);
    fill_rect(image, x0, y0, x1, y0 + thickness, colour);  // top
    fill_rect(image, x0, y1 - thickness, x1, y1, colour);  // bottom
    fill_rect(image, x0, y0, x0 + thickness, y1, colour);  // left
    fill_rect(image, x1 - thickness, y0, x1, y1, colour);  // right
    draw_label(image, label_text(d, labels), x0, y0, colour);
  }
}

void draw_detections(Image& image, const std::vector<Detection>& detections) {
  draw_detections(image, detections, coco_labels());
}

void save_png(const Image& image, const std::string& path) {
  if (image.width <= 0 || image.height <= 0 || image.rgb.size() != size_t(image.width) * image.height * 3)
    fail(path, ": cannot write an empty or inconsistent image");
  // Encoded in memory: stb's own file writer ignores failed writes, ours checks them (graph/file_writer.h).
  std::string png;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &png, image.width, image.height, 3, image.rgb.data(), image.width * 3))
    fail(path, ": cannot encode PNG");
  write_file_bytes(path, png);
}

}  // namespace ssdx::app
