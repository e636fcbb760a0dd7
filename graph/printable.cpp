#include "graph/printable.h"

#include <cstdint>
#include <cstdio>

namespace ssdx {
namespace {

// The length of the valid, printable UTF-8 sequence at s[i] (1 for printable ASCII), or 0 to escape s[i].
size_t printable_sequence(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c >= 0x20 && c < 0x7f && c != '\\' ? 1 : 0;
  uint32_t cp = 0;
  const size_t n = utf8_char_at(s, i, &cp);
  return n && !(cp >= 0x80 && cp <= 0x9f) ? n : 0;  // C1 controls are escaped too
}

void append_escape(std::string& out, unsigned char c) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

}  // namespace

size_t utf8_char_at(std::string_view s, size_t i, uint32_t* code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t n;
  uint32_t cp;
  if (c < 0x80) n = 1, cp = c;
  else if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1fu;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0fu;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07u;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3fu);
  }
  const uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  if (n > 1 && cp < min_for_length[n]) return 0;                // overlong
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // beyond Unicode, surrogates
  if (code_point) *code_point = cp;
  return n;
}

std::string printable_capped(std::string_view s, size_t max_bytes) {
  std::string out;
  out.reserve(s.size() < max_bytes ? s.size() : max_bytes);
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = printable_sequence(s, i);
    const size_t grows = n ? n : 4;
    if (out.size() + grows > max_bytes) break;
    if (n) out.append(s.substr(i, n));
    else append_escape(out, static_cast<unsigned char>(s[i]));
    i += n ? n : 1;
  }
  if (i < s.size()) out += " ... (" + std::to_string(s.size() - i) + " more bytes)";
  return out;
}

std::string printable(std::string_view s) { return printable_capped(s, std::string::npos); }

}  // namespace ssdx
