#pragma once
// Text from a model or a user (names, op types, domains, paths) made safe to print on one terminal line: control
// bytes (below 0x20, 0x7f, and the C1 controls U+0080-U+009F that terminals may act on), invalid UTF-8 and the
// backslash become \xNN escapes, so a name can neither forge a second line nor send escape sequences. Valid
// printable UTF-8 stays as it is.
#include <cstdint>
#include <string>
#include <string_view>

namespace ssdx {

// The byte length of the well-formed UTF-8 character at s[i] (its code point in *code_point), or 0 when the bytes
// there are not one (stray continuation, overlong form, surrogate, past U+10FFFF, cut short).
size_t utf8_char_at(std::string_view s, size_t i, uint32_t* code_point = nullptr);

std::string printable(std::string_view s);

// printable(s) cut to at most `max_bytes` bytes of output (at an escape or character boundary), with the number of
// input bytes left out: for messages whose size a model controls.
std::string printable_capped(std::string_view s, size_t max_bytes);

}  // namespace ssdx
