#pragma once
// Public API: load a model once, then run it many times. Loading composes the engine's stages: parse -> resolve
// ops -> fold + infer shapes -> the optimization passes (engine/pass_pipeline.h) -> layout negotiation
// (engine/layout_negotiation.h) -> kernels -> memory plan (engine/planner.h); each run goes to the executor
// (engine/executor.h). plan() describes the result.
#include <memory>
#include <string>
#include <vector>

#include "engine/execution_plan.h"
#include "engine/executor.h"
#include "engine/options.h"
#include "engine/shape_specialization.h"
#include "graph/graph.h"
#include "ops/op.h"

namespace ssdx {

class Session {
 public:
  // Loads an .onnx file. Throws Error with a one-line message on any problem.
  static std::unique_ptr<Session> load(const std::string& path, const SessionOptions& opts = {});
  Session(Graph graph, const SessionOptions& opts);
  ~Session();

  const std::vector<TensorInfo>& inputs() const { return inputs_; }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }
  // The optimized graph the steps run (for tests that look at what the passes made; tools read plan()).
  const Graph& graph() const { return graph_; }
  // What the session executes: steps, kernels, layouts, arena, pass log (as decided at load).
  const ExecutionPlan& plan() const { return plan_; }
  // The kernel implementation of each step now: a kernel whose shapes arrive at run time picks its implementation
  // when it first runs, after plan() was made.
  std::vector<std::string> kernel_names() const;
  int folded_nodes() const { return plan_.folded; }
  int fused_nodes() const { return plan_.fused; }
  // Bytes of the arena one run uses for activations and scratch (planned at load; reused across runs).
  size_t arena_bytes() const { return plan_.arena_bytes; }

  // Runs the model. Every graph input must be fed with the declared dtype and a compatible shape.
  TensorMap run(const TensorMap& feeds) const { return run(feeds, nullptr); }
  // Same, recording per-node timings into `profile` when it is not null, and showing every step's tensors to
  // `observer` when it is not null (engine/executor.h).
  TensorMap run(const TensorMap& feeds, RunProfile* profile, RunObserver* observer = nullptr) const;

  // A model whose inputs have dims unknown at load runs each input shape on a session compiled for that shape
  // (SessionOptions::shape_cache; engine/shape_specialization.h). The one for these feeds' shapes (compiled now if
  // it is not cached); this session itself when its inputs are static or the cache is off.
  std::shared_ptr<const Session> compiled_for(const TensorMap& feeds) const;
  // The input shapes with a compiled session kept now, most recently used first (empty for a static model).
  std::vector<std::vector<Shape>> compiled_shapes() const;

 private:
  void optimize();
  void create_kernels();
  void plan_memory();
  void describe_plan(const ValuePlacement& placement, const std::vector<bool>& in_place);

  Graph graph_;
  SessionOptions opts_;
  std::vector<TensorInfo> inputs_, outputs_;
  std::vector<ExecStep> steps_;
  std::vector<LayoutPtr> layouts_;  // per value: the layout its producer writes
  ExecutionPlan plan_;
  std::unique_ptr<Executor> executor_;
  std::shared_ptr<const Graph> pristine_;          // the graph as loaded, for compiling it per input shape
  std::unique_ptr<CompiledShapes> compiled_;       // null: inputs static, or the cache is off
};

}  // namespace ssdx
