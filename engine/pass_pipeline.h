#pragma once
// The optimization pipeline: a named, ordered list of graph passes. After every pass the graph is verified (a pass
// that breaks it fails with one line naming the pass), its count is recorded, and, when asked, the graph is
// printed (graph_text) so one can see what each pass did. Each pass's count adds to the nodes fused or folded at
// load, or to neither (clean-ups such as dead-node elimination).
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/options.h"
#include "graph/graph.h"

namespace ssdx {

enum class PassEffect { Fuses, Folds, CleansUp };

struct Pass {
  std::string name;
  std::function<int(Graph&)> run;  // returns how many nodes it rewrote, folded or removed
  PassEffect effect = PassEffect::Fuses;
};

struct PassRecord {
  std::string name;
  int count = 0;
};

struct PipelineResult {
  int fused = 0, folded = 0;
  std::vector<PassRecord> log;  // one entry per pass run, in order
};

// The session's passes for `opts`, in order: the QDQ rewrites (int8 groups first: a Conv between DequantizeLinear
// and QuantizeLinear must become QLinearConv, not FusedConv), dead nodes, folding what those left of the weights'
// DequantizeLinear nodes (with constant folding on), then BatchNormalization into the conv, the residual Add, the
// Relu after the sum, Identity removal, dead nodes again.
std::vector<Pass> optimization_passes(const SessionOptions& opts);

// Runs `passes` over `g` in order. With `dump`, writes "== after NAME (COUNT)" and graph_text(g) after each pass.
PipelineResult run_pipeline(Graph& g, const std::vector<Pass>& passes, std::ostream* dump = nullptr);

// One line per live node, "name: op_type(input, ...) -> output, ...", op types of other domains qualified
// ("ssdx.FusedConv"), omitted optional inputs as "".
std::string graph_text(const Graph& g);

}  // namespace ssdx
