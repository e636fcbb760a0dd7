// main() of the microbenchmarks: Google Benchmark's, after applying SSDX_BENCH_THREADS (default 2, this machine's
// core count) to OpenMP and thereby oneDNN, so results compare with `ssdx bench --threads 2` and ORT at 2 threads.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const char* env = std::getenv("SSDX_BENCH_THREADS");
  const int threads = env && std::atoi(env) > 0 ? std::atoi(env) : 2;
  omp_set_num_threads(threads);
  benchmark::AddCustomContext("ssdx_threads", std::to_string(threads));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
