#include "engine/session.h"

#include <chrono>
#include <iostream>

#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "graph/passes/eliminate_dead.h"
#include "ops/evaluate.h"
#include "ops/registry.h"

namespace ssdx {

// One node ready to run: its kernel, and whether inference already fixed every output shape at load.
struct Session::Step {
  const Node* node = nullptr;
  const OpDef* def = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::vector<ValueInfo> static_outputs;  // valid when shapes_static
  bool shapes_static = false;
};

std::unique_ptr<Session> Session::load(const std::string& path, const SessionOptions& opts) {
  return std::make_unique<Session>(load_onnx(path), opts);
}

namespace {

TensorInfo info_of(const Value& v) { return {v.name, v.dtype, v.shape_known ? v.shape : Shape{}}; }

bool outputs_static(const std::vector<ValueInfo>& outs) {
  for (const ValueInfo& o : outs)
    if (o.dtype == DataType::Undefined || !o.shape_known || !shape_is_static(o.shape)) return false;
  return true;
}

}  // namespace

Session::Session(Graph graph, const SessionOptions& opts) : graph_(std::move(graph)), opts_(opts) {
  apply_thread_count(opts_.threads);
  const OpRegistry& registry = OpRegistry::global();
  graph_.topo_sort();
  graph_.verify();
  // Report every unsupported op before doing any work.
  std::vector<const OpDef*> defs = resolve_ops(graph_, registry);
  folded_ = infer_shapes(graph_, defs, opts_.constant_folding).folded;
  eliminate_dead_nodes(graph_);  // also compacts away the folded nodes
  defs = resolve_ops(graph_, registry);

  for (int id : graph_.inputs) inputs_.push_back(info_of(graph_.value(id)));
  for (int id : graph_.outputs) outputs_.push_back(info_of(graph_.value(id)));

  steps_.resize(graph_.nodes.size());
  last_use_.assign(graph_.values.size(), -1);
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    Step& s = steps_[i];
    s.node = &n;
    s.def = defs[i];
    try {
      OpContext ctx(n, graph_.opset(n.domain), node_input_infos(graph_, n), n.outputs.size());
      s.def->infer(ctx);
      s.kernel = s.def->create(ctx);
      s.shapes_static = outputs_static(ctx.outputs());
      if (s.shapes_static) s.static_outputs = ctx.outputs();
    } catch (const Error& e) {
      fail(graph_.source, ": ", graph_.node_label(n), ": ", e.what());
    }
    for (int in : n.inputs)
      if (in != kNoValue) last_use_[static_cast<size_t>(in)] = static_cast<int>(i);
    if (opts_.verbose)
      std::cerr << "[ssdx] " << graph_.node_label(n) << " -> " << s.kernel->impl_name()
                << (s.shapes_static ? "" : " (shapes at run time)") << "\n";
  }
}

Session::~Session() = default;

void Session::check_feed(const TensorInfo& info, const Tensor& t) const {
  if (t.dtype() != info.dtype)
    fail(graph_.source, ": input '", info.name, "' must be ", dtype_name(info.dtype), ", got ", dtype_name(t.dtype()));
  const Value& v = graph_.value(graph_.find_value(info.name));
  if (!v.shape_known) return;
  bool ok = t.shape().size() == v.shape.size();
  for (size_t d = 0; ok && d < v.shape.size(); ++d) ok = v.shape[d] < 0 || v.shape[d] == t.shape()[d];
  if (!ok)
    fail(graph_.source, ": input '", info.name, "' must have shape ", shape_str(v.shape), ", got ", shape_str(t.shape()));
}

TensorMap Session::run(const TensorMap& feeds, RunProfile* profile) const {
  using clock = std::chrono::steady_clock;
  const auto run_start = clock::now();
  auto us_since = [&](clock::time_point t) { return std::chrono::duration<double, std::micro>(t - run_start).count(); };
  std::vector<Tensor> env(graph_.values.size());
  std::vector<const Tensor*> bound(graph_.values.size(), nullptr);
  for (size_t i = 0; i < graph_.values.size(); ++i)
    if (graph_.values[i].constant) bound[i] = graph_.values[i].constant.get();

  for (const auto& kv : feeds) {
    const int id = graph_.find_value(kv.first);
    if (id < 0 || !graph_.value(id).is_graph_input) fail(graph_.source, ": the model has no input named '", kv.first, "'");
  }
  for (size_t k = 0; k < inputs_.size(); ++k) {
    auto it = feeds.find(inputs_[k].name);
    if (it == feeds.end()) fail(graph_.source, ": input '", inputs_[k].name, "' was not provided");
    check_feed(inputs_[k], it->second);
    const int id = graph_.inputs[k];
    env[static_cast<size_t>(id)] = it->second;
    bound[static_cast<size_t>(id)] = &env[static_cast<size_t>(id)];
  }

  std::vector<const Tensor*> inputs;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    const Node& n = *s.node;
    inputs.clear();
    for (int in : n.inputs) inputs.push_back(in == kNoValue ? nullptr : bound[static_cast<size_t>(in)]);
    const auto step_start = clock::now();
    try {
      std::vector<Tensor> outs;
      if (s.shapes_static) {
        outs = run_kernel(*s.kernel, inputs, s.static_outputs);
      } else {
        OpContext ctx(n, graph_.opset(n.domain), describe_inputs(inputs), n.outputs.size());
        s.def->infer(ctx);
        outs = run_kernel(*s.kernel, inputs, ctx.outputs());
      }
      for (size_t o = 0; o < n.outputs.size(); ++o) {
        const int id = n.outputs[o];
        if (id == kNoValue) continue;
        env[static_cast<size_t>(id)] = std::move(outs[o]);
        bound[static_cast<size_t>(id)] = &env[static_cast<size_t>(id)];
      }
    } catch (const Error& e) {
      fail(graph_.source, ": ", graph_.node_label(n), ": ", e.what());
    }
    if (profile) {
      NodeProfile p;
      p.name = n.name;
      p.op_type = n.op_type;
      p.impl = s.kernel->impl_name();
      p.layout = s.kernel->output_layout();
      p.start_us = us_since(step_start);
      p.duration_us = us_since(clock::now()) - p.start_us;
      p.flops = s.kernel->flops(inputs);
      profile->nodes.push_back(std::move(p));
    }
    // Release activations whose last reader has run (graph outputs are kept).
    for (int in : n.inputs) {
      if (in == kNoValue || last_use_[static_cast<size_t>(in)] != static_cast<int>(i)) continue;
      const Value& v = graph_.value(in);
      if (!v.is_graph_output && !v.constant) env[static_cast<size_t>(in)] = Tensor();
    }
  }

  if (profile) profile->total_us = us_since(clock::now());
  TensorMap result;
  for (int id : graph_.outputs) {
    const Tensor* t = bound[static_cast<size_t>(id)];
    if (!t) fail(graph_.source, ": output '", graph_.value(id).name, "' was not computed");
    result[graph_.value(id).name] = *t;
  }
  return result;
}

}  // namespace ssdx
