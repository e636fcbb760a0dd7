#pragma once
// JSON string literals for the tools' machine output (and the tests' ORT exchange files).
#include <cmath>
#include <cstdio>
#include <string>

#include "graph/printable.h"

namespace ssdx {

// Quotes and escapes `s` (names and paths come from models and users): quotes, backslashes and control characters
// are escaped, and so is each byte that is not part of well-formed UTF-8 (as \u00XX, its byte value), so the
// output is always valid JSON.
inline std::string json_quote(const std::string& s) {
  std::string out = "\"";
  auto escape = [&](uint32_t v) {
    char esc[8];
    std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(v));
    out += esc;
  };
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = utf8_char_at(s, i, &cp);
    if (n == 0) {
      escape(static_cast<unsigned char>(s[i++]));
      continue;
    }
    if (cp == '"' || cp == '\\') out += '\\', out += static_cast<char>(cp);
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) escape(cp);
    else out.append(s, i, n);
    i += n;
  }
  return out + "\"";
}

// A number with 7 significant digits, or null when it is not finite (JSON has no inf or NaN).
inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return buf;
}

}  // namespace ssdx
