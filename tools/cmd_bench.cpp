// ssdx bench: load a model once, run it warm-up + timed times, and report latency percentiles, throughput and where
// the time goes (per node and per op type, averaged over the timed runs), optionally as JSON and a Chrome trace.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "graph/file_writer.h"
#include "graph/tensor_io.h"
#include "graph/printable.h"
#include "study/bench_run.h"
#include "study/bench_vs.h"
#include "study/chrome_trace.h"
#include "tools/cli.h"
#include "graph/json.h"

namespace ssdx::cli {
namespace {

// fp32 FMA peak of one core of the target Xeon (12 independent vfmadd chains, measured: docs/baselines.md §2).
// An estimate for this machine kind only, hence overridable.
constexpr double kDefaultPeakPerCoreGflops = 240;
// An AVX-512 VNNI dot product (vpdpbusd: 64 u8 x s8 multiply-adds) does 4x the work of an fp32 FMA (16): the int8
// peak estimate. AMX tiles go far beyond it; the percentage then says so by exceeding 100.
constexpr double kInt8OpsPerFp32Flop = 4;

study::BenchOptions parse_options(Args& args) {
  study::BenchOptions o;
  o.peak_per_core = kDefaultPeakPerCoreGflops;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--input") o.inputs.push_back(study::parse_input_spec(args.next(a)));
    else if (parse_session_option(a, args, o.session)) continue;
    else if (a == "--runs") o.runs = parse_int(args.next(a), a, 1, 1000000);
    else if (a == "--warmup") o.warmup = parse_int(args.next(a), a, 0, 1000000);
    else if (a == "--top") o.top = parse_int(args.next(a), a, 0, 1000000);
    else if (a == "--seed") o.seed = static_cast<unsigned>(parse_int(args.next(a), a, 0, 1 << 30));
    else if (a == "--peak-per-core") o.peak_per_core = parse_double(args.next(a), a, 1e-3, 1e6);
    else if (a == "--profile") o.profile_path = args.next(a);
    else if (a == "--json") o.json = true;
    else if (a == "--vs") o.vs = args.next(a);
    else if (a == "--precision-b") o.precision_b = parse_precision(args.next(a), a);
    else if (!a.empty() && a[0] == '-') fail("bench: unknown option '", a, "'");
    else if (o.model.empty()) o.model = a;
    else fail("bench: unexpected argument '", a, "'");
  }
  if (o.model.empty()) fail("bench: no model given (ssdx bench MODEL ...)");
  if (o.precision_b && o.vs.empty()) fail("bench: --precision-b is MODEL_B's precision; it needs --vs MODEL_B");
  return o;
}

// Conv, ConvTranspose, QLinearConv, ConvInteger and fused variants: the ops whose GFLOP/s is worth comparing with peak.
bool is_conv_family(const std::string& op_type) { return op_type.find("Conv") != std::string::npos; }

struct Report {
  const study::BenchOptions* opts = nullptr;
  int threads = 0;
  double load_ms = 0;
  study::LatencySummary latency;
  std::vector<study::NodeAverage> nodes;  // execution order
  std::vector<std::vector<NodeOrigin>> origins;  // per node: the ONNX nodes it computes (the plan's steps)
  std::map<std::string, study::OpTypeTotal> op_types;
  double node_ms = 0;  // sum of the nodes' mean times: the denominator of every share
  int64_t batch = 1;   // images per run: dim 0 of the first 4-D input
  study::OpTypeTotal conv;    // all conv-family nodes together
  bool int8 = false;   // every conv-family node is an integer one (QLinearConv, ConvInteger)
  int bf16_convs = 0;  // convolutions computed in bf16 (--precision bf16)
  double peak_gflops() const { return opts->peak_per_core * threads * (int8 ? kInt8OpsPerFp32Flop : 1); }
  double share(double ms) const { return node_ms > 0 ? ms / node_ms : 0; }
};


std::string display_name(const study::NodeAverage& n) { return printable(n.name.empty() ? "<" + n.op_type + ">" : n.name); }

void print_tables(const Report& r) {
  const study::BenchOptions& o = *r.opts;
  std::printf("model %s: %zu nodes, %d threads", o.model.c_str(), r.nodes.size(), r.threads);
  if (r.bf16_convs > 0) std::printf(", %d convolutions in bf16", r.bf16_convs);
  std::printf("\n");
  std::printf("load %.1f ms\n", r.load_ms);
  std::printf("latency over %d runs after %d warm-up (ms, nearest-rank percentiles): min %.1f  median %.1f  p90 %.1f  "
              "p99 %.1f  max %.1f\n", o.runs, o.warmup, r.latency.min, r.latency.median, r.latency.p90, r.latency.p99,
              r.latency.max);
  std::printf("throughput %.3f runs/s (1000 / mean latency %.1f ms)", 1000.0 / r.latency.mean, r.latency.mean);
  if (r.batch != 1) std::printf(", %.1f images/s at batch %lld", 1000.0 * r.batch / r.latency.mean, static_cast<long long>(r.batch));
  std::printf("\n");

  std::vector<const study::NodeAverage*> order;
  for (const study::NodeAverage& n : r.nodes) order.push_back(&n);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->ms > b->ms; });
  const size_t shown = o.top == 0 ? order.size() : std::min(order.size(), static_cast<size_t>(o.top));
  int name_w = 4, op_w = 7, impl_w = 4;
  for (size_t i = 0; i < shown; ++i) {
    name_w = std::max(name_w, static_cast<int>(display_name(*order[i]).size()));
    impl_w = std::max(impl_w, static_cast<int>(order[i]->impl.size()));
  }
  for (const auto& [type, t] : r.op_types) op_w = std::max(op_w, static_cast<int>(type.size()));
  name_w = std::min(name_w, 40);  // longer names are cut: the table must stay readable
  std::printf("\ntop %zu of %zu nodes by mean time (shares of the nodes' total, %.1f ms):\n", shown, order.size(),
              r.node_ms);
  std::printf("%-*s  %-*s  %9s  %6s  %8s  %-*s  %s\n", name_w, "name", op_w, "op type", "ms", "share%", "GFLOP/s", impl_w,
              "impl", "layout");
  for (size_t i = 0; i < shown; ++i) {
    const study::NodeAverage& n = *order[i];
    std::printf("%-*.*s  %-*s  %9.3f  %6.2f  %8.1f  %-*s  %s\n", name_w, name_w, display_name(n).c_str(), op_w,
                n.op_type.c_str(), n.ms, 100 * r.share(n.ms), n.gflops(), impl_w, n.impl.c_str(), n.layout.c_str());
  }

  std::printf("\nper op type:\n%-*s  %5s  %9s  %6s  %8s\n", op_w, "op type", "count", "ms", "share%", "GFLOP/s");
  for (const auto& [type, t] : r.op_types) {
    std::printf("%-*s  %5d  %9.3f  %6.2f  ", op_w, type.c_str(), t.count, t.ms, 100 * r.share(t.ms));
    if (is_conv_family(type)) std::printf("%8.1f\n", t.gflops());
    else std::printf("%8s\n", "-");
  }
  if (r.conv.count > 0 && !r.int8)
    std::printf("\nconvolutions: %.1f GFLOP in %.1f ms = %.1f GFLOP/s, %.1f%% of the fp32 FMA peak (an estimate: %g "
                "GFLOP/s per core x %d threads = %g GFLOP/s; --peak-per-core to change%s)\n",
                r.conv.flops / 1e9, r.conv.ms, r.conv.gflops(), 100 * r.conv.gflops() / r.peak_gflops(),
                o.peak_per_core, r.threads, r.peak_gflops(),
                r.bf16_convs > 0 ? "; a bf16 dot product does twice an fp32 FMA's multiply-adds" : "");
  if (r.conv.count > 0 && r.int8)
    std::printf("\nint8 convolutions: %.1f GOP in %.1f ms = %.1f GOP/s, %.1f%% of the int8 VNNI peak (an estimate: "
                "%g x the fp32 FMA peak of %g GFLOP/s per core x %d threads = %g GOP/s; AMX goes beyond it; "
                "--peak-per-core to change)\n",
                r.conv.flops / 1e9, r.conv.ms, r.conv.gflops(), 100 * r.conv.gflops() / r.peak_gflops(),
                kInt8OpsPerFp32Flop, o.peak_per_core, r.threads, r.peak_gflops());
}

