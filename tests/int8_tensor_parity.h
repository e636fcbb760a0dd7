#pragma once
// Every int8 tensor of a quantized model against onnxruntime: the outputs of the chosen op types are exposed as graph
// outputs for ORT, watched through a RunObserver in ssdx (the session as it runs: its own layouts and arena), and
// compared value by value through the whole network (so a flip would compound downstream). The int8 contract is
// ±1 LSB at most; the kernels reproduce ORT's rounding, and the counts say how many values differ at all.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/shape_inference.h"
#include "graph/graph_writer.h"
#include "tests/ssd_parity.h"

namespace ssdx::test {

struct Int8TensorParity {
  size_t tensors = 0;
  int64_t values = 0, differ = 0;  // differ: the sum of |ssdx - ORT| over all values (each at most 1)
  int lookups = 0;                 // ssdx.TableLookup steps in the watched session's plan
};

// Runs `int8_model` on `feeds` in ssdx and in onnxruntime (through a copy written beside it with the tensors exposed)
// and records a test failure for any value more than 1 LSB from ORT's.
inline Int8TensorParity check_int8_tensors_against_ort(const std::string& int8_model,
                                                       const std::vector<std::string>& exposed_ops,
                                                       const TensorMap& feeds) {
  Int8TensorParity r;
  const std::string exposed = int8_model + ".exposed.onnx";
  Graph g = load_onnx(int8_model);
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);  // the exposed outputs need their dtypes
  g.link();
  std::vector<std::string> names;
  for (const Node& n : g.nodes) {
    if (std::find(exposed_ops.begin(), exposed_ops.end(), n.op_type) == exposed_ops.end()) continue;
    Value& v = g.value(n.outputs[0]);
    if (v.is_graph_output) continue;
    v.is_graph_output = true;
    g.outputs.push_back(n.outputs[0]);
    names.push_back(v.name);
  }
  save_graph(g, exposed);
  SessionOptions watching;
  watching.keep_values = names;
  const auto session = Session::load(int8_model, watching);
  for (const PlannedStep& s : session->plan().steps) r.lookups += s.op_type == "TableLookup";
  struct Collect : RunObserver {
    TensorMap seen;
    void on_step(const StepView& step, const std::vector<const Tensor*>&, const std::vector<Tensor>& outputs) override {
      for (size_t o = 0; o < outputs.size(); ++o) seen[step.output_name(o)] = plain_copy(outputs[o]);
    }
  } collect;
  session->run(feeds, nullptr, &collect);
  const TensorMap& ours = collect.seen;
  const TensorMap ref = run_ort(exposed, feeds);
  std::remove(exposed.c_str());
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Tensor &a = ours.at(name), &b = ref.at(name);
    EXPECT_EQ(shape_str(a.shape()), shape_str(b.shape()));
    if (shape_str(a.shape()) != shape_str(b.shape())) continue;
    int64_t here = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
      const int64_t d = std::abs(a.int_at(i) - b.int_at(i));
      if (d > 1) {
        ADD_FAILURE() << "element " << i << ": " << a.int_at(i) << " vs ORT " << b.int_at(i);
        break;
      }
      here += d;
    }
    if (here) std::printf("  %s: %lld of %lld values differ by 1 LSB\n", name.c_str(), static_cast<long long>(here),
                          static_cast<long long>(a.numel()));
    r.values += a.numel();
    r.differ += here;
  }
  r.tensors = names.size();
  std::printf("[ int8 layers ] %zu tensors, %lld values, %lld differ by 1 LSB\n", r.tensors,
              static_cast<long long>(r.values), static_cast<long long>(r.differ));
  return r;
}

}  // namespace ssdx::test
