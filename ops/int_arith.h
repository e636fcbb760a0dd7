#pragma once
// Integer arithmetic with ONNX's (numpy's) results where C++ has none: signed overflow wraps around (two's
// complement) instead of being undefined behaviour, and INT_MIN / -1 gives INT_MIN instead of trapping in idiv.
// Floats pass through unchanged. Used by every integer elementwise op and reduction.
#include <type_traits>

namespace ssdx {

template <typename T>
using WrapType = std::conditional_t<std::is_integral_v<T>, std::make_unsigned_t<T>, T>;

template <typename T>
constexpr T wrapping_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapType<T>>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b)));
  else return a + b;
}
template <typename T>
constexpr T wrapping_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapType<T>>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b)));
  else return a - b;
}
template <typename T>
constexpr T wrapping_mul(T a, T b) {
  // Unsigned types narrower than int promote to (signed) int, whose products can overflow: multiply as unsigned int.
  if constexpr (std::is_integral_v<T>) {
    using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, WrapType<T>>;
    return static_cast<T>(static_cast<WrapType<T>>(static_cast<U>(static_cast<WrapType<T>>(a)) * static_cast<U>(static_cast<WrapType<T>>(b))));
  } else {
    return a * b;
  }
}
// The divisor must not be zero for integers (callers refuse that first).
template <typename T>
constexpr T wrapping_div(T a, T b) {
  if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    if (b == -1) return wrapping_sub(T(0), a);  // INT_MIN / -1 would trap
  return a / b;
}

}  // namespace ssdx
