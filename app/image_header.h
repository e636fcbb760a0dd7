#pragma once
// What an image file's first bytes say: its format and the size its header claims. Read before decoding so that
// hostile headers are refused with their dimensions (stbi_info only says "unknown image type" when it refuses).
#include <cstdint>
#include <cstdio>
#include <string>

namespace ssdx::app {

enum class ImageFormat { Png, Jpeg };

const char* format_name(ImageFormat format);  // "PNG", "JPEG"

struct ImageHeader {
  ImageFormat format = ImageFormat::Png;
  int64_t width = -1, height = -1;  // -1: the header ends or breaks before the size (the decoder will complain)
  int png_bit_depth = 0, png_colour_type = -1;  // PNG only, as IHDR declares them
  bool png_interlaced = false;
};

// The most scans a JPEG may have: each makes the decoder pass over the whole image again.
constexpr int kMaxJpegScans = 100;

// Reads `file` from its start and rewinds it. Throws Error naming `path` for unreadable or empty files and for
// anything but PNG and JPEG.
ImageHeader read_image_header(FILE* file, const std::string& path);

// Walks every marker segment of a JPEG (scans included) and checks what the decoder trusts: each Huffman table
// (DHT) holds at most 256 codes and fits its segment; there is at least one scan and at most kMaxJpegScans.
// Throws Error naming `path`; rewinds the file.
void check_jpeg_segments(FILE* file, const std::string& path);

// A PNG's pixel data: the compressed bytes its IDAT chunks hold, and the filtered scanlines its header implies.
struct PngPixelData {
  uint64_t compressed = 0, inflated = 0;
};

// Walks a PNG's chunks and refuses more compressed pixel data than the image `header` declares can need. Zeros
// for a header stb refuses itself. Throws Error naming `path`; rewinds the file.
PngPixelData check_png_chunks(FILE* file, const std::string& path, const ImageHeader& header);

}  // namespace ssdx::app
