#include "study/bench_run.h"

#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace ssdx::study {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Shown over the run on a terminal only, so logs and pipes get no carriage-return noise.
class Progress {
 public:
  explicit Progress(bool enabled) : on_(enabled) {}
  void show(const char* phase, int i, int n, double ms) const {
    if (on_) std::fprintf(stderr, "\r%s %d/%d %.1f ms   ", phase, i, n, ms);
  }
  ~Progress() {
    if (on_) std::fprintf(stderr, "\r\033[K");
  }
 private:
  bool on_;
};

}  // namespace

std::unique_ptr<Session> load_timed(const std::string& model, const SessionOptions& opts, double& load_ms) {
  const auto t0 = Clock::now();
  auto session = Session::load(model, opts);
  load_ms = ms_since(t0);
  return session;
}

Measurement measure(const Session& session, const TensorMap& feeds, const BenchOptions& o) {
  return measure_interleaved({{&session, &feeds}}, o)[0];
}

std::vector<Measurement> measure_interleaved(const std::vector<BenchTarget>& targets, const BenchOptions& o) {
  const size_t n = targets.size();
  std::vector<std::vector<double>> latencies(n);
  std::vector<std::vector<RunProfile>> profiles(n, std::vector<RunProfile>(static_cast<size_t>(o.runs)));
  {
    const Progress progress(isatty(STDERR_FILENO) != 0);
    for (int i = 0; i < o.warmup; ++i)
      for (const BenchTarget& t : targets) {
        const auto start = Clock::now();
        t.session->run(*t.feeds);
        progress.show("warm-up", i + 1, o.warmup, ms_since(start));
      }
    for (int i = 0; i < o.runs; ++i)
      for (size_t k = 0; k < n; ++k) {
        const auto start = Clock::now();
        targets[k].session->run(*targets[k].feeds, &profiles[k][static_cast<size_t>(i)]);
        latencies[k].push_back(ms_since(start));
        progress.show("run", i + 1, o.runs, latencies[k].back());
      }
  }
  std::vector<Measurement> out(n);
  for (size_t k = 0; k < n; ++k) {
    Measurement& m = out[k];
    m.threads = o.session.threads > 0 ? o.session.threads : omp_get_max_threads();
    m.latency = summarize_latencies(latencies[k]);
    m.nodes = average_profiles(profiles[k]);
    // A dynamic model ran on the session compiled for these feeds' shapes: its steps are the profiled ones.
    for (const PlannedStep& step : targets[k].session->compiled_for(*targets[k].feeds)->plan().steps) m.origins.push_back(step.origins);
    m.last = std::move(profiles[k].back());
  }
  return out;
}

}  // namespace ssdx::study
