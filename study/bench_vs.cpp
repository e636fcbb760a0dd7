#include "study/bench_vs.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>
#include <numeric>
#include <set>


namespace ssdx::study {
namespace {

struct UnionFind {
  std::vector<size_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t find(size_t x) { return parent[x] == x ? x : parent[x] = find(parent[x]); }
  void join(size_t x, size_t y) { parent[find(x)] = find(y); }
};

bool is_qdq(const std::string& op) { return op == "QuantizeLinear" || op == "DequantizeLinear"; }
bool is_conv(const std::string& op) { return op.find("Conv") != std::string::npos; }

std::vector<std::string> keys_of(const Measurement& m, size_t i) {
  std::vector<std::string> keys;
  for (const NodeOrigin& o : m.origins[i])
    if (!o.name.empty() && !is_qdq(o.op_type)) keys.push_back(o.name);
  return keys;
}

// "Conv_5_quant" -> "Conv_5" when the other model knows "Conv_5": trailing "_word" parts go, "_5" stays (that would
// turn Conv_51 into Conv_5).
std::string known_stem(std::string name, const std::set<std::string>& known) {
  while (!known.count(name)) {
    const size_t cut = name.rfind('_');
    if (cut == std::string::npos || cut == 0 || cut + 1 >= name.size() || std::isdigit(static_cast<unsigned char>(name[cut + 1])))
      return "";
    name.resize(cut);
  }
  return name;
}

}  // namespace

bool has_conv_kernel(const Measurement& m, const std::vector<size_t>& nodes) {
  return std::any_of(nodes.begin(), nodes.end(), [&](size_t i) { return is_conv(m.nodes[i].op_type); });
}

std::vector<LayerTimes> match_layers(const Measurement& a, const Measurement& b) {
  const size_t na = a.nodes.size(), nb = b.nodes.size();
  UnionFind uf(na + nb);
  std::set<std::string> names_a, names_b;
  for (size_t i = 0; i < na; ++i)
    for (const std::string& k : keys_of(a, i)) names_a.insert(k);
  for (size_t j = 0; j < nb; ++j)
    for (const std::string& k : keys_of(b, j)) names_b.insert(k);
  std::map<std::string, std::vector<size_t>> holders;  // ONNX node name -> kernels (B offset by na)
  for (size_t i = 0; i < na; ++i)
    for (const std::string& k : keys_of(a, i)) {
      const std::string stem = names_b.count(k) ? k : known_stem(k, names_b);
      holders[stem.empty() ? k : stem].push_back(i);
    }
  for (size_t j = 0; j < nb; ++j)
    for (const std::string& k : keys_of(b, j)) {
      const std::string stem = names_a.count(k) ? k : known_stem(k, names_a);
      holders[stem.empty() ? k : stem].push_back(na + j);
    }
  for (const auto& [name, ids] : holders)
    for (size_t id : ids) uf.join(id, ids[0]);

  std::map<size_t, LayerTimes> groups;  // by root
  for (size_t i = 0; i < na; ++i) groups[uf.find(i)].a.push_back(i);
  for (size_t j = 0; j < nb; ++j) groups[uf.find(na + j)].b.push_back(j);
  std::vector<LayerTimes> both, only_a, only_b;
  for (auto& [root, g] : groups) {
    g.matched_by = !g.a.empty() && !g.b.empty() ? "name" : "";
    (g.a.empty() ? only_b : g.b.empty() ? only_a : both).push_back(std::move(g));
  }
  // Convolutions left over on both sides, as many on each: the same network, named differently.
  auto lone_convs = [](std::vector<LayerTimes>& gs, const Measurement& m, bool side_a) {
    std::vector<LayerTimes*> out;
    for (LayerTimes& g : gs)
      if (has_conv_kernel(m, side_a ? g.a : g.b)) out.push_back(&g);
    return out;
  };
  std::vector<LayerTimes*> ca = lone_convs(only_a, a, true), cb = lone_convs(only_b, b, false);
  auto first = [](const std::vector<size_t>& v) { return *std::min_element(v.begin(), v.end()); };
  std::sort(ca.begin(), ca.end(), [&](auto* x, auto* y) { return first(x->a) < first(y->a); });
  std::sort(cb.begin(), cb.end(), [&](auto* x, auto* y) { return first(x->b) < first(y->b); });
  if (!ca.empty() && ca.size() == cb.size()) {
    for (size_t k = 0; k < ca.size(); ++k) {
      ca[k]->b = std::move(cb[k]->b);
      ca[k]->matched_by = "order";
      cb[k]->b.clear();
    }
  }
  std::vector<LayerTimes> result = std::move(both);
  for (LayerTimes& g : only_a) result.push_back(std::move(g));
  for (LayerTimes& g : only_b)
    if (!g.b.empty()) result.push_back(std::move(g));
  for (LayerTimes& g : result) {
    for (size_t i : g.a) g.ms_a += a.nodes[i].ms;
    for (size_t j : g.b) g.ms_b += b.nodes[j].ms;
  }
  auto key = [&](const LayerTimes& g) { return g.a.empty() ? na + first(g.b) : first(g.a); };
  std::stable_sort(result.begin(), result.end(), [&](const LayerTimes& x, const LayerTimes& y) { return key(x) < key(y); });
  return result;
}

namespace {

// Input i of B takes what input i of A takes: same dtype and shape, names may differ.
void check_same_inputs(const Session& a, const Session& b, const BenchOptions& o) {
  auto type = [](const TensorInfo& t) { return std::string(dtype_name(t.dtype)) + " " + shape_str(t.shape); };
  if (a.inputs().size() != b.inputs().size())
    fail("bench --vs: ", o.model, " has ", a.inputs().size(), " inputs but ", o.vs, " has ", b.inputs().size());
  for (size_t i = 0; i < a.inputs().size(); ++i) {
    const TensorInfo &x = a.inputs()[i], &y = b.inputs()[i];
    if (x.dtype != y.dtype || x.shape != y.shape)
      fail("bench --vs: ", o.model, "'s input '", x.name, "' is ", type(x), " but ", o.vs, "'s '", y.name, "' is ",
           type(y), "; both must take the same input");
  }
}

}  // namespace

int bench_vs(const BenchOptions& o) {
  BenchVsResult r;
  r.model_a = o.model;
  r.model_b = o.vs;
  r.runs = o.runs;
  r.warmup = o.warmup;
  const auto sa = load_timed(o.model, o.session, r.load_a_ms);
  SessionOptions opts_b = o.session;
  if (o.precision_b) opts_b.precision = *o.precision_b;
  const auto sb = load_timed(o.vs, opts_b, r.load_b_ms);
  check_same_inputs(*sa, *sb, o);
  const TensorMap feeds_a = make_feeds(*sa, o.inputs, RandomFill::Normal, o.seed);
  TensorMap feeds_b;
  for (size_t i = 0; i < sa->inputs().size(); ++i) feeds_b[sb->inputs()[i].name] = feeds_a.at(sa->inputs()[i].name);
  std::vector<Measurement> both = measure_interleaved({{sa.get(), &feeds_a}, {sb.get(), &feeds_b}}, o);
  r.a = std::move(both[0]);
  r.b = std::move(both[1]);
  r.layers = match_layers(r.a, r.b);
  std::cout << (o.json ? bench_vs_json(r) : bench_vs_text(r));
  return 0;
}

}  // namespace ssdx::study
