#pragma once
// If branches as the engine runs them. A branch is a Graph whose captured values (graph.h) are the If node's
// implicit inputs; bound to what the enclosing graph knows of those values, it becomes a graph of its own: a
// captured constant becomes a constant of the branch (it folds, and a convolution packs its weights), any other
// captured value an input. It then goes through the whole load pipeline of a Session (fold, infer, support check,
// passes, kernels, memory plan): a SubgraphProgram is that session, fed the outer values at each run.
#include <memory>
#include <string>
#include <vector>

#include "engine/options.h"
#include "graph/graph.h"
#include "ops/op.h"

namespace ssdx {

class Session;

// `branch` (an attribute of node `n`, called `which` in messages) with its captured values bound to `outer`, what
// is known of n's implicit inputs (ValueInfo i for n.implicit_names[i]).
Graph bind_branch(const Graph& branch, const Node& n, const std::vector<ValueInfo>& outer, const std::string& which);

// The dtypes and shapes of the branch's outputs (folded and inferred on a bound copy). Unsupported ops in the branch
// are rethrown as an UnsupportedOpsError naming them "<node>/<which>/<their name>", for the enclosing graph's report.
std::vector<ValueInfo> infer_branch(const Graph& branch, const Node& n, const std::vector<ValueInfo>& outer,
                                    const std::string& which);

class SubgraphProgram {
 public:
  SubgraphProgram(const Graph& branch, const Node& n, const std::vector<ValueInfo>& outer, const std::string& which,
                  const SessionOptions& opts);
  ~SubgraphProgram();

  // Runs the branch on the node's implicit inputs (outer[i] for n.implicit_names[i]); returns its outputs in order,
  // owned by the caller.
  std::vector<Tensor> run(const std::vector<const Tensor*>& outer) const;
  size_t steps() const;
  const Session& session() const { return *session_; }

 private:
  std::unique_ptr<Session> session_;
  std::vector<std::pair<std::string, size_t>> feeds_;  // a branch input's name, and which outer value feeds it
  std::vector<std::string> outputs_;
};

}  // namespace ssdx
