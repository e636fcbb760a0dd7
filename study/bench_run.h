#pragma once
// The measuring part of `ssdx bench`, shared by the single-model report and `bench A --vs B`.
#include <optional>
#include <string>
#include <vector>

#include "engine/session.h"
#include "study/bench_stats.h"
#include "study/feeds.h"

namespace ssdx::study {

struct BenchOptions {
  std::string model, profile_path;
  std::string vs;  // --vs MODEL_B: a second model timed the same way, reported side by side
  std::optional<Precision> precision_b;  // --precision-b: MODEL_B's precision (default: session.precision)
  std::vector<InputFile> inputs;
  SessionOptions session;
  int runs = 10, warmup = 2, top = 25;
  unsigned seed = 0;
  double peak_per_core = 0;
  bool json = false;
};

struct Measurement {
  double load_ms = 0;
  int threads = 0;
  LatencySummary latency;
  std::vector<NodeAverage> nodes;              // execution order
  std::vector<std::vector<NodeOrigin>> origins;  // per node: the ONNX nodes it computes (origins_of)
  RunProfile last;                              // the last timed run, for a trace
};

// Loads `model` (timed) into `session`.
std::unique_ptr<Session> load_timed(const std::string& model, const SessionOptions& opts, double& load_ms);

// Runs `session` opts.warmup + opts.runs times on `feeds` and averages the timed runs; a progress line on a terminal.
Measurement measure(const Session& session, const TensorMap& feeds, const BenchOptions& opts);

// The same for several models, their runs interleaved (A, B, A, B, ...) so that load coming and going on a shared
// machine falls on each of them alike.
struct BenchTarget {
  const Session* session;
  const TensorMap* feeds;
};
std::vector<Measurement> measure_interleaved(const std::vector<BenchTarget>& targets, const BenchOptions& opts);

}  // namespace ssdx::study
