#pragma once
// Public API: load a model once (parse -> resolve ops -> fold + infer shapes -> drop dead nodes -> create kernels),
// then run it many times.
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "engine/options.h"
#include "graph/graph.h"
#include "ops/op.h"

namespace ssdx {

struct TensorInfo {
  std::string name;
  DataType dtype;
  Shape shape;  // kUnknownDim for dims known only at run time
};

using TensorMap = std::map<std::string, Tensor>;

// Per-node timings of one run, in execution order (Session::run with a profile).
struct NodeProfile {
  std::string name, op_type;
  std::string impl;    // kernel implementation, e.g. "onednn:brgconv:avx512_core" or "ref"
  std::string layout;  // output memory layout, e.g. "nchw" or "nChw16c"
  double start_us = 0, duration_us = 0;  // from the start of run()
  double flops = 0;                      // floating-point operations (2 per multiply-add) when known, else 0
};
struct RunProfile {
  std::vector<NodeProfile> nodes;
  double total_us = 0;
  int threads = 0;  // the OpenMP thread count the run's kernels were given
};

class Session {
 public:
  // Loads an .onnx file. Throws Error with a one-line message on any problem.
  static std::unique_ptr<Session> load(const std::string& path, const SessionOptions& opts = {});
  Session(Graph graph, const SessionOptions& opts);
  ~Session();

  const std::vector<TensorInfo>& inputs() const { return inputs_; }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }
  const Graph& graph() const { return graph_; }
  int folded_nodes() const { return folded_; }
  int fused_nodes() const { return fused_; }
  // Bytes of the arena one run uses for activations and scratch (planned at load; reused across runs).
  size_t arena_bytes() const { return arena_bytes_; }

  // Runs the model. Every graph input must be fed with the declared dtype and a compatible shape.
  TensorMap run(const TensorMap& feeds) const { return run(feeds, nullptr); }
  // Same, recording per-node timings into `profile` when it is not null.
  TensorMap run(const TensorMap& feeds, RunProfile* profile) const;

  // The kernel implementation chosen for each node, in execution order (for tools and tests).
  std::vector<std::string> kernel_names() const;
  // The memory layout the kernel producing value `id` of graph() writes it in ("plain", "nhwc", "nChw16c", ...):
  // for `ssdx inspect --plan`. Constants and graph inputs are plain.
  std::string value_layout(int id) const {
    return id >= 0 && static_cast<size_t>(id) < layouts_.size() ? layout_name(layouts_[static_cast<size_t>(id)]) : "plain";
  }

 private:
  struct Step;
  class ArenaPool;
  class PlanCache;
  void optimize();
  void create_kernels();
  void plan_memory();
  void check_feed(const TensorInfo& info, const Tensor& t) const;

  Graph graph_;
  SessionOptions opts_;
  std::vector<TensorInfo> inputs_, outputs_;
  std::vector<Step> steps_;
  std::vector<int> last_use_;          // per value: index of the last step reading it (-1: none)
  std::vector<LayoutPtr> layouts_;     // per value: the layout its producer writes
  std::vector<int64_t> arena_offset_;  // per value: offset in the arena, -1 when allocated at run time
  size_t workspace_offset_ = 0, workspace_bytes_ = 0, arena_bytes_ = 0;
  std::unique_ptr<ArenaPool> arenas_;
  int folded_ = 0, fused_ = 0;
};

}  // namespace ssdx
