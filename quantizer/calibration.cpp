#include "quantizer/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>


namespace ssdx::quantizer {
namespace {

double total_of(const Histogram& h) {
  double t = 0;
  for (double c : h.counts) t += c;
  return t;
}

// Per-tensor statistics gathered over all calibration inputs.
struct TensorStats {
  float lo = std::numeric_limits<float>::infinity(), hi = -std::numeric_limits<float>::infinity();
  TensorHistogram hist;
};

void update_minmax(TensorStats& s, const Tensor& t) {
  const float* p = t.data<float>();
  float lo = s.lo, hi = s.hi;
  for (int64_t i = 0; i < t.numel(); ++i) {
    lo = std::min(lo, p[i]);  // NaN compares false and is skipped
    hi = std::max(hi, p[i]);
  }
  s.lo = lo;
  s.hi = hi;
}

void update_histogram(TensorStats& s, const Tensor& t) {
  const float* p = t.data<float>();
  Histogram& neg = s.hist.neg;
  Histogram& pos = s.hist.pos;
  const double nbins = static_cast<double>(pos.counts.size());
  const size_t last = pos.counts.size() - 1;
  const double neg_scale = neg.limit > 0 ? nbins / neg.limit : 0, pos_scale = pos.limit > 0 ? nbins / pos.limit : 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float v = p[i];
    if (std::isnan(v)) continue;
    if (v == 0) {
      s.hist.zeros += 1;
      continue;
    }
    Histogram& h = v < 0 ? neg : pos;
    const double x = v < 0 ? -static_cast<double>(v) * neg_scale : static_cast<double>(v) * pos_scale;
    h.counts[std::min(static_cast<size_t>(x), last)] += 1;  // the limit itself falls in the last bin
  }
}

}  // namespace

Range minmax_range(float lo, float hi) { return {std::min(0.f, lo), std::max(0.f, hi)}; }

Range percentile_range(const TensorHistogram& h, double percentile) {
  if (!(percentile >= 50 && percentile <= 100)) fail("percentile must be in [50, 100], got ", percentile);
  if (h.neg.counts.size() != h.pos.counts.size()) fail("percentile_range: the two sides need the same bin count");
  const size_t n = h.pos.counts.size();
  const double total = total_of(h.neg) + h.zeros + total_of(h.pos);
  if (n == 0 || total <= 0) return {0, 0};
  const double wn = h.neg.limit / static_cast<double>(n), wp = h.pos.limit / static_cast<double>(n);
  // Bins in value order: negative ones from the most negative, the zeros (b == n, a bin of width 0), the positive ones.
  auto count = [&](size_t b) { return b < n ? h.neg.counts[n - 1 - b] : b == n ? h.zeros : h.pos.counts[b - n - 1]; };
  auto lower_edge = [&](size_t b) {
    return b < n ? -static_cast<double>(n - b) * wn : b == n ? 0.0 : static_cast<double>(b - n - 1) * wp;
  };
  auto upper_edge = [&](size_t b) {
    return b < n ? -static_cast<double>(n - 1 - b) * wn : b == n ? 0.0 : static_cast<double>(b - n) * wp;
  };
  const double low_rank = (100 - percentile) / 100 * total, high_rank = percentile / 100 * total;
  double lo = 0, hi = 0, cum = 0;
  bool lo_found = false;
  for (size_t b = 0; b <= 2 * n; ++b) {
    cum += count(b);
    if (!lo_found && cum > low_rank) {
      lo = lower_edge(b);
      lo_found = true;
    }
    if (cum >= high_rank) {
      hi = upper_edge(b);
      break;
    }
  }
  return minmax_range(static_cast<float>(lo), static_cast<float>(hi));
}

