#pragma once
// What a loaded Session will execute, for tools and tests to read instead of the session's internals: per step the
// node, its kernel, the values it reads and writes, where each output lives (arena offset or allocated at run time)
// and in which layout; the arena; and what the optimization passes did.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/pass_pipeline.h"
#include "graph/graph.h"

namespace ssdx {

struct PlannedOutput {
  std::string name;            // "" for an omitted optional output
  std::string layout;          // "plain", "nChw16c", ...: as the kernel writes it
  int64_t arena_offset = -1;   // -1: allocated at run time (graph outputs, run-time shapes)
  size_t bytes = 0;            // planned bytes in the arena (0 when allocated at run time)
  bool in_place = false;       // takes over an input's arena buffer (a fused residual sum)
};

struct PlannedStep {
  std::string name, op_type, domain;  // domain "" for ai.onnx
  std::string impl;                   // the kernel implementation at load, e.g. onednn:brgconv:avx512_core_vnni
                                      // (one with run-time shapes may pick another when it runs: kernel_names())
  std::string compute_precision;      // Kernel::compute_precision(): "bf16" for a float convolution run in bf16
  std::vector<std::string> inputs;    // value names, "" for omitted optional inputs (constants included)
  std::vector<PlannedOutput> outputs;
  bool shapes_static = false;         // every output shape fixed at load (else inferred in each run)
  std::vector<NodeOrigin> origins;    // the ONNX nodes it computes (graph.h origins_of)
};

struct ExecutionPlan {
  std::vector<PlannedStep> steps;  // in execution order
  size_t arena_bytes = 0;          // activations with static shapes plus the workspace
  size_t workspace_bytes = 0;      // the scratch region shared by every step
  int folded = 0, fused = 0;       // nodes folded into constants / merged into other kernels at load
  std::vector<PassRecord> passes;  // the optimization passes that ran, with their counts
};

}  // namespace ssdx
