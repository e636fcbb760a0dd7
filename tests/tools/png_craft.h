#pragma once
// Hand-made PNG bytes for what stb_image_write cannot produce: 16-bit samples and hostile headers.
#include <cstdint>
#include <string>

namespace ssdx::test {

inline uint32_t png_crc32(const std::string& bytes) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline std::string big_endian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

inline std::string png_chunk(const std::string& type, const std::string& data) {
  return big_endian32(static_cast<uint32_t>(data.size())) + type + data + big_endian32(png_crc32(type + data));
}

// The 8-byte signature and an IHDR chunk (no compression/filter/interlace options): all a header reader sees.
inline std::string png_header(uint32_t width, uint32_t height, int bit_depth, int colour_type) {
  const std::string ihdr = big_endian32(width) + big_endian32(height) + static_cast<char>(bit_depth) +
                           static_cast<char>(colour_type) + std::string(3, '\0');
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr);
}

// A complete PNG whose `scanlines` (each row: filter byte 0, then samples, 16-bit ones big-endian) are stored in
// one uncompressed deflate block (so at most 65535 bytes).
inline std::string png_file(uint32_t width, uint32_t height, int bit_depth, int colour_type,
                            const std::string& scanlines) {
  const auto len = static_cast<uint16_t>(scanlines.size());
  const auto nlen = static_cast<uint16_t>(~len);
  uint32_t a = 1, b = 0;  // adler32 of the uncompressed data
  for (unsigned char c : scanlines) a = (a + c) % 65521, b = (b + a) % 65521;
  const std::string zlib = std::string("\x78\x01\x01", 3) +  // zlib header; final stored block
                           static_cast<char>(len & 0xff) + static_cast<char>(len >> 8) +
                           static_cast<char>(nlen & 0xff) + static_cast<char>(nlen >> 8) + scanlines +
                           big_endian32((b << 16) | a);
  return png_header(width, height, bit_depth, colour_type) + png_chunk("IDAT", zlib) + png_chunk("IEND", "");
}

}  // namespace ssdx::test
