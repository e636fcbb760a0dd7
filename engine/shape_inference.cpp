#include "engine/shape_inference.h"

#include <map>
#include <sstream>
#include <tuple>

#include "engine/options.h"
#include "ops/evaluate.h"

namespace ssdx {

std::vector<const OpDef*> find_ops(const Graph& g, const OpRegistry& registry) {
  std::vector<const OpDef*> defs(g.nodes.size(), nullptr);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const int64_t opset = g.opset(n.domain);
    if (opset > 0) defs[i] = registry.find(n.domain, n.op_type, opset);
  }
  return defs;
}

namespace {

UnsupportedNode unsupported_node(const Graph& g, const Node& n) {
  return {n.domain, n.op_type, n.name, g.opset(n.domain), n.attrs.has_subgraphs()};
}

// "Frobnicate (domain 'ai.onnx', opset 13) x200 in nodes 'a', 'b', 'c' and 197 more; ...": one readable line even
// for a graph with hundreds of them.
std::string grouped_list(const std::vector<UnsupportedNode>& nodes, size_t* types) {
  struct Missing {
    int count = 0;
    std::vector<std::string> nodes;  // the first few
  };
  std::map<std::tuple<std::string, std::string, int64_t>, Missing> missing;
  for (const UnsupportedNode& u : nodes) {
    Missing& m = missing[{u.domain, u.op_type, u.opset}];
    if (m.count++ < 3) m.nodes.push_back(u.node);
  }
  std::ostringstream os;
  for (const auto& [key, m] : missing) {
    const auto& [domain, op, opset] = key;
    os << (os.tellp() > 0 ? "; " : "") << op << " (domain '" << (domain.empty() ? "ai.onnx" : domain) << "', opset "
       << opset << (opset == 0 ? " [domain not imported]" : "") << ")";
    if (m.count > 1) os << " x" << m.count;
    os << " in node" << (m.count > 1 ? "s" : "");
    for (size_t k = 0; k < m.nodes.size(); ++k) os << (k ? ", '" : " '") << m.nodes[k] << "'";
    if (m.count > static_cast<int>(m.nodes.size())) os << " and " << m.count - static_cast<int>(m.nodes.size()) << " more";
  }
  *types = missing.size();
  return os.str();
}

}  // namespace

std::vector<UnsupportedNode> unsupported_nodes(const Graph& g, const std::vector<const OpDef*>& defs) {
  std::vector<UnsupportedNode> out;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i].dead && !defs[i]) out.push_back(unsupported_node(g, g.nodes[i]));
  return out;
}

void fail_unsupported(const std::string& source, std::vector<UnsupportedNode> nodes) {
  std::ostringstream os;
  os << source << ": ";
  std::vector<UnsupportedNode> others;
  const UnsupportedNode* control = nullptr;
  for (const UnsupportedNode& u : nodes) {
    if (u.takes_subgraphs && !control) control = &u;
    else others.push_back(u);
  }
  if (control)
    os << control->op_type << " (node '" << control->node
       << "') is not supported: ssdx runs If but not Loop or Scan subgraphs" << (others.empty() ? "" : "; also ");
  if (!others.empty()) {
    size_t types = 0;
    const std::string list = grouped_list(others, &types);
    const size_t count = others.size();
    os << count << " unsupported op" << (count > 1 ? "s" : "") << " of " << types << " type" << (types > 1 ? "s" : "")
       << ": " << list;
  }
  throw UnsupportedOpsError(os.str(), std::move(nodes));
}

std::vector<const OpDef*> resolve_ops(const Graph& g, const OpRegistry& registry) {
  std::vector<const OpDef*> defs = find_ops(g, registry);
  std::vector<UnsupportedNode> missing = unsupported_nodes(g, defs);
  if (!missing.empty()) fail_unsupported(g.source, std::move(missing));
  return defs;
}

std::vector<ValueInfo> node_input_infos(const Graph& g, const Node& n) {
  std::vector<ValueInfo> infos(n.inputs.size());
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] == kNoValue) continue;
    const Value& v = g.value(n.inputs[i]);
    infos[i].dtype = v.dtype;
    infos[i].shape = v.shape;
    infos[i].shape_known = v.shape_known;
    infos[i].constant = v.constant.get();
    if (v.dtype == DataType::Undefined) fail("input '", v.name, "' has no known dtype");
  }
  return infos;
}

