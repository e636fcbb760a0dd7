#include "app/image_header.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <vector>

#include "graph/error.h"

namespace ssdx::app {
namespace {

int64_t big_endian(const unsigned char* p, int bytes) {
  int64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | p[i];
  return v;
}

// PNG: the signature is followed by the IHDR chunk: length, "IHDR", width, height (big-endian 32-bit), bit depth,
// colour type, compression, filter and interlace methods.
void read_png_size(FILE* f, ImageHeader& header) {
  unsigned char chunk[21];
  if (std::fread(chunk, 1, sizeof chunk, f) != sizeof chunk || std::memcmp(chunk + 4, "IHDR", 4) != 0) return;
  header.width = big_endian(chunk + 8, 4);
  header.height = big_endian(chunk + 12, 4);
  header.png_bit_depth = chunk[16];
  header.png_colour_type = chunk[17];
  header.png_interlaced = chunk[20] == 1;
}

// Samples per pixel of a PNG colour type, 0 for one that does not exist.
int png_channels(int colour_type) {
  switch (colour_type) {
    case 0: return 1;  // gray
    case 2: return 3;  // RGB
    case 3: return 1;  // palette index
    case 4: return 2;  // gray + alpha
    case 6: return 4;  // RGBA
    default: return 0;
  }
}

// Bytes of `rows` filtered scanlines of `width` pixels: a filter byte, then the packed samples.
uint64_t png_scanline_bytes(uint64_t width, uint64_t rows, uint64_t bits_per_pixel) {
  return width == 0 ? 0 : rows * ((width * bits_per_pixel + 7) / 8 + 1);
}

// JPEG: marker segments (0xFF, marker, 16-bit length including itself) up to the frame header SOFn, which holds
// precision, height, width. APPn segments (EXIF, ICC, thumbnails) are skipped whole.
void read_jpeg_size(FILE* f, ImageHeader& header) {
  std::fseek(f, 2, SEEK_SET);  // past SOI
  for (;;) {
    if (std::fgetc(f) != 0xff) return;
    int marker;
    while ((marker = std::fgetc(f)) == 0xff) {}  // fill bytes
    if (marker == EOF || marker == 0xda || marker == 0xd9) return;  // scan or end before any frame header
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;  // markers without a segment
    unsigned char len[2];
    if (std::fread(len, 1, 2, f) != 2 || big_endian(len, 2) < 2) return;
    const bool frame_header = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (frame_header) {
      unsigned char sof[5];
      if (std::fread(sof, 1, sizeof sof, f) != sizeof sof) return;
      header.height = big_endian(sof + 1, 2);
      header.width = big_endian(sof + 3, 2);
      return;
    }
    if (std::fseek(f, static_cast<long>(big_endian(len, 2) - 2), SEEK_CUR) != 0) return;
  }
}

// One DHT segment's payload: tables of (class/id byte, 16 code counts, the symbols).
void check_huffman_tables(const unsigned char* p, int64_t n, const std::string& path) {
  while (n > 0) {
    if (n < 17) fail(path, ": corrupt JPEG: truncated Huffman table");
    if ((p[0] >> 4) > 1 || (p[0] & 15) > 3) fail(path, ": corrupt JPEG: Huffman table class/id ", int(p[0]));
    int64_t codes = 0;
    for (int i = 1; i <= 16; ++i) codes += p[i];
    // stb (Debian's 2022 snapshot) writes one byte per code into a 257-byte array without checking this.
    if (codes > 256) fail(path, ": corrupt JPEG: Huffman table with ", codes, " codes (at most 256)");
    if (17 + codes > n) fail(path, ": corrupt JPEG: truncated Huffman table");
    p += 17 + codes;
    n -= 17 + codes;
  }
}

}  // namespace

void check_jpeg_segments(FILE* f, const std::string& path) {
  int scans = 0;
  // A file without any scan holds no pixels (stb would decode its frame header to a black image of that size).
  auto check_scans = [&] {
    if (scans == 0) fail(path, ": corrupt JPEG: no scan (the file holds no image data)");
  };
  std::rewind(f);
  std::vector<unsigned char> data;
  unsigned char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) data.insert(data.end(), buf, buf + n);
  std::clearerr(f);
  std::rewind(f);
  const size_t size = data.size();
  size_t at = 2;  // past SOI
  while (at + 1 < size) {
    if (data[at] != 0xff) {  // entropy-coded bytes (or garbage, which the decoder judges)
      ++at;
      continue;
    }
    const unsigned char marker = data[at + 1];
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    at += 2;
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;  // stuffing, TEM, RSTn, SOI
    if (marker == 0xd9) return check_scans();  // EOI
    if (at + 2 > size) return check_scans();   // truncated: the decoder reports it
    // Each scan makes the decoder pass over the whole image again: a few kilobytes of scans can keep it busy for
    // minutes. Baseline images have one scan per component, progressive ones about ten.
    if (marker == 0xda && ++scans > kMaxJpegScans)
      fail(path, ": JPEG with more than ", kMaxJpegScans, " scans refused (each one decodes the whole image again)");
    const int64_t len = big_endian(&data[at], 2);
    if (len < 2) fail(path, ": corrupt JPEG: segment length ", len);
    const int64_t payload = std::min<int64_t>(len - 2, static_cast<int64_t>(size - at - 2));
    if (marker == 0xc4) check_huffman_tables(&data[at + 2], payload, path);
    at += static_cast<size_t>(2 + payload);  // after a scan header (SOS) the loop walks the entropy-coded bytes
  }
  check_scans();
}

