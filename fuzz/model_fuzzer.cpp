// libFuzzer target: an ONNX file from the internet is untrusted input. Each input is parsed as a model, shape-
// inferred, optimized and planned (a Session), then run once when its inputs are small, on deterministic data.
// Expected failures are ssdx::Error (the one-line errors users see) and std::bad_alloc under the memory ceilings;
// anything else — a crash, a sanitizer report, another exception, a hang — is a bug the fuzzer reports.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/session.h"
#include "graph/error.h"
#include "graph/onnx_parser.h"

namespace {

constexpr uint64_t kMaxBytes = uint64_t{64} << 20;  // weights, arena and any single tensor
constexpr int64_t kMaxInputElements = 1 << 20;      // larger inputs are loaded and planned but not run

ssdx::Tensor make_input(const ssdx::TensorInfo& info) {
  ssdx::Tensor t(info.dtype, info.shape);
  auto* bytes = static_cast<uint8_t*>(t.raw());
  for (size_t i = 0; i < t.nbytes(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);  // any bit pattern is valid
  if (info.dtype == ssdx::DataType::Float)  // keep floats finite and moderate so runs stay meaningful
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i % 17) * 0.25f - 2.f;
  if (info.dtype == ssdx::DataType::Bool)
    for (size_t i = 0; i < t.nbytes(); ++i) bytes[i] &= 1;
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("SSDX_MAX_TENSOR_BYTES", std::to_string(kMaxBytes).c_str(), 1);
  setenv("OMP_NUM_THREADS", "1", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    ssdx::LoadOptions load;
    load.max_weight_bytes = kMaxBytes;
    ssdx::Graph g = ssdx::load_onnx_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.onnx", "", load);
    ssdx::SessionOptions opts;
    opts.threads = 1;
    opts.max_weight_bytes = opts.max_arena_bytes = kMaxBytes;
    ssdx::Session session(std::move(g), opts);
    ssdx::TensorMap feeds;
    for (const ssdx::TensorInfo& in : session.inputs()) {
      if (!ssdx::shape_is_static(in.shape) || ssdx::shape_numel(in.shape) > kMaxInputElements) return 0;
      if (in.dtype == ssdx::DataType::String || in.dtype == ssdx::DataType::Undefined) return 0;
      feeds.emplace(in.name, make_input(in));
    }
    session.run(feeds);
  } catch (const ssdx::Error&) {
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
