#include "tools/output_file_name.h"

#include <cstdio>

namespace ssdx::cli {

std::string output_file_name(const std::string& output_name, size_t index) {
  constexpr size_t kMaxEncoded = 200;
  std::string encoded;
  bool cut = false;
  for (size_t i = 0; i < output_name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(output_name[i]);
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-' || (c == '.' && i > 0);
    char piece[4] = {static_cast<char>(c), 0, 0, 0};
    if (!keep) std::snprintf(piece, sizeof piece, "%%%02X", c);
    if (encoded.size() + std::char_traits<char>::length(piece) > kMaxEncoded) {
      cut = true;
      break;
    }
    encoded += piece;
  }
  if (output_name.empty()) encoded = "%";
  if (cut) encoded += "~" + std::to_string(index);
  return encoded + ".pb";
}

}  // namespace ssdx::cli
