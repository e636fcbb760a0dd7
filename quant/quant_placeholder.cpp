// The quant library is empty until the int8 issue; this translation unit keeps the static library well-formed.
namespace ssdx { namespace quant { int library_version() { return 0; } } }
