#include "study/tensor_probes.h"

#include <algorithm>
#include <map>
#include <set>

#include "ops/registry.h"

namespace ssdx::study {
namespace {

bool is_8bit(DataType t) { return t == DataType::UInt8 || t == DataType::Int8; }
bool is_default(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }
const OpTraits& traits(const Graph& g, const Node& n) { return op_traits(OpRegistry::global(), g, n); }

// The slot of n's op that quantizes `tensor` (an input index, or QuantSlot::kOutput0); null when none does.
const QuantSlot* slot_of(const Graph& g, const Node& n, int tensor) {
  for (const QuantSlot& s : traits(g, n).quant_slots)
    if (s.tensor == tensor) return &s;
  return nullptr;
}

const Node* producer(const Graph& g, int v) {
  const int p = g.value(v).producer;
  return p < 0 ? nullptr : &g.nodes[static_cast<size_t>(p)];
}

// Per-tensor constant (scale, zero point) of slot s of n.
bool read_params(const Graph& g, const Node& n, const QuantSlot& s, Probe& p) {
  const Tensor* scale = n.has_input(s.scale) ? g.constant(n.inputs[static_cast<size_t>(s.scale)]) : nullptr;
  const Tensor* zp = n.has_input(s.zero_point) ? g.constant(n.inputs[static_cast<size_t>(s.zero_point)]) : nullptr;
  if (!scale || scale->numel() != 1 || (zp && zp->numel() != 1)) return false;
  p.scale = static_cast<float>(scale->float_at(0));
  p.zero_point = zp ? static_cast<int32_t>(zp->int_at(0)) : 0;
  return p.scale > 0;
}

// The quantization of 8-bit value v: from the op producing it (QuantizeLinear, QLinear*: its output slot), inherited
// through data movement (MaxPool, Reshape, ... keep their input's), else from a DequantizeLinear reading it.
bool quant_params(const Graph& g, int v, Probe& p, int depth = 0) {
  const Node* n = producer(g, v);
  if (const QuantSlot* s = n ? slot_of(g, *n, QuantSlot::kOutput0) : nullptr) return read_params(g, *n, *s, p);
  if (n && depth < 8 && !n->inputs.empty() && n->inputs[0] != kNoValue && is_8bit(g.value(n->inputs[0]).dtype) &&
      traits(g, *n).keeps_quantization)
    return quant_params(g, n->inputs[0], p, depth + 1);
  for (int c : g.value(v).consumers) {
    const Node& dq = g.nodes[static_cast<size_t>(c)];
    const QuantSlot* s = traits(g, dq).dequantizes() && dq.inputs[0] == v ? slot_of(g, dq, 0) : nullptr;
    if (s) return read_params(g, dq, *s, p);
  }
  return false;
}

std::string float_name_of(const Graph& g, int v) {
  // A quantized graph output (Conv -> Q -> DQ -> output, the producer's own output renamed) goes by the output's name.
  for (int c : g.value(v).consumers) {
    const Node& dq = g.nodes[static_cast<size_t>(c)];
    if (traits(g, dq).dequantizes() && dq.inputs[0] == v && g.value(dq.outputs[0]).is_graph_output)
      return g.value(dq.outputs[0]).name;
  }
  const Node* n = producer(g, v);
  if (n && traits(g, *n).quantizes()) return g.value(n->inputs[0]).name;
  for (int c : g.value(v).consumers) {
    const Node& dq = g.nodes[static_cast<size_t>(c)];
    if (traits(g, dq).dequantizes() && dq.inputs[0] == v) return g.value(dq.outputs[0]).name;
  }
  return g.value(v).name;
}

const std::set<std::string> kLayerOps = {"Conv", "BatchNormalization", "Relu", "Clip", "Add", "MaxPool", "Concat",
                                         "Softmax"};

// The nodes a float layer's chain runs through after its Conv/Add: what the quantizer folds or absorbs into it
// (BatchNormalization folded; Relu and Clip such as ReLU6 absorbed by the output's quantization).
bool extends_chain(const Node& next) {
  return is_default(next, "BatchNormalization") || is_default(next, "Relu") || is_default(next, "Clip");
}

// A float layer's output that its chain continues past (Conv -> BatchNormalization -> Relu), or that a
// QuantizeLinear reads.
bool continues_or_quantized(const Graph& g, const Value& v) {
  for (int c : v.consumers)
    if (traits(g, g.nodes[static_cast<size_t>(c)]).quantizes()) return true;
  if (v.is_graph_output || v.consumers.size() != 1) return false;
  const Node& next = g.nodes[static_cast<size_t>(v.consumers[0])];
  return extends_chain(next);
}

// The end of the BatchNormalization/Relu/Clip chain starting at value v (float graphs).
int chain_end(const Graph& g, int v) {
  for (int guard = 0; guard < 4; ++guard) {
    const Value& val = g.value(v);
    if (val.is_graph_output || val.consumers.size() != 1) break;
    const Node& next = g.nodes[static_cast<size_t>(val.consumers[0])];
    if (!extends_chain(next)) break;
    v = next.outputs[0];
  }
  return v;
}

// The int8 kernels whose float counterpart compare looks for, by (domain, op type): the float op they compute.
const std::map<std::pair<std::string, std::string>, std::string> kFloatOpOf = {
    {{kOnnxDomain, "QLinearConv"}, "Conv"},
    {{kOnnxDomain, "MaxPool"}, "MaxPool"},
    {{kMicrosoftDomain, "QLinearAdd"}, "Add"},
    {{kMicrosoftDomain, "QLinearMul"}, "Mul"},
};

// The activation inputs of an int8 kernel (its quantized inputs other than weights; MaxPool's only input) and the
// float op it computes.
bool int8_kernel(const Graph& g, const Node& n, std::vector<int>& inputs, std::string& float_op) {
  auto it = kFloatOpOf.find({n.domain, n.op_type});
  if (it == kFloatOpOf.end() || n.inputs.empty()) return false;
  float_op = it->second;
  inputs.clear();
  const OpTraits& t = traits(g, n);
  for (const QuantSlot& s : t.quant_slots)
    if (s.tensor >= 0 && s.tensor != t.weight_input && n.has_input(s.tensor)) inputs.push_back(n.inputs[static_cast<size_t>(s.tensor)]);
  if (t.quant_slots.empty()) inputs = {n.inputs[0]};
  return !inputs.empty();
}

Shape weight_shape(const Graph& g, const Node& n, size_t index) {
  if (!n.has_input(static_cast<int>(index))) return {};
  const Value& w = g.value(n.inputs[index]);
  return w.constant ? w.constant->shape() : w.shape;
}

// The float node of `gf` computing what int8 kernel `k` of `gq` computes, given the float counterparts of its
// inputs; its chain end, or kNoValue when there is not exactly one.
int structural_match(const Graph& gq, const Node& k, const Graph& gf, const std::map<int, int>& q_to_f) {
  std::vector<int> inputs;
  std::string float_op;
  if (!int8_kernel(gq, k, inputs, float_op)) return kNoValue;
  std::vector<int> f_inputs;
  for (int in : inputs) {
    auto it = q_to_f.find(in);
    if (it == q_to_f.end()) return kNoValue;
    f_inputs.push_back(it->second);
  }
  int found = kNoValue, count = 0;
  for (int c : gf.value(f_inputs[0]).consumers) {
    const Node& n = gf.nodes[static_cast<size_t>(c)];
    if (!is_default(n, float_op.c_str())) continue;
    bool reads_all = true;
    for (int fi : f_inputs) reads_all = reads_all && std::count(n.inputs.begin(), n.inputs.end(), fi) > 0;
    if (!reads_all) continue;
    const int wf = traits(gf, n).weight_input, wq = traits(gq, k).weight_input;
    if (wf >= 0 && wq >= 0 && weight_shape(gf, n, static_cast<size_t>(wf)) != weight_shape(gq, k, static_cast<size_t>(wq))) continue;
    if (found != n.outputs[0]) ++count;
    found = n.outputs[0];
  }
  return count == 1 ? chain_end(gf, found) : kNoValue;
}

bool same_shape(const Probe& a, const Probe& b) { return a.shape.empty() || b.shape.empty() || a.shape == b.shape; }

bool has_int8(const std::vector<Probe>& ps) {
  return std::any_of(ps.begin(), ps.end(), [](const Probe& p) { return p.quantized; });
}

}  // namespace

std::vector<Probe> find_probes(const Graph& g) {
  std::vector<Probe> probes;
  std::map<std::string, size_t> by_float_name;
  auto add = [&](Probe p) {
    auto it = by_float_name.find(p.float_name);
    if (it == by_float_name.end()) {
      by_float_name[p.float_name] = probes.size();
      probes.push_back(std::move(p));
    } else if (p.quantized && !probes[it->second].quantized) {
      probes[it->second] = std::move(p);  // the int8 copy of a tensor is the one worth comparing
    }
  };
  for (int id : g.inputs) {
    const Value& v = g.value(id);
    if (v.dtype == DataType::Float) add({id, v.name, v.name, "input", v.shape});
  }
  for (const Node& n : g.nodes) {
    for (int id : n.outputs) {
      if (id == kNoValue) continue;
      const Value& v = g.value(id);
      if (v.constant || !v.shape_known || !shape_is_static(v.shape)) continue;
      Probe p{id, v.name, v.name, n.op_type, v.shape};
      if (is_8bit(v.dtype)) {
        p.quantized = true;
        p.qtype = v.dtype;
        if (!quant_params(g, id, p)) continue;
        p.float_name = float_name_of(g, id);
        add(std::move(p));
      } else if (v.dtype == DataType::Float && n.domain.empty() && kLayerOps.count(n.op_type) &&
                 !continues_or_quantized(g, v)) {
        add(std::move(p));
      }
    }
  }
  return probes;
}

std::vector<ProbePair> match_probes(const Graph& ga, const std::vector<Probe>& pa, const Graph& gb,
                                    const std::vector<Probe>& pb) {
  std::map<std::string, size_t> a_by_name;
  for (size_t i = 0; i < pa.size(); ++i) a_by_name[pa[i].float_name] = i;
  std::map<size_t, size_t> a_for_b;  // probe index in pb -> in pa
  std::set<size_t> a_taken;
  for (size_t j = 0; j < pb.size(); ++j) {
    auto it = a_by_name.find(pb[j].float_name);
    if (it == a_by_name.end() || a_taken.count(it->second) || !same_shape(pa[it->second], pb[j])) continue;
    a_for_b[j] = it->second;
    a_taken.insert(it->second);
  }
  std::set<size_t> by_structure;
  // The structural pass runs from the int8 side to the float side, whichever of A and B that is.
  const bool b_int8 = has_int8(pb) && !has_int8(pa), a_int8 = has_int8(pa) && !has_int8(pb);
  if (a_int8 || b_int8) {
    const Graph& gq = b_int8 ? gb : ga;
    const Graph& gf = b_int8 ? ga : gb;
    const std::vector<Probe>& pq = b_int8 ? pb : pa;
    const std::vector<Probe>& pf = b_int8 ? pa : pb;
    std::map<int, int> q_to_f;  // value ids
    std::map<int, size_t> f_probe;
    for (size_t i = 0; i < pf.size(); ++i) f_probe[pf[i].value] = i;
    std::set<size_t> f_taken, q_done;
    for (const auto& [j, i] : a_for_b) {
      const size_t q = b_int8 ? j : i, f = b_int8 ? i : j;
      q_to_f[pq[q].value] = pf[f].value;
      f_taken.insert(f);
      q_done.insert(q);
    }
    for (size_t q = 0; q < pq.size(); ++q) {  // graph order: a kernel's inputs are matched before it
      if (q_done.count(q)) continue;
      const Node* k = producer(gq, pq[q].value);
      const int fv = k ? structural_match(gq, *k, gf, q_to_f) : kNoValue;
      auto it = fv == kNoValue ? f_probe.end() : f_probe.find(fv);
      if (it == f_probe.end() || f_taken.count(it->second) || !same_shape(pf[it->second], pq[q])) continue;
      q_to_f[pq[q].value] = fv;
      f_taken.insert(it->second);
      const size_t j = b_int8 ? q : it->second, i = b_int8 ? it->second : q;
      a_for_b[j] = i;
      by_structure.insert(j);
    }
  }
  std::vector<ProbePair> pairs;
  for (const auto& [j, i] : a_for_b) pairs.push_back({pa[i], pb[j], by_structure.count(j) ? "structure" : "name"});
  std::map<int, size_t> order;  // A's graph order
  for (size_t i = 0; i < pa.size(); ++i) order[pa[i].value] = i;
  std::sort(pairs.begin(), pairs.end(),
            [&](const ProbePair& x, const ProbePair& y) { return order[x.a.value] < order[y.a.value]; });
  return pairs;
}

}  // namespace ssdx::study
