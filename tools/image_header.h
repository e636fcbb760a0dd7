#pragma once
// What an image file's first bytes say: its format and the size its header claims. Read before decoding so that
// hostile headers are refused with their dimensions (stbi_info only says "unknown image type" when it refuses).
#include <cstdint>
#include <cstdio>
#include <string>

namespace ssdx::cli {

enum class ImageFormat { Png, Jpeg };

const char* format_name(ImageFormat format);  // "PNG", "JPEG"

struct ImageHeader {
  ImageFormat format = ImageFormat::Png;
  int64_t width = -1, height = -1;  // -1: the header ends or breaks before the size (the decoder will complain)
};

// Reads `file` from its start and rewinds it. Throws Error naming `path` for unreadable or empty files and for
// anything but PNG and JPEG.
ImageHeader read_image_header(FILE* file, const std::string& path);

// Walks every marker segment of a JPEG (scans included) and checks what the decoder trusts: each Huffman table
// (DHT) holds at most 256 codes and fits its segment. Throws Error naming `path`; rewinds the file.
void check_jpeg_segments(FILE* file, const std::string& path);

}  // namespace ssdx::cli
