#include "graph/graph.h"

#include <algorithm>
#include <queue>

namespace ssdx {

int Graph::add_value(const std::string& name) {
  if (!name.empty() && by_name_.count(name)) fail(source, ": duplicate value name '", name, "'");
  Value v;
  v.name = name;
  values.push_back(std::move(v));
  int id = static_cast<int>(values.size()) - 1;
  if (!name.empty()) by_name_[name] = id;
  return id;
}

int Graph::find_value(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

int Graph::value_for(const std::string& name) {
  int id = find_value(name);
  return id >= 0 ? id : add_value(name);
}

int Graph::add_constant(const std::string& name, Tensor t) {
  int id = add_value(name);
  Value& v = value(id);
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.shape_known = true;
  v.constant = std::make_shared<const Tensor>(std::move(t));
  return id;
}

int Graph::add_node(Node n) {
  nodes.push_back(std::move(n));
  return static_cast<int>(nodes.size()) - 1;
}

int64_t Graph::opset(const std::string& domain) const {
  auto it = opsets.find(domain);
  return it == opsets.end() ? 0 : it->second;
}

std::string Graph::node_label(const Node& n) const {
  std::string label = n.op_type + " node '" + n.name + "'";
  if (!n.domain.empty()) label = n.domain + "." + label;
  return label;
}

void Graph::link() {
  for (Value& v : values) {
    v.producer = -1;
    v.consumers.clear();
  }
  for (size_t ni = 0; ni < nodes.size(); ++ni) {
    Node& n = nodes[ni];
    if (n.dead) continue;
    for (int in : n.inputs) {
      if (in == kNoValue) continue;
      if (in < 0 || in >= static_cast<int>(values.size())) fail(source, ": ", node_label(n), " has a bad input id");
      value(in).consumers.push_back(static_cast<int>(ni));
    }
    for (int out : n.outputs) {
      if (out == kNoValue) continue;
      Value& v = value(out);
      if (v.producer >= 0)
        fail(source, ": value '", v.name, "' is produced by both ", node_label(nodes[static_cast<size_t>(v.producer)]),
             " and ", node_label(n));
      if (v.constant || v.is_graph_input)
        fail(source, ": ", node_label(n), " writes '", v.name, "', which is a graph input or initializer");
      v.producer = static_cast<int>(ni);
    }
  }
}

void Graph::topo_sort() {
  link();
  const size_t n = nodes.size();
  std::vector<int> pending(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (nodes[i].dead) continue;
    for (int in : nodes[i].inputs)
      if (in != kNoValue && value(in).producer >= 0) ++pending[i];
  }
  // A min-queue on the original index keeps the file's order wherever dependencies allow it.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < n; ++i)
    if (!nodes[i].dead && pending[i] == 0) ready.push(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int out : nodes[i].outputs) {
      if (out == kNoValue) continue;
      for (int c : value(out).consumers)
        if (--pending[static_cast<size_t>(c)] == 0) ready.push(static_cast<size_t>(c));
    }
  }
  size_t alive = 0;
  for (const Node& nd : nodes) alive += !nd.dead;
  if (order.size() != alive) {
    for (size_t i = 0; i < n; ++i)
      if (!nodes[i].dead && pending[i] > 0) fail(source, ": the graph has a cycle through ", node_label(nodes[i]));
  }
  std::vector<Node> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
  link();
}

void Graph::compact() {
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), [](const Node& n) { return n.dead; }), nodes.end());
  std::vector<char> used(values.size(), 0);
  for (const Node& n : nodes) {
    for (int v : n.inputs) if (v != kNoValue) used[static_cast<size_t>(v)] = 1;
    for (int v : n.outputs) if (v != kNoValue) used[static_cast<size_t>(v)] = 1;
  }
  for (int v : inputs) used[static_cast<size_t>(v)] = 1;
  for (int v : outputs) used[static_cast<size_t>(v)] = 1;
  for (int v : captured) used[static_cast<size_t>(v)] = 1;
  std::vector<int> remap(values.size(), -1);
  std::vector<Value> kept;
  by_name_.clear();
  for (size_t i = 0; i < values.size(); ++i) {
    if (!used[i]) continue;
    remap[i] = static_cast<int>(kept.size());
    if (!values[i].name.empty()) by_name_[values[i].name] = remap[i];
    kept.push_back(std::move(values[i]));
  }
  values = std::move(kept);
  auto fix = [&](std::vector<int>& ids) {
    for (int& id : ids) if (id != kNoValue) id = remap[static_cast<size_t>(id)];
  };
  for (Node& n : nodes) { fix(n.inputs); fix(n.outputs); }
  fix(inputs);
  fix(outputs);
  fix(captured);
  link();
}

void Graph::verify() const {
  for (const Node& n : nodes) {
    if (n.dead) continue;
    for (int in : n.inputs) {
      if (in == kNoValue) continue;
      const Value& v = value(in);
      if (v.producer < 0 && !v.constant && !v.is_graph_input)
        fail(source, ": ", node_label(n), " reads '", v.name,
             "', which no node produces and which is neither a graph input nor an initializer");
    }
  }
  for (int out : outputs) {
    const Value& v = value(out);
    if (v.producer < 0 && !v.constant && !v.is_graph_input)
      fail(source, ": graph output '", v.name, "' is not produced by any node");
  }
}

}  // namespace ssdx