// KL(P||Q) for every threshold i costs O(levels) with prefix sums: P's and Q's empty bins get a tiny count (eps) so
// the divergence stays finite, which leaves KL = (sum p log p - sum p log q) / Sp + log(Sq / Sp) over P's non-empty
// bins, with q a group's average over its non-empty bins.
double entropy_threshold(const Histogram& h, int levels) {
  const size_t n = h.counts.size();
  const double total = total_of(h);
  if (total <= 0 || h.limit <= 0) return 0;
  if (levels < 1) fail("entropy: levels must be positive");
  const size_t q_levels = static_cast<size_t>(levels);
  if (n <= q_levels) return h.limit;
  constexpr double kEps = 1e-4;
  std::vector<double> c(n + 1, 0), clogc(n + 1, 0), nz(n + 1, 0);  // prefix sums over bins [0, k)
  for (size_t k = 0; k < n; ++k) {
    const double v = h.counts[k];
    c[k + 1] = c[k] + v;
    clogc[k + 1] = clogc[k] + (v > 0 ? v * std::log(v) : 0);
    nz[k + 1] = nz[k] + (v > 0);
  }
  double best_kl = std::numeric_limits<double>::infinity();
  size_t best = n;
  for (size_t i = q_levels; i <= n; ++i) {
    const double outliers = total - c[i];
    const double last = h.counts[i - 1] + outliers;  // P's last bin takes the clipped tail
    const bool last_only_outliers = h.counts[i - 1] == 0 && outliers > 0;
    double p_log_p = clogc[i - 1] + (last > 0 ? last * std::log(last) : 0);
    double p_log_q = 0;
    bool q_empty_last = false;
    for (size_t j = 0; j < q_levels; ++j) {
      const size_t s = j * i / q_levels, e = (j + 1) * i / q_levels;
      const bool last_group = e == i;
      const double sum = c[e] - c[s];
      const double nonzero = nz[e] - nz[s] + (last_group && last_only_outliers ? 1 : 0);
      const double p_sum = sum + (last_group ? outliers : 0);
      if (nonzero == 0) continue;
      if (sum > 0) {
        p_log_q += p_sum * std::log(sum / nonzero);
      } else {  // only the tail landed here: Q has nothing to spread over it
        p_log_q += outliers * std::log(kEps);
        q_empty_last = true;
      }
    }
    const double p_zeros = static_cast<double>(i) - nz[i] - (last_only_outliers ? 1 : 0);
    const double sp = total + kEps * p_zeros, sq = c[i] + kEps * (p_zeros + (q_empty_last ? 1 : 0));
    const double kl = (p_log_p - p_log_q) / sp + std::log(sq / sp);
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return static_cast<double>(best) * h.limit / static_cast<double>(n);
}

Range entropy_range(const TensorHistogram& h, int levels) {
  const double neg = entropy_threshold(h.neg, levels);
  return {neg > 0 ? -static_cast<float>(neg) : 0.f, static_cast<float>(entropy_threshold(h.pos, levels))};
}

RangeMap calibrate(const Graph& g, const std::vector<std::string>& tensors, const std::vector<Tensor>& inputs,
                   const CalibrationOptions& opts) {
  if (g.inputs.size() != 1) fail(g.source, ": calibration runs models with exactly one input");
  if (inputs.empty()) fail("calibration needs at least one input");
  if (opts.bins < 1) fail("calibration: bins must be positive");
  const std::string input_name = g.value(g.inputs[0]).name;
  // Intermediate tensors become graph outputs so the session hands them back (and keeps them out of fusions).
  Graph copy = g;
  for (const std::string& name : tensors) {
    const int id = copy.find_value(name);
    if (id < 0) fail(g.source, ": no tensor named '", name, "' to calibrate");
    Value& v = copy.value(id);
    if (v.constant) fail(g.source, ": tensor '", name, "' is a constant, not an activation");
    if (v.is_graph_input || v.is_graph_output) continue;
    v.is_graph_output = true;
    copy.outputs.push_back(id);
  }
  SessionOptions so;
  so.threads = opts.threads;
  const Session session(std::move(copy), so);
  for (const std::string& name : tensors) {
    const DataType t = session.graph().value(session.graph().find_value(name)).dtype;
    if (t != DataType::Float) fail(g.source, ": tensor '", name, "' is ", dtype_name(t), ", not float32");
  }

  std::vector<TensorStats> stats(tensors.size());
  auto for_each_tensor = [&](const auto& visit) {
    for (const Tensor& input : inputs) {
      const TensorMap out = session.run({{input_name, input}});
      for (size_t k = 0; k < tensors.size(); ++k) {
        const Tensor& t = tensors[k] == input_name ? input : out.at(tensors[k]);
        visit(stats[k], t);
      }
    }
  };
  for_each_tensor(update_minmax);

  RangeMap ranges;
  if (opts.method == CalibrationMethod::MinMax) {
    for (size_t k = 0; k < tensors.size(); ++k) {
      const TensorStats& s = stats[k];
      ranges[tensors[k]] = s.lo <= s.hi ? minmax_range(s.lo, s.hi) : Range{};  // all NaN: nothing observed
    }
    return ranges;
  }
  for (TensorStats& s : stats) {
    s.hist.neg.limit = s.lo < 0 ? -static_cast<double>(s.lo) : 0;
    s.hist.pos.limit = s.hi > 0 ? static_cast<double>(s.hi) : 0;
    s.hist.neg.counts.assign(static_cast<size_t>(opts.bins), 0);
    s.hist.pos.counts.assign(static_cast<size_t>(opts.bins), 0);
  }
  for_each_tensor(update_histogram);
  std::vector<Range> result(tensors.size());
#pragma omp parallel for schedule(dynamic)
  for (size_t k = 0; k < tensors.size(); ++k)
    result[k] = opts.method == CalibrationMethod::Percentile ? percentile_range(stats[k].hist, opts.percentile)
                                                             : entropy_range(stats[k].hist, opts.levels);
  for (size_t k = 0; k < tensors.size(); ++k) ranges[tensors[k]] = result[k];
  return ranges;
}

}  // namespace ssdx::quantizer