void print_json(const Report& r) {
  const study::BenchOptions& o = *r.opts;
  std::ostringstream os;
  os.precision(6);
  os << std::fixed << "{\"model\": " << json_quote(o.model) << ", \"threads\": " << r.threads << ", \"runs\": " << o.runs
     << ", \"warmup\": " << o.warmup << ", \"load_ms\": " << r.load_ms << ",\n \"latency_ms\": {\"min\": "
     << r.latency.min << ", \"median\": " << r.latency.median << ", \"p90\": " << r.latency.p90 << ", \"p99\": "
     << r.latency.p99 << ", \"max\": " << r.latency.max << ", \"mean\": " << r.latency.mean
     << "},\n \"throughput_per_s\": " << 1000.0 / r.latency.mean
     << ",\n \"batch\": " << r.batch << ",\n \"images_per_s\": " << 1000.0 * r.batch / r.latency.mean << ",\n \"profile\": [";
  // Shares are fractions of the nodes' total; profile entries are in execution order.
  for (size_t i = 0; i < r.nodes.size(); ++i) {
    const study::NodeAverage& n = r.nodes[i];
    os << (i ? ",\n  " : "\n  ") << "{\"name\": " << json_quote(n.name) << ", \"op_type\": " << json_quote(n.op_type)
       << ", \"ms\": " << n.ms << ", \"share\": " << r.share(n.ms) << ", \"gflops\": " << n.gflops()
       << ", \"impl\": " << json_quote(n.impl) << ", \"layout\": " << json_quote(n.layout) << ", \"fused_from\": [";
    for (size_t k = 0; k < r.origins[i].size(); ++k) os << (k ? ", " : "") << json_quote(r.origins[i][k].name);
    os << "]}";
  }
  os << "],\n \"op_types\": {";
  const char* sep = "\n  ";
  for (const auto& [type, t] : r.op_types) {
    os << sep << json_quote(type) << ": {\"count\": " << t.count << ", \"ms\": " << t.ms << ", \"share\": "
       << r.share(t.ms) << ", \"gflops\": " << t.gflops() << "}";
    sep = ",\n  ";
  }
  os << "},\n \"conv\": {\"precision\": \"" << (r.int8 ? "int8" : r.bf16_convs > 0 ? "bf16" : "fp32")
     << "\", \"bf16_convolutions\": " << r.bf16_convs << ", \"gflops\": " << r.conv.gflops()
     << ", \"peak_gflops\": " << r.peak_gflops()
     << ", \"peak_share\": " << r.conv.gflops() / r.peak_gflops() << "}}\n";
  std::cout << os.str();
}

}  // namespace

