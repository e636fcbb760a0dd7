// Layer by layer against onnxruntime: every int8 tensor of a quantized SSD made by `ssdx quantize` is exposed as a
// graph output for ORT, watched through a RunObserver in ssdx (the session as it runs: its own layouts and arena),
// and compared value by value through the whole network (so a flip would compound downstream). QOperator form: the image's QuantizeLinear and every QLinearConv / QLinearAdd / MaxPool output; QDQ in
// onnxruntime's quantizer layout: every QuantizeLinear output (ssdx runs each Add's DQ -> Relu -> Q as a lookup). The int8 contract is ±1 LSB at
// most; the kernels reproduce ORT's rounding, and the test prints how many values differ at all (0 when written).
#include <algorithm>

#include "engine/shape_inference.h"
#include "graph/graph_writer.h"
#include "tests/photos.h"
#include "tests/shell.h"
#include "tests/ssd_parity.h"
#include "app/preprocess.h"

namespace ssdx::test {
namespace {

struct LayerForm {
  const char* name;
  const char* args;
  std::vector<std::string> exposed_ops;  // op types whose first output is compared
  int lookups;                           // ssdx.TableLookup nodes ssdx runs (the Adds' DQ -> Relu -> Q)
};

class Int8LayerParity : public ::testing::TestWithParam<LayerForm> {};

TEST_P(Int8LayerParity, EveryInt8TensorWithinOneLsbOfOnnxRuntime) {
  SSDX_NEED_ORT();
  SSDX_NEED_PHOTOS(photos);
  const LayerForm& form = GetParam();
  const std::string fp32 = ssd_model_path(models::SsdModelOptions{480, 12, 5, false, false});
  const std::string int8 = fp32 + "." + form.name + ".onnx", exposed = fp32 + "." + form.name + "_exposed.onnx";
  std::string log;
  ASSERT_EQ(run_shell(std::string(SSDX_BINARY_DIR) + "/tools/ssdx quantize " + shell_quote(fp32) + " --calib " +
                          shell_quote(photos + "/astronaut.png") + " " + form.args + " -o " + shell_quote(int8),
                      &log),
            0)
      << log;
  Graph g = load_onnx(int8);
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);  // the exposed outputs need their dtypes
  g.link();
  std::vector<std::string> names;
  for (const Node& n : g.nodes) {
    if (std::find(form.exposed_ops.begin(), form.exposed_ops.end(), n.op_type) == form.exposed_ops.end()) continue;
    Value& v = g.value(n.outputs[0]);
    if (v.is_graph_output) continue;
    v.is_graph_output = true;
    g.outputs.push_back(n.outputs[0]);
    names.push_back(v.name);
  }
  save_graph(g, exposed);
  const TensorMap feeds = {{"image", app::preprocess(app::load_image(photos + "/coffee.png"), 480, 480)}};
  SessionOptions watching;
  watching.keep_values = names;
  const auto session = Session::load(int8, watching);
  int lookups = 0;
  for (const PlannedStep& s : session->plan().steps) lookups += s.op_type == "TableLookup";
  EXPECT_EQ(lookups, form.lookups) << "watching the tensors must not keep the QDQ pass from rewriting";
  struct Collect : RunObserver {
    TensorMap seen;
    void on_step(const StepView& step, const std::vector<const Tensor*>&, const std::vector<Tensor>& outputs) override {
      for (size_t o = 0; o < outputs.size(); ++o) seen[step.output_name(o)] = plain_copy(outputs[o]);
    }
  } collect;
  session->run(feeds, nullptr, &collect);
  const TensorMap& ours = collect.seen;
  const TensorMap ref = run_ort(exposed, feeds);
  int64_t values = 0, differ = 0;
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Tensor &a = ours.at(name), &b = ref.at(name);
    ASSERT_EQ(shape_str(a.shape()), shape_str(b.shape()));
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
    values += a.numel();
    differ += here;
  }
  EXPECT_LE(differ, values / 100000) << "isolated ±1 flips are tolerated, systematic ones are a bug";
  std::printf("[ int8 layers ] %zu tensors, %lld values, %lld differ by 1 LSB\n", names.size(),
              static_cast<long long>(values), static_cast<long long>(differ));
  for (const std::string& p : {fp32, int8, exposed}) std::remove(p.c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Forms, Int8LayerParity,
    ::testing::Values(LayerForm{"qoperator_per_channel", "--format qoperator --per-channel",
                                {"QLinearConv", "QLinearAdd", "MaxPool", "QuantizeLinear"}, 0},
                      LayerForm{"qdq_ort_style", "--format qdq --qdq-style ort", {"QuantizeLinear"}, 13}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ssdx::test
