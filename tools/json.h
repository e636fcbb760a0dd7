#pragma once
// JSON string literals for the tools' machine output (and the tests' ORT exchange files).
#include <cmath>
#include <cstdio>
#include <string>

namespace ssdx {

// Quotes and escapes `s`: paths may hold quotes, backslashes and control characters (other bytes pass through).
inline std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
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
