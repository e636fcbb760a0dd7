// `ssdx bench` as a user runs it (JSON report, Chrome trace, one-line errors) and its percentile helper.
#include <algorithm>
#include <cstdlib>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/json_value.h"
#include "study/bench_stats.h"

namespace ssdx::test {
namespace {

// The number after `"key": ` at or after `from`; fails the test when absent.
double number_after(const std::string& json, const std::string& key, size_t from = 0) {
  const size_t at = json.find("\"" + key + "\": ", from);
  EXPECT_NE(at, std::string::npos) << "no " << key << " in " << json;
  return at == std::string::npos ? -1 : std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

class BenchCli : public ::testing::Test {
 protected:
  // Conv (with bias) -> Relu -> MaxPool on a 1x3x16x16 input.
  void SetUp() override {
    dir_ = temp_dir();
    model_ = dir_ + "/tiny.onnx";
    ModelBuilder b(12);
    b.add_input("x", DataType::Float, {1, 3, 16, 16});
    std::vector<float> w(8 * 3 * 3 * 3);
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
    b.add_initializer("w", make_tensor<float>({8, 3, 3, 3}, w));
    b.add_initializer("b", make_tensor<float>({8}, std::vector<float>(8, 0.1f)));
    Attributes conv = Attributes::ints("pads", {1, 1, 1, 1});
    b.add_node("Conv", {"x", "w", "b"}, {"c"}, conv, "conv");
    b.add_node("Relu", {"c"}, {"r"}, {}, "relu");
    Attributes pool = Attributes::ints("kernel_shape", {2, 2});
    pool.set_ints("strides", {2, 2});
    b.add_node("MaxPool", {"r"}, {"y"}, pool, "pool");
    b.add_output("y", DataType::Float, {1, 8, 8, 8});
    b.save(model_);
  }
  // Nodes the engine executes (it may fuse or fold some of the three).
  size_t executed_nodes() const { return Session::load(model_)->graph().nodes.size(); }

  std::string dir_, model_;
};

TEST_F(BenchCli, JsonReport) {
  const CommandResult r = run_command("bench " + model_ + " --runs 3 --warmup 1 --threads 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress line when stderr is not a terminal
  const std::string& j = r.out;
  EXPECT_EQ(j.rfind("{\"model\": \"" + model_ + "\"", 0), 0u) << j;
  EXPECT_EQ(number_after(j, "threads"), 1);
  EXPECT_EQ(number_after(j, "runs"), 3);
  EXPECT_GE(number_after(j, "load_ms"), 0);
  const size_t lat = j.find("\"latency_ms\"");
  const double mn = number_after(j, "min", lat), med = number_after(j, "median", lat),
               p90 = number_after(j, "p90", lat), p99 = number_after(j, "p99", lat), mx = number_after(j, "max", lat);
  EXPECT_GT(mn, 0);
  EXPECT_LE(mn, med);
  EXPECT_LE(med, p90);
  EXPECT_LE(p90, p99);
  EXPECT_LE(p99, mx);
  EXPECT_GT(number_after(j, "throughput_per_s"), 0);
  const size_t profile = j.find("\"profile\": ["), op_types = j.find("\"op_types\": {");
  ASSERT_NE(profile, std::string::npos);
  ASSERT_NE(op_types, std::string::npos);
  EXPECT_EQ(count_of(j.substr(profile, op_types - profile), "\"op_type\": "), executed_nodes());
  EXPECT_NE(j.find("Conv\": {\"count\": 1"), std::string::npos) << j;  // Conv, or a fused conv op
  EXPECT_EQ(std::count(j.begin(), j.end(), '{'), std::count(j.begin(), j.end(), '}'));
  EXPECT_EQ(std::count(j.begin(), j.end(), '['), std::count(j.begin(), j.end(), ']'));
}

// Each profile entry names the ONNX nodes it computes: the Relu fused into the convolution goes with it, so a tool
// can match the entry to another engine's per-node timings.
TEST_F(BenchCli, ProfileNamesTheOnnxNodesEachEntryComputes) {
  const CommandResult r = run_command("bench " + model_ + " --runs 1 --warmup 0 --threads 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json profile = parse_json(r.out)["profile"];
  ASSERT_EQ(profile.items.size(), 2u) << r.out;
  const auto names = [](const Json& entry) {
    std::vector<std::string> out;
    for (const Json& n : entry["fused_from"].items) out.push_back(n.str);
    return out;
  };
  EXPECT_EQ(names(profile[0]), (std::vector<std::string>{"conv", "relu"})) << r.out;
  EXPECT_EQ(names(profile[1]), (std::vector<std::string>{"pool"})) << r.out;
}

// An int8 model's convolutions are measured against the int8 peak estimate (4x the fp32 FMA peak), an fp32 one's
// against the fp32 peak.
TEST_F(BenchCli, PeakFollowsTheConvolutionsPrecision) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 16, 12, 12});
  b.add_initializer("s", make_tensor<float>({}, {0.05f}));
  b.add_initializer("z", make_tensor<uint8_t>({}, {128}));
  b.add_initializer("w", make_tensor<int8_t>({16, 16, 1, 1}, std::vector<int8_t>(256, 3)));
  b.add_initializer("ws", make_tensor<float>({}, {0.01f}));
  b.add_initializer("wz", make_tensor<int8_t>({}, {0}));
  b.add_node("QuantizeLinear", {"x", "s", "z"}, {"xq"});
  b.add_node("QLinearConv", {"xq", "s", "z", "w", "ws", "wz", "s", "z"}, {"yq"});
  b.add_node("DequantizeLinear", {"yq", "s", "z"}, {"y"});
  b.add_output("y", DataType::Float, {1, 16, 12, 12});
  const std::string int8 = dir_ + "/int8.onnx";
  b.save(int8);
  const std::string args = " --runs 1 --warmup 0 --threads 1 --peak-per-core 100 --json";
  const CommandResult q = run_command("bench " + int8 + args), f = run_command("bench " + model_ + args);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const size_t qc = q.out.find("\"conv\": {"), fc = f.out.find("\"conv\": {");
  EXPECT_NE(q.out.find("\"precision\": \"int8\"", qc), std::string::npos) << q.out.substr(qc);
  EXPECT_EQ(number_after(q.out, "peak_gflops", qc), 400);
  EXPECT_NE(f.out.find("\"precision\": \"fp32\"", fc), std::string::npos) << f.out.substr(fc);
  EXPECT_EQ(number_after(f.out, "peak_gflops", fc), 100);
  EXPECT_NE(run_command("bench " + int8 + " --runs 1 --warmup 0 --top 1").out.find("of the int8 VNNI peak"),
            std::string::npos);
}

TEST_F(BenchCli, TablesAndChromeTrace) {
  const std::string trace = dir_ + "/trace.json";
  const CommandResult r = run_command("bench " + model_ + " --runs 2 --warmup 0 --top 2 --profile " + trace);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* key : {"load ", "median", "p99", "throughput", "top 2 of", "per op type", "convolutions:",
                          "240 GFLOP/s per core"})
    EXPECT_NE(r.out.find(key), std::string::npos) << "missing '" << key << "' in:\n" << r.out;
  const std::string t = read_file_bytes(trace);
  EXPECT_EQ(t.rfind("{\"traceEvents\"", 0), 0u) << t;
  EXPECT_EQ(count_of(t, "\"ph\": \"X\""), executed_nodes()) << t;
  EXPECT_NE(t.find("\"name\": \"conv\""), std::string::npos) << t;
}

TEST_F(BenchCli, InputFromFile) {
  Tensor x(DataType::Float, {1, 3, 16, 16});
  save_npy(x, dir_ + "/x.npy");
  const CommandResult r = run_command("bench " + model_ + " --runs 1 --warmup 0 --json --input x=" + dir_ + "/x.npy");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  save_npy(Tensor(DataType::Float, {1, 3, 8, 8}), dir_ + "/small.npy");
  expect_one_line_error(run_command("bench " + model_ + " --input x=" + dir_ + "/small.npy"), "shape");
}

TEST_F(BenchCli, BadArguments) {
  expect_one_line_error(run_command("bench"), "no model");
  expect_one_line_error(run_command("bench " + model_ + " --runs 0"), "--runs");
  expect_one_line_error(run_command("bench " + model_ + " --warmup -1"), "--warmup");
  expect_one_line_error(run_command("bench " + model_ + " --threads"), "--threads needs a value");
  expect_one_line_error(run_command("bench " + model_ + " --frobnicate"), "--frobnicate");
  expect_one_line_error(run_command("bench " + model_ + " --input x"), "NAME=FILE");
  expect_one_line_error(run_command("bench " + dir_ + "/absent.onnx"), "absent.onnx");
  expect_one_line_error(run_command("bench " + model_ + " --profile " + dir_ + "/no/such/dir/t.json"), "t.json");
}

// Nearest-rank: sorted[ceil(p/100 * n) - 1], worked out by hand.
TEST(BenchStats, NearestRankPercentiles) {
  const std::vector<double> ten = {7, 1, 10, 3, 5, 2, 9, 4, 8, 6};  // 1..10 shuffled
  using study::percentile_nearest_rank;
  EXPECT_EQ(study::percentile_nearest_rank(ten, 0), 1);
  EXPECT_EQ(study::percentile_nearest_rank(ten, 50), 5);   // ceil(5) = 5th
  EXPECT_EQ(study::percentile_nearest_rank(ten, 51), 6);   // ceil(5.1) = 6th
  EXPECT_EQ(study::percentile_nearest_rank(ten, 90), 9);   // ceil(9) = 9th
  EXPECT_EQ(study::percentile_nearest_rank(ten, 99), 10);  // ceil(9.9) = 10th
  EXPECT_EQ(study::percentile_nearest_rank(ten, 100), 10);
  EXPECT_EQ(study::percentile_nearest_rank({15, 20, 35, 40, 50}, 30), 20);  // ceil(1.5) = 2nd (Wikipedia's example)
  EXPECT_EQ(study::percentile_nearest_rank({15, 20, 35, 40, 50}, 40), 20);  // ceil(2.0) = 2nd
  EXPECT_EQ(study::percentile_nearest_rank({42}, 99), 42);
  EXPECT_THROW(study::percentile_nearest_rank({}, 50), Error);

  const study::LatencySummary s = study::summarize_latencies({4, 1, 3, 2});
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.median, 2);  // ceil(2.0) = 2nd: nearest-rank takes the lower middle of an even count
  EXPECT_EQ(s.p90, 4);
  EXPECT_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
}

