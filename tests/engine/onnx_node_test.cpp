// ONNX's own node tests (Debian libonnx-testdata), run through the real loader and Session.
// tests/onnx_node_tests.txt lists every test the engine must pass ("name [atol=X] [rtol=Y]") and every test of our
// op set that is excluded ("!name reason"). OnnxNodeManifest.CoversEveryApplicableTest keeps the list complete.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

const std::string kDataDir = SSDX_ONNX_TEST_DATA_DIR;

struct ManifestEntry {
  std::string name;
  double atol = 1e-5, rtol = 1e-4;
  bool excluded = false;
  std::string reason;
};

void PrintTo(const ManifestEntry& e, std::ostream* os) { *os << e.name; }

std::vector<ManifestEntry> read_manifest() {
  std::ifstream f(std::string(SSDX_SOURCE_DIR) + "/tests/onnx_node_tests.txt");
  std::vector<ManifestEntry> entries;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    ManifestEntry e;
    is >> e.name;
    if (e.name[0] == '!') {
      e.excluded = true;
      e.name = e.name.substr(1);
      std::getline(is, e.reason);
    } else {
      std::string flag;
      while (is >> flag) {
        if (flag.rfind("atol=", 0) == 0) e.atol = std::stod(flag.substr(5));
        else if (flag.rfind("rtol=", 0) == 0) e.rtol = std::stod(flag.substr(5));
      }
    }
    entries.push_back(e);
  }
  return entries;
}

std::vector<ManifestEntry> runnable_tests() {
  std::vector<ManifestEntry> out;
  for (auto& e : read_manifest())
    if (!e.excluded) out.push_back(e);
  return out;
}

std::vector<std::string> list_dir(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* ent = readdir(d)) {
      std::string n = ent->d_name;
      if (n.rfind(prefix, 0) == 0) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

// Whether every node, in subgraphs (If branches) too, is a default-domain op in `ops`.
bool all_ops_known(const Graph& g, const std::set<std::string>& ops) {
  for (const Node& n : g.nodes) {
    if (!n.domain.empty() || !ops.count(n.op_type)) return false;
    for (const auto& kv : n.attrs.all())
      if (kv.second.graph && !all_ops_known(*kv.second.graph, ops)) return false;
  }
  return true;
}

// ONNX 1.12's test data stores bfloat16 tensors as uint16 (its helper had no bfloat16 yet): the same bits.
Tensor as_dtype_of_model(Tensor t, DataType declared) {
  if (t.dtype() == DataType::UInt16 && declared == DataType::BFloat16)
    return Tensor::wrap(DataType::BFloat16, t.shape(), t.raw(), std::make_shared<Tensor>(t));
  return t;
}

// The dtypes a model may hold for the engine to run it: those it computes in, plus float64 (Cast) and the 16-bit
// floats (computed in float32, passes/float16_compute.h).
bool dtype_runs(DataType t) {
  return dtype_is_computable(t) || t == DataType::Double || t == DataType::Float16 || t == DataType::BFloat16;
}

class OnnxNodeTest : public ::testing::TestWithParam<ManifestEntry> {};

TEST_P(OnnxNodeTest, MatchesExpectedOutputs) {
  const ManifestEntry& e = GetParam();
  const std::string dir = kDataDir + "/" + e.name;
  if (!exists(dir)) GTEST_SKIP() << "libonnx-testdata not installed at " << kDataDir;
  auto session = Session::load(dir + "/model.onnx");
  const auto sets = list_dir(dir, "test_data_set_");
  ASSERT_FALSE(sets.empty());
  for (const std::string& set : sets) {
    SCOPED_TRACE(set);
    TensorMap feeds;
    // Input files are named after the graph inputs in declaration order; optional inputs may be left out.
    const auto input_files = list_dir(dir + "/" + set, "input_");
    ASSERT_LE(input_files.size(), session->inputs().size());
    for (size_t i = 0; i < input_files.size(); ++i) {
      std::string name;
      Tensor t = load_tensor_pb(dir + "/" + set + "/input_" + std::to_string(i) + ".pb", &name);
      feeds[name.empty() ? session->inputs()[i].name : name] = as_dtype_of_model(t, session->inputs()[i].dtype);
    }
    TensorMap outputs = session->run(feeds);
    for (size_t i = 0; i < session->outputs().size(); ++i) {
      const std::string file = dir + "/" + set + "/output_" + std::to_string(i) + ".pb";
      if (!exists(file)) continue;
      const std::string& name = session->outputs()[i].name;
      Tensor expected = as_dtype_of_model(load_tensor_pb(file), session->outputs()[i].dtype);
      SCOPED_TRACE("output " + name);
      EXPECT_TRUE(tensors_close(expected, outputs.at(name), e.atol, e.rtol));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, OnnxNodeTest, ::testing::ValuesIn(runnable_tests()),
                         [](const ::testing::TestParamInfo<ManifestEntry>& info) { return info.param.name; });

// Every test in the data folder whose ops are all registered (default domain) and whose tensors all have dtypes
// the engine runs (dtype_runs) must be
// listed in the manifest, either to run or excluded with a reason.
TEST(OnnxNodeManifest, CoversEveryApplicableTest) {
  if (!exists(kDataDir)) GTEST_SKIP() << "libonnx-testdata not installed";
  std::set<std::string> listed;
  for (const auto& e : read_manifest()) {
    EXPECT_TRUE(exists(kDataDir + "/" + e.name)) << "manifest names a missing test " << e.name;
    EXPECT_TRUE(listed.insert(e.name).second) << "listed twice: " << e.name;
  }
  const std::vector<std::string> registered = OpRegistry::global().op_types(kOnnxDomain);
  const std::set<std::string> ops(registered.begin(), registered.end());
  int applicable = 0;
  for (const std::string& name : list_dir(kDataDir, "test_")) {
    Graph g;
    try {
      g = load_onnx(kDataDir + "/" + name + "/model.onnx");
    } catch (const Error&) {
      continue;  // sequences, optionals, string tensors...: outside what the engine loads
    }
    bool ours = !g.nodes.empty() && all_ops_known(g, ops);
    for (const Value& v : g.values) ours = ours && (v.dtype == DataType::Undefined || dtype_runs(v.dtype));
    if (!ours) continue;
    ++applicable;
    EXPECT_TRUE(listed.count(name)) << "applicable test missing from tests/onnx_node_tests.txt: " << name;
  }
  EXPECT_GT(applicable, 100);
}

}  // namespace
}  // namespace ssdx::test