namespace {

bool all_inputs_constant(const Graph& g, const Node& n) {
  for (int in : n.inputs)
    if (in != kNoValue && !g.value(in).constant) return false;
  return true;
}

// Stores an inferred output into its Value, checking it against what the file declared.
void store_output(Graph& g, const Node& n, int out_index, const ValueInfo& info) {
  const int id = n.outputs[static_cast<size_t>(out_index)];
  if (id == kNoValue) return;
  Value& v = g.value(id);
  if (info.dtype == DataType::Undefined) fail("inference gave no dtype for output '", v.name, "'");
  if (v.dtype != DataType::Undefined && v.dtype != info.dtype && v.is_graph_output)
    fail("output '", v.name, "' is declared ", dtype_name(v.dtype), " but computes ", dtype_name(info.dtype));
  v.dtype = info.dtype;
  if (info.shape_known) {
    if (v.shape_known && v.is_graph_output && !shapes_agree(v.shape, info.shape))
      fail("output '", v.name, "' is declared with shape ", shape_str(v.shape), " but computes ", shape_str(info.shape));
    v.shape = info.shape;
    v.shape_known = true;
  } else if (!v.is_graph_output) {
    v.shape.clear();
    v.shape_known = false;
  }
}

// Counts constant buffers against the ceiling as folding makes them, each distinct buffer once.
class ConstantBudget {
 public:
  ConstantBudget(const Graph& g, uint64_t limit) : limit_(limit) {
    for (const Value& v : g.values)
      if (v.constant) add(*v.constant);
  }
  // Before a fold is computed: its outputs' sizes as inference gave them (unknown ones count when made).
  void expect(const std::vector<ValueInfo>& outs) const {
    uint64_t bytes = 0;
    for (const ValueInfo& o : outs)
      if (o.shape_known && shape_is_static(o.shape) && o.dtype != DataType::Undefined)
        bytes += static_cast<uint64_t>(shape_numel(o.shape)) * dtype_size(o.dtype);
    check(bytes);
  }
  void add(const Tensor& t) {
    if (t.empty_storage() || !seen_.insert(t.raw()).second) return;  // released data is held by kernels only
    check(t.nbytes());
    bytes_ += t.nbytes();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  void check(uint64_t more) const {
    if (more > limit_ || bytes_ > limit_ - more)
      fail("constant folding would hold ", bytes_str(bytes_ + more), " of constants, over the weight limit of ",
           bytes_str(limit_));
  }
  uint64_t limit_;
  uint64_t bytes_ = 0;
  std::unordered_set<const void*> seen_;
};

}  // namespace

uint64_t constant_bytes(const Graph& g) { return ConstantBudget(g, UINT64_MAX).bytes(); }

InferenceStats infer_shapes(Graph& g, const std::vector<const OpDef*>& defs, Fold fold, uint64_t max_constant_bytes,
                            std::vector<std::pair<int, UnsupportedNode>>* unsupported) {
  InferenceStats stats;
  ConstantBudget budget(g, max_constant_bytes);
  std::vector<std::pair<int, UnsupportedNode>> skipped;
  std::vector<char> unknown(g.values.size(), 0);  // computed by a node without an op, directly or not
  auto skip = [&](const Node& n) {
    for (int out : n.outputs)
      if (out != kNoValue) unknown[static_cast<size_t>(out)] = 1;
  };
  KernelHints reference;
  reference.reference = true;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (n.dead) continue;
    if (!defs[i]) {
      skipped.push_back({static_cast<int>(i), unsupported_node(g, n)});
      skip(n);
      continue;
    }
    bool reads_unknown = false;
    for (int in : n.inputs) reads_unknown = reads_unknown || (in != kNoValue && unknown[static_cast<size_t>(in)]);
    if (reads_unknown) {
      skip(n);
      continue;
    }
    try {
      OpContext ctx(n, g.opset(n.domain), node_input_infos(g, n), n.outputs.size());
      try {
        defs[i]->infer(ctx);
      } catch (const UnsupportedOpsError& e) {  // an If whose branches hold ops ssdx lacks
        for (const UnsupportedNode& u : e.nodes()) skipped.push_back({static_cast<int>(i), u});
        skip(n);
        continue;
      }
      for (int o = 0; o < ctx.num_outputs(); ++o) store_output(g, n, o, ctx.outputs()[static_cast<size_t>(o)]);
      if (fold == Fold::None) continue;
      if (fold == Fold::KeepDequantize && defs[i]->traits.dequantizes()) continue;

      std::vector<Tensor> values;
      bool known = true;
      for (int o = 0; o < ctx.num_outputs() && known; ++o) {
        const Tensor* v = ctx.output_value(o);
        if (v) values.push_back(*v); else known = false;
      }
      if (!known && all_inputs_constant(g, n) && !n.attrs.has_subgraphs()) {
        std::vector<const Tensor*> inputs;
        for (int in : n.inputs) inputs.push_back(in == kNoValue ? nullptr : g.value(in).constant.get());
        budget.expect(ctx.outputs());
        values = evaluate_node(*defs[i], n, ctx.opset(), inputs, reference);
        known = true;
      }
      if (!known) continue;
      for (const Tensor& t : values) budget.add(t);
      for (size_t o = 0; o < n.outputs.size(); ++o) {
        if (n.outputs[o] == kNoValue) continue;
        Value& v = g.value(n.outputs[o]);
        v.dtype = values[o].dtype();
        v.shape = values[o].shape();
        v.shape_known = true;
        v.constant = std::make_shared<const Tensor>(std::move(values[o]));
      }
      n.dead = true;
      ++stats.folded;
    } catch (const Error& e) {
      fail(g.source, ": ", g.node_label(n), ": ", e.what());
    }
  }
  // Folded nodes no longer produce their outputs; the values now stand alone as constants.
  for (Value& v : g.values)
    if (v.constant) v.producer = -1;
  if (unsupported) {
    *unsupported = std::move(skipped);
  } else if (!skipped.empty()) {
    std::vector<UnsupportedNode> nodes;
    for (auto& s : skipped) nodes.push_back(std::move(s.second));
    fail_unsupported(g.source, std::move(nodes));
  }
  return stats;
}

}  // namespace ssdx
