#pragma once
// Hand-made PNG bytes for what stb_image_write cannot produce: 16-bit samples and hostile headers.
#include <algorithm>
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

// The 8-byte signature and an IHDR chunk (deflate, adaptive filtering, `interlace` 0 none or 1 Adam7): all a
// header reader sees.
inline std::string png_header(uint32_t width, uint32_t height, int bit_depth, int colour_type, int interlace = 0) {
  const std::string ihdr = big_endian32(width) + big_endian32(height) + static_cast<char>(bit_depth) +
                           static_cast<char>(colour_type) + std::string(2, '\0') + static_cast<char>(interlace);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr);
}

// The signature, IHDR, one IDAT chunk holding `zlib` and IEND.
inline std::string png_with_idat(uint32_t width, uint32_t height, int bit_depth, int colour_type,
                                 const std::string& zlib, int interlace = 0) {
  return png_header(width, height, bit_depth, colour_type, interlace) + png_chunk("IDAT", zlib) +
         png_chunk("IEND", "");
}

// `data` as a zlib stream of uncompressed deflate blocks (65535 bytes each at most).
inline std::string zlib_stored(const std::string& data) {
  std::string out("\x78\x01", 2);
  size_t at = 0;
  do {
    const auto len = static_cast<uint16_t>(std::min<size_t>(data.size() - at, 65535));
    const auto nlen = static_cast<uint16_t>(~len);
    const bool last = at + len == data.size();
    out += static_cast<char>(last);
    out += {static_cast<char>(len & 0xff), static_cast<char>(len >> 8), static_cast<char>(nlen & 0xff),
            static_cast<char>(nlen >> 8)};
    out.append(data, at, len);
    at += len;
  } while (at < data.size());
  uint32_t a = 1, b = 0;  // adler32 of the uncompressed data
  for (unsigned char c : data) a = (a + c) % 65521, b = (b + a) % 65521;
  return out + big_endian32((b << 16) | a);
}

// A complete PNG whose `scanlines` (each row: filter byte 0, then samples, 16-bit ones big-endian; Adam7's seven
// sub-images one after the other when interlaced) are stored uncompressed.
inline std::string png_file(uint32_t width, uint32_t height, int bit_depth, int colour_type,
                            const std::string& scanlines, int interlace = 0) {
  return png_with_idat(width, height, bit_depth, colour_type, zlib_stored(scanlines), interlace);
}

// A zlib stream of at least `zeros` zero bytes (one, then a multiple of 258), deflated with fixed Huffman codes as one literal
// and then (length 258, distance 1) matches: 13 bits for every 258 bytes, the densest deflate allows.
inline std::string zlib_of_zeros(uint64_t zeros) {
  std::string out("\x78\x01", 2);
  uint32_t bits = 0;
  int nbits = 0;
  auto put = [&](uint32_t value, int count) {  // value's bits, least significant first
    bits |= value << nbits;
    for (nbits += count; nbits >= 8; nbits -= 8, bits >>= 8) out += static_cast<char>(bits & 0xff);
  };
  auto put_code = [&](uint32_t code, int count) {  // Huffman codes go most significant bit first
    for (int i = count - 1; i >= 0; --i) put((code >> i) & 1, 1);
  };
  put(1, 1);                 // final block
  put(1, 2);                 // fixed Huffman codes
  put_code(0x30, 8);         // literal 0
  uint64_t n = 1;
  for (; n < zeros; n += 258) {
    put_code(0xc5, 8);       // length 258 (code 285)
    put_code(0, 5);          // distance 1
  }
  put_code(0, 7);            // end of block
  if (nbits) put(0, 8 - nbits);
  return out + big_endian32(static_cast<uint32_t>(n % 65521));  // adler32 of n zeros: a = 1, b = n
}

}  // namespace ssdx::test
