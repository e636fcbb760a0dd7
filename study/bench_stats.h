#pragma once
// Statistics for `ssdx bench`: latency percentiles and per-node profiles averaged over runs.
#include <map>
#include <string>
#include <vector>

#include "engine/session.h"

namespace ssdx::study {

// Nearest-rank percentile of `samples` (need not be sorted; must not be empty): the smallest sample with at least
// p% of the samples <= it, i.e. sorted[ceil(p/100 * n) - 1], and the minimum for p = 0. Always one of the measured
// values (no interpolation), so "p99 of 10 runs" is honestly the slowest run rather than an invented number.
double percentile_nearest_rank(std::vector<double> samples, double p);

struct LatencySummary {
  double min = 0, median = 0, p90 = 0, p99 = 0, max = 0, mean = 0;  // median is the nearest-rank p50
};
LatencySummary summarize_latencies(const std::vector<double>& ms);

// One node's timings averaged over runs.
struct NodeAverage {
  std::string name, op_type, impl, layout;
  double ms = 0;     // mean duration
  double flops = 0;  // per run (NodeProfile::flops)
  double gflops() const { return ms > 0 ? flops / (ms * 1e6) : 0; }
};
// Averages profiles of the same session node by node (execution order is fixed, so index i is the same node in
// every run; fails if the runs disagree).
std::vector<NodeAverage> average_profiles(const std::vector<RunProfile>& runs);

struct OpTypeTotal {
  int count = 0;
  double ms = 0, flops = 0;
  double gflops() const { return ms > 0 ? flops / (ms * 1e6) : 0; }
};
std::map<std::string, OpTypeTotal> totals_by_op_type(const std::vector<NodeAverage>& nodes);

}  // namespace ssdx::study