int cmd_bench(Args& args) {
  Report r;
  const study::BenchOptions o = parse_options(args);
  if (!o.vs.empty() && !o.profile_path.empty()) fail("bench: --profile traces one model; leave out --vs");
  if (!o.vs.empty()) return study::bench_vs(o);
  r.opts = &o;
  // Fail on an unwritable trace path now rather than after minutes of runs.
  if (!o.profile_path.empty()) check_can_create(o.profile_path);
  const auto session = study::load_timed(o.model, o.session, r.load_ms);
  const TensorMap feeds = study::make_feeds(*session, o.inputs, study::RandomFill::Normal, o.seed);
  for (const TensorInfo& in : session->inputs()) {
    const Tensor& t = feeds.at(in.name);
    if (t.rank() == 4) {
      r.batch = t.dim(0);
      break;
    }
  }
  // A model with free dims runs a session compiled for the feeds' shapes: its plan says what computes in bf16.
  const std::shared_ptr<const Session> compiled = session->compiled_for(feeds);
  const std::vector<PlannedStep>& steps = compiled->plan().steps;
  for (const PlannedStep& s : steps) r.bf16_convs += s.compute_precision == "bf16";
  study::Measurement m = study::measure(*session, feeds, o);
  r.threads = m.threads;
  r.latency = m.latency;
  r.nodes = std::move(m.nodes);
  // The profile and the plan both list the executed nodes in execution order.
  if (steps.size() != r.nodes.size()) fail("bench: the plan has ", steps.size(), " steps, the profile ", r.nodes.size());
  for (size_t i = 0; i < steps.size(); ++i) r.origins.push_back(steps[i].origins);
  r.op_types = study::totals_by_op_type(r.nodes);
  for (const study::NodeAverage& n : r.nodes) r.node_ms += n.ms;
  r.int8 = true;
  for (const auto& [type, t] : r.op_types) {
    if (!is_conv_family(type)) continue;
    r.int8 = r.int8 && (type == "QLinearConv" || type == "ConvInteger");
    r.conv.count += t.count;
    r.conv.ms += t.ms;
    r.conv.flops += t.flops;
  }
  if (!o.profile_path.empty()) write_file_bytes(o.profile_path, study::chrome_trace_json(m.last, o.model));
  if (o.json) print_json(r);
  else print_tables(r);
  return 0;
}

}  // namespace ssdx::cli
