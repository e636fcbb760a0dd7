#include "graph/npy_header.h"

#include "graph/error.h"

namespace ssdx {

NpyPrelude parse_npy_prelude(const std::string& start, const std::string& source) {
  if (start.size() < 10 || start.compare(0, 6, "\x93NUMPY") != 0) fail(source, ": not a .npy file");
  NpyPrelude p;
  p.major = static_cast<unsigned char>(start[6]);
  const int minor = static_cast<unsigned char>(start[7]);
  if (p.major < 1 || p.major > 3 || minor != 0)
    fail(source, ": unsupported .npy format version ", p.major, ".", minor, " (1.0, 2.0 and 3.0 are read)");
  const size_t length_bytes = p.major == 1 ? 2 : 4;
  p.prelude_bytes = 8 + length_bytes;
  if (start.size() < p.prelude_bytes) fail(source, ": truncated .npy header");
  for (size_t i = 0; i < length_bytes; ++i)
    p.header_bytes |= static_cast<size_t>(static_cast<unsigned char>(start[8 + i])) << (8 * i);
  if (p.header_bytes > kNpyMaxHeaderBytes)
    fail(source, ": .npy header of ", p.header_bytes, " bytes is longer than the ", kNpyMaxHeaderBytes, " NumPy accepts");
  return p;
}

namespace {

// A recursive-descent reader of the dict's Python-literal subset NumPy writes.
class DictParser {
 public:
  DictParser(const std::string& text, bool utf8, const std::string& source) : s_(text), utf8_(utf8), source_(source) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_blanks();
    expect('{');
    skip_blanks();
    while (peek() != '}') {
      const size_t key_at = pos_;
      const std::string key = string_literal();
      skip_blanks();
      expect(':');
      skip_blanks();
      auto once = [&](bool& seen) {
        if (seen) bad("key '" + key + "' appears twice", key_at);
        seen = true;
      };
      if (key == "descr") {
        once(have_descr);
        if (peek() != '\'' && peek() != '"') bad("'descr' must be a string (structured dtypes are not read)", pos_);
        h.descr = string_literal();
      } else if (key == "fortran_order") {
        once(have_order);
        h.fortran_order = boolean();
      } else if (key == "shape") {
        once(have_shape);
        h.shape = tuple_of_ints();
      } else {
        bad("unexpected key '" + key + "'", key_at);
      }
      skip_blanks();
      if (peek() == ',') {
        ++pos_;
        skip_blanks();
      } else if (peek() != '}') {
        bad("expected ',' or '}'", pos_);
      }
    }
    ++pos_;
    if (!have_descr || !have_order || !have_shape)
      bad(std::string("no '") + (!have_descr ? "descr" : !have_order ? "fortran_order" : "shape") + "' key", pos_);
    // NumPy pads with spaces and ends the header with one newline.
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
    if (pos_ + 1 != s_.size() || s_[pos_] != '\n') bad("the dict must be followed only by spaces and a newline", pos_);
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& why, size_t at) const {
    fail(source_, ": malformed .npy header: ", why, " at byte ", at, " of the dict");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c) {
    if (peek() != c) bad(std::string("expected '") + c + "'", pos_);
    ++pos_;
  }
  void skip_blanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  // 'text' or "text", printable ASCII without escapes (v3 headers may hold UTF-8).
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string", pos_);
    const size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '\\' || c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8_)) bad("unexpected byte in a string", pos_);
      ++pos_;
    }
    if (pos_ >= s_.size()) bad("unterminated string", start - 1);
    return s_.substr(start, pos_++ - start);
  }
  bool word(const char* w) {
    const std::string ws(w);
    if (s_.compare(pos_, ws.size(), ws) != 0) return false;
    pos_ += ws.size();
    return true;
  }
  bool boolean() {
    if (word("True")) return true;
    if (word("False")) return false;
    bad("'fortran_order' must be True or False", pos_);
  }
  // (), (n,), (n, m), (n, m,): decimal digits only; a bare (n) is a number in Python, not a tuple.
  Shape tuple_of_ints() {
    Shape shape;
    expect('(');
    skip_blanks();
    bool comma_after_last = false;
    while (peek() != ')') {
      const size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == start) bad("a shape entry must be a whole number", start);
      if (pos_ - start > 18 || (s_[start] == '0' && pos_ - start > 1)) bad("bad shape entry", start);
      shape.push_back(std::stoll(s_.substr(start, pos_ - start)));
      skip_blanks();
      comma_after_last = peek() == ',';
      if (comma_after_last) {
        ++pos_;
        skip_blanks();
      } else if (peek() != ')') {
        bad("expected ',' or ')' in the shape", pos_);
      }
    }
    if (shape.size() == 1 && !comma_after_last) bad("a one-entry shape needs its comma, as in (3,)", pos_);
    ++pos_;
    return shape;
  }

  const std::string& s_;
  bool utf8_;
  const std::string& source_;
  size_t pos_ = 0;
};

}  // namespace

NpyHeader parse_npy_dict(const std::string& dict, const NpyPrelude& prelude, const std::string& source) {
  NpyHeader h = DictParser(dict, prelude.major == 3, source).parse();
  h.data_offset = prelude.prelude_bytes + prelude.header_bytes;
  return h;
}

}  // namespace ssdx
