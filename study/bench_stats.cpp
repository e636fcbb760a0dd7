#include "study/bench_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "graph/error.h"

namespace ssdx::study {

double percentile_nearest_rank(std::vector<double> samples, double p) {
  SSDX_CHECK(!samples.empty(), "percentile of no samples");
  SSDX_CHECK(p >= 0 && p <= 100, "percentile ", p, " out of [0, 100]");
  std::sort(samples.begin(), samples.end());
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[rank == 0 ? 0 : rank - 1];
}

LatencySummary summarize_latencies(const std::vector<double>& ms) {
  LatencySummary s;
  s.min = percentile_nearest_rank(ms, 0);
  s.median = percentile_nearest_rank(ms, 50);
  s.p90 = percentile_nearest_rank(ms, 90);
  s.p99 = percentile_nearest_rank(ms, 99);
  s.max = percentile_nearest_rank(ms, 100);
  s.mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  return s;
}

std::vector<NodeAverage> average_profiles(const std::vector<RunProfile>& runs) {
  std::vector<NodeAverage> avg;
  if (runs.empty()) return avg;
  for (const NodeProfile& p : runs[0].nodes) avg.push_back({p.name, p.op_type, p.impl, p.layout, 0, p.flops});
  for (const RunProfile& r : runs) {
    SSDX_CHECK(r.nodes.size() == avg.size(), "profiles of different lengths (", r.nodes.size(), " vs ", avg.size(), ")");
    for (size_t i = 0; i < avg.size(); ++i) {
      SSDX_CHECK(r.nodes[i].name == avg[i].name, "profiles disagree at node ", i);
      avg[i].ms += r.nodes[i].duration_us / 1000.0;
    }
  }
  for (NodeAverage& a : avg) a.ms /= static_cast<double>(runs.size());
  return avg;
}

std::map<std::string, OpTypeTotal> totals_by_op_type(const std::vector<NodeAverage>& nodes) {
  std::map<std::string, OpTypeTotal> t;
  for (const NodeAverage& n : nodes) {
    OpTypeTotal& o = t[n.op_type];
    ++o.count;
    o.ms += n.ms;
    o.flops += n.flops;
  }
  return t;
}

}  // namespace ssdx::study