PngPixelData check_png_chunks(FILE* f, const std::string& path, const ImageHeader& header) {
  const int channels = png_channels(header.png_colour_type);
  if (header.width <= 0 || header.height <= 0 || channels == 0) return {};  // stb refuses such a header itself
  const uint64_t w = static_cast<uint64_t>(header.width), h = static_cast<uint64_t>(header.height);
  const uint64_t bpp = static_cast<uint64_t>(channels) * static_cast<uint64_t>(header.png_bit_depth);
  uint64_t inflated = 0;
  if (!header.png_interlaced) {
    inflated = png_scanline_bytes(w, h, bpp);
  } else {
    // Adam7: seven sub-images, each (x0, y0, dx, dy): every dx-th pixel from x0 of every dy-th row from y0.
    static const int kPasses[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                      {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    for (const auto& p : kPasses) {
      const uint64_t pw = w > uint64_t(p[0]) ? (w - p[0] + p[2] - 1) / p[2] : 0;
      const uint64_t ph = h > uint64_t(p[1]) ? (h - p[1] + p[3] - 1) / p[3] : 0;
      inflated += ph ? png_scanline_bytes(pw, ph, bpp) : 0;
    }
  }
  // Walk the chunks (length, type, data, CRC) to IEND, adding up the compressed pixel data.
  uint64_t compressed = 0;
  std::fseek(f, 8, SEEK_SET);
  for (unsigned char chunk[8]; std::fread(chunk, 1, sizeof chunk, f) == sizeof chunk;) {
    const int64_t length = big_endian(chunk, 4);
    if (std::memcmp(chunk + 4, "IEND", 4) == 0) break;
    if (std::memcmp(chunk + 4, "IDAT", 4) == 0) compressed += static_cast<uint64_t>(length);
    if (std::fseek(f, static_cast<long>(length + 4), SEEK_CUR) != 0) break;
  }
  std::clearerr(f);
  std::rewind(f);
  // Deflate expands incompressible data by well under 1%: twice the pixel data is far more than any encoder writes.
  const uint64_t most_compressed = 2 * inflated + (uint64_t{1} << 20);
  if (compressed > most_compressed)
    fail(path, ": corrupt PNG: ", compressed, " bytes of compressed pixel data, more than a ", w, "x", h,
         " image can hold (", inflated, " bytes uncompressed)");
  return {compressed, inflated};
}

const char* format_name(ImageFormat format) { return format == ImageFormat::Png ? "PNG" : "JPEG"; }

ImageHeader read_image_header(FILE* f, const std::string& path) {
  std::rewind(f);
  unsigned char magic[8] = {};
  const size_t n = std::fread(magic, 1, sizeof magic, f);
  if (std::ferror(f)) fail(path, ": cannot read: ", std::strerror(errno));
  if (n == 0) fail(path, ": empty file");
  static const unsigned char kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ImageHeader header;
  if (n == sizeof magic && std::memcmp(magic, kPngSignature, sizeof magic) == 0) {
    header.format = ImageFormat::Png;
    read_png_size(f, header);
  } else if (n >= 3 && magic[0] == 0xff && magic[1] == 0xd8 && magic[2] == 0xff) {
    header.format = ImageFormat::Jpeg;
    read_jpeg_size(f, header);
  } else {
    fail(path, ": not a PNG or JPEG image");  // stb would also take BMP, GIF, ... by content: we don't want them
  }
  std::clearerr(f);
  std::rewind(f);
  return header;
}

}  // namespace ssdx::app
