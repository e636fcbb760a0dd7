#pragma once
// Session-wide settings.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "graph/tensor.h"  // bytes_str, for the ceilings' messages

namespace ssdx {

// The most threads a session may use: more only oversubscribes any machine ssdx runs on, and each one reserves
// a stack (8 MiB by default) that a limited address space may not have.
constexpr int kMaxThreads = 256;

// What the float convolutions compute in. Bf16: their inputs and weights rounded to bfloat16, products accumulated in
// fp32, outputs fp32 (docs/bf16_precision.md); only where oneDNN has a native bf16 kernel for the CPU
// (bf16_convolutions_supported(), ops/cpu_isa.h), each convolution falling back to fp32 elsewhere. Every other op,
// and the int8 convolutions, stay as they are.
enum class Precision { Fp32, Bf16 };

struct SessionOptions {
  int threads = 0;              // 0: OpenMP's default (all cores); at most kMaxThreads
  bool constant_folding = true; // fold nodes whose inputs are all constants at load
  bool optimize = true;         // fold BatchNormalization, fuse Conv+Add+Relu, drop Identity
  bool winograd = true;         // Winograd 3x3 stride-1 convolutions (~1.8x faster; ~1e-6 relative rounding
                                // differences from direct convolution, within the ORT parity tolerances)
  Precision precision = Precision::Fp32;  // Bf16 also turns Winograd off for those convolutions (fp32 only)
  bool reference_kernels = false;  // every op runs its reference kernel (impl "ref"): plain loops, plain layouts,
                                   // no oneDNN; slow, for telling a fast-kernel bug from a model problem
  bool verbose = false;         // at load, one stderr line per node: its kernel, output layout, and whether its
                                // shapes wait for run time (library callers only; no CLI flag sets it)
  std::ostream* dump_passes = nullptr;  // when set, the graph after each optimization pass (engine/pass_pipeline.h)
  // Values a tool will watch through a RunObserver (engine/executor.h): the passes leave them computed, as they
  // leave graph outputs, where a fusion would otherwise swallow them (Conv -> Add: the Conv's output); they stay
  // inner values, so their layouts and arena places are those of any other value. Unknown names are ignored.
  std::vector<std::string> keep_values = {};
  // Free-dimension overrides: graph input name -> its full shape, fixed at load before anything is inferred (like
  // onnxruntime's free-dimension overrides and OpenVINO's reshape). Dims the file fixes must agree; unknown names fail.
  std::map<std::string, Shape> input_shapes = {};
  // A model whose inputs keep dims unknown at load is compiled again, fully static, for each input shape it is run
  // at (every fast kernel, the fusions and a memory plan), and the compiled forms of the last `shape_cache` shapes
  // are kept (least recently used goes first). 0 runs the dynamic graph itself, re-inferring shapes in each run.
  int shape_cache = 4;
  // Memory ceilings, 8 GiB each so that both together leave a 24 GiB machine a third of its memory.
  // Weights: the initializers, the constants folding makes (counted as they are made) and what fusion rewrites;
  // loading fails with one line instead of allocating more. Activations: the planned arena (activations with
  // shapes known at load, scratchpads) at load, plus, in each run, the tensors with run-time shapes and the outputs
  // alive at once; a run that would allocate past it fails with one line naming the node.
  uint64_t max_weight_bytes = uint64_t{8} << 30;
  uint64_t max_arena_bytes = uint64_t{8} << 30;
};


// Sets the thread count of OpenMP (our kernels) and thereby oneDNN (built on the OpenMP runtime) for the calling
// thread while in scope, then restores the caller's. OpenMP's setting belongs to each thread, so a Session sets it
// wherever it works: at load (oneDNN sizes its blocking by it) and in every run, whichever thread calls. 0 keeps the
// calling thread's setting. The threads are started here first (engine/thread_start.h): failing is an Error.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads);
  ~ThreadCountScope();
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace ssdx
