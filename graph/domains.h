#pragma once
// The op domains ssdx knows, spelled once: a node's `domain` is compared with these, never with a literal.
namespace ssdx {

constexpr const char* kOnnxDomain = "";                 // the default ONNX domain (also written "ai.onnx")
constexpr const char* kMicrosoftDomain = "com.microsoft";  // onnxruntime's contrib ops (QLinearAdd, ...)
constexpr const char* kInternalDomain = "ssdx";          // ssdx's own ops, made by its passes; never read from a file

}  // namespace ssdx
