#pragma once
// Hand-made JPEG bytes for hostile structure: progressive gray images with as many scans as asked, each scan tiny
// (all blocks' coefficients coded as zero, an end-of-band run for the AC scans), and a frame without any scan.
#include <cstdint>
#include <string>

namespace ssdx::test {

inline std::string jpeg_segment(unsigned char marker, const std::string& payload) {
  const size_t n = payload.size() + 2;
  return std::string{'\xff', static_cast<char>(marker), static_cast<char>(n >> 8), static_cast<char>(n & 0xff)} +
         payload;
}

// Start of image, a quantisation table and a progressive (SOF2) frame header for one 8-bit gray component.
inline std::string jpeg_progressive_header(uint16_t width, uint16_t height) {
  const std::string dqt = std::string(1, '\0') + std::string(64, '\x01');
  const std::string sof = std::string{8, static_cast<char>(height >> 8), static_cast<char>(height & 0xff),
                                      static_cast<char>(width >> 8), static_cast<char>(width & 0xff), 1, 1, 0x11, 0};
  return std::string("\xff\xd8", 2) + jpeg_segment(0xdb, dqt) + jpeg_segment(0xc2, sof);
}

// Entropy-coded bits, padded with ones, 0xff bytes stuffed.
inline std::string jpeg_entropy(const std::string& bit_chars) {
  std::string out;
  for (size_t i = 0; i < bit_chars.size(); i += 8) {
    int byte = 0;
    for (size_t k = i; k < i + 8; ++k) byte = byte << 1 | (k < bit_chars.size() ? bit_chars[k] == '1' : 1);
    out += static_cast<char>(byte);
    if (byte == 0xff) out += '\0';
  }
  return out;
}

// A decodable progressive JPEG of `scans` scans: a DC scan, then AC scans that each skip every block.
inline std::string progressive_jpeg(uint16_t width, uint16_t height, int scans) {
  // DC table 0: one 1-bit code for category 0; AC table 0: '0' = end of block, '10' = end-of-band run of 2^14+.
  const std::string dc_table = std::string(1, '\x00') + '\x01' + std::string(15, '\0') + std::string(1, '\0');
  const std::string ac_table = std::string(1, '\x10') + "\x01\x01" + std::string(14, '\0') + std::string("\x00\xe0", 2);
  std::string out = jpeg_progressive_header(width, height) + jpeg_segment(0xc4, dc_table) + jpeg_segment(0xc4, ac_table);
  const size_t blocks = size_t((width + 7) / 8) * ((height + 7) / 8);
  out += jpeg_segment(0xda, std::string("\x01\x01\x00\x00\x00\x00", 6)) + jpeg_entropy(std::string(blocks, '0'));
  std::string skip_all;  // runs of 32767 blocks: the code '10' and 14 one bits
  for (size_t covered = 0; covered < blocks; covered += 32767) skip_all += "10" + std::string(14, '1');
  for (int s = 1; s < scans; ++s)
    out += jpeg_segment(0xda, std::string("\x01\x01\x00\x01\x3f\x00", 6)) + jpeg_entropy(skip_all);
  return out + "\xff\xd9";
}

}  // namespace ssdx::test