TEST(BenchStats, AverageProfiles) {
  RunProfile a, b;
  a.nodes = {{"c", "Conv", "ref", "plain", 0, 1000, 4e6}, {"r", "Relu", "ref", "plain", 1000, 200, 0}};
  b.nodes = {{"c", "Conv", "ref", "plain", 0, 3000, 4e6}, {"r", "Relu", "ref", "plain", 3000, 400, 0}};
  const auto avg = study::average_profiles({a, b});
  ASSERT_EQ(avg.size(), 2u);
  EXPECT_DOUBLE_EQ(avg[0].ms, 2.0);
  EXPECT_DOUBLE_EQ(avg[0].gflops(), 2.0);  // 4 MFLOP in 2 ms
  EXPECT_DOUBLE_EQ(avg[1].ms, 0.3);
  const auto types = study::totals_by_op_type(avg);
  EXPECT_EQ(types.at("Conv").count, 1);
  b.nodes.pop_back();
  EXPECT_THROW(study::average_profiles({a, b}), Error);
}

}  // namespace
}  // namespace ssdx::test

namespace ssdx::test {
namespace {

// A Conv on an input with a free batch: --input-shape fixes it, and the report counts images per second.
TEST(BenchInputShape, FixesAFreeBatchAndReportsImagesPerSecond) {
  const std::string dir = temp_dir(), model = dir + "/dyn.onnx";
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {-1, 3, 8, 8}, {"batch", "", "", ""});
  b.add_initializer("w", make_tensor<float>({4, 3, 1, 1}, std::vector<float>(12, 0.5f)));
  b.add_node("Conv", {"x", "w"}, {"y"}, {}, "conv");
  b.add_output("y", DataType::Float, {-1, 4, 8, 8}, {"batch", "", "", ""});
  b.save(model);
  const CommandResult r = run_command("bench " + model + " --input-shape x=4x3x8x8 --runs 2 --warmup 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(number_after(r.out, "batch"), 4);
  EXPECT_NEAR(number_after(r.out, "images_per_s"), 4 * number_after(r.out, "throughput_per_s"),
              1e-6 * number_after(r.out, "images_per_s"));
  const CommandResult text = run_command("bench " + model + " --input-shape x=4x3x8x8 --runs 2 --warmup 0");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(" images/s at batch 4"), std::string::npos) << text.out;

  for (const auto& [args, want] : std::vector<std::pair<std::string, std::string>>{
           {"--input-shape x=4x3x8", "input 'x' has rank 4 ([?,3,8,8]), --input-shape gives 3 dims ([4,3,8])"},
           {"--input-shape y=1x3x8x8", "--input-shape names 'y', which is not a graph input (inputs: x)"},
           {"--input-shape x=1x3x8x8 --input-shape x=2x3x8x8", "--input-shape gives 'x' twice"},
           {"--input-shape x", "--input-shape expects NAME=D0xD1x... (e.g. input=32x3x300x300), got 'x'"}}) {
    const CommandResult e = run_command("bench " + model + " " + args + " --runs 1 --warmup 0");
    EXPECT_NE(e.exit_code, 0) << args;
    EXPECT_NE(e.err.find(want), std::string::npos) << args << ": " << e.err;
    EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << args << ": " << e.err;
  }
}

}  // namespace
}  // namespace ssdx::test
