// The generated SSD-ResNet34 (480, BatchNormalization unfolded) after load: every convolution's weights live only in
// its packed kernel, and the graph holds at most the constants that neither a convolution nor a BatchNormalization
// (folded into one) reads. Results are the parity tests' business (ssd_parity_test.cpp); this checks the memory.
#include <iostream>

#include "engine/session.h"
#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"
#include "models/ssd_model.h"

namespace ssdx::test {
namespace {

bool is_conv(const Node& n) { return n.op_type == "Conv" || n.op_type == "FusedConv" || n.op_type == "QLinearConv"; }

// Bytes of the parsed graph's constants that some node other than a Conv (weights, bias) or a
// BatchNormalization (its parameters) reads: what a session may still need to hold after load.
uint64_t constants_not_packable(const Graph& g) {
  uint64_t bytes = 0;
  for (size_t id = 0; id < g.values.size(); ++id) {
    const Value& v = g.values[id];
    if (!v.constant) continue;
    bool packable = !v.consumers.empty() && !v.is_graph_output;
    for (int c : v.consumers) {
      const Node& n = g.nodes[static_cast<size_t>(c)];
      for (size_t i = 0; i < n.inputs.size(); ++i)
        if (n.inputs[i] == static_cast<int>(id))
          packable = packable && i >= 1 && (n.op_type == "Conv" || n.op_type == "BatchNormalization");
    }
    if (!packable) bytes += v.constant->nbytes();
  }
  return bytes;
}

TEST(SsdWeightsRelease, ConvolutionWeightsLiveOnlyInTheirKernels) {
  models::SsdModelOptions o;
  o.size = 480;
  const TempModelFile model("ssd_release", [&](const std::string& path) { models::write_ssd_model(o, path); });
  const Graph parsed = load_onnx(model.path);
  const uint64_t initializers = constant_bytes(parsed), bound = constants_not_packable(parsed);
  auto session = Session::load(model.path);
  ASSERT_GT(initializers, uint64_t{70} << 20);  // ~80 MB of weights at any size
  ASSERT_LT(bound, initializers / 50);

  const Graph& g = session->graph();
  int convs = 0;
  for (const Node& n : g.nodes) {
    if (!is_conv(n)) continue;
    ++convs;
    const Value& w = g.value(n.inputs[1]);
    ASSERT_TRUE(w.constant) << n.name;
    EXPECT_TRUE(w.constant->empty_storage()) << n.name << ": weights '" << w.name << "' still held by the graph";
    EXPECT_EQ(w.constant->rank(), 4) << n.name;
  }
  EXPECT_EQ(convs, 51);
  EXPECT_LE(constant_bytes(g), bound) << "of " << initializers << " initializer bytes";
  std::cout << "[ SsdWeightsRelease ] the graph keeps " << constant_bytes(g) << " bytes of constants (bound " << bound
            << ", initializers " << initializers << ")\n";
}

}  // namespace
}  // namespace ssdx::test
