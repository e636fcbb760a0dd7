#pragma once
// ssdx public API: Session, one ONNX model loaded once (parsed, optimized, kernels chosen, memory planned) and run
// any number of times, from any number of threads at once.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ssdx/tensor.h"

namespace ssdx::api {

struct Options {
  int threads = 0;               // OpenMP threads per run; 0: OpenMP's default (all cores); at most 256
  bool optimize = true;          // fold BatchNormalization, fuse Conv+Add+Relu and QDQ groups, drop Identity
  bool winograd = true;          // Winograd for 3x3 stride-1 convolutions (faster; ~1e-6 relative differences)
  bool reference_kernels = false;  // every op on its plain reference kernel (slow; for isolating kernel bugs).
                                   // Throws Error at load when the linked engine has no reference kernels.
  // Ceilings: loading fails past max_weight_bytes of weights; a run fails past max_arena_bytes of activations.
  uint64_t max_weight_bytes = uint64_t{8} << 30;
  uint64_t max_arena_bytes = uint64_t{8} << 30;
  // Fixes graph inputs' free dims at load (name -> full shape), like onnxruntime's free-dimension overrides.
  std::map<std::string, Shape> input_shapes;
  // Without a fixed shape, each new input shape is compiled as a static model on its first run; the last
  // `shape_cache` of them are kept. 0: run the dynamic graph as it is (slower: no fusions, no memory plan).
  int shape_cache = 4;
};

// A graph input or output: its name, element type and shape (-1 for dimensions known only at run time).
struct TensorInfo {
  std::string name;
  DType dtype = DType::Unknown;
  Shape shape;
};

// Tensors by input or output name.
using NamedTensors = std::map<std::string, Tensor>;

// One node of a profiled run, in execution order.
struct NodeTiming {
  std::string name, op_type;
  std::string impl;  // the kernel that ran it, e.g. "onednn:brgconv:avx512_core" or "ref"
  double start_us = 0, duration_us = 0;  // from the start of the run
};
struct Profile {
  std::vector<NodeTiming> nodes;
  double total_us = 0;
  int threads = 0;  // the thread count the run's kernels were given
};

class Session {
 public:
  // Loads an .onnx file. Throws Error (one line naming the file) on any problem.
  static Session load(const std::string& path, const Options& options = {});
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;

  // Runs the model on `feeds` (every input by name, with its dtype and shape). Borrowed feeds are read in place, not
  // copied. Returns every output as an owned tensor. `profile`, when given, receives per-node timings.
  NamedTensors run(const NamedTensors& feeds, Profile* profile = nullptr) const;

  // Same, into caller buffers: each entry of `outputs` named after a model output must have that output's dtype
  // and shape (typically Tensor::borrow of the caller's memory) and receives its values, copied once from the
  // engine's own output buffer; outputs not present are added as owned tensors. Wrong names, dtypes, shapes or
  // read-only buffers throw Error before anything is written.
  void run(const NamedTensors& feeds, NamedTensors& outputs, Profile* profile = nullptr) const;

  struct Impl;  // the library's; opaque here

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssdx::api
