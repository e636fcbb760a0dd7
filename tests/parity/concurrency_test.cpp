// One loaded model, several threads running it at once: each result is bit-identical to the serial run of the
// same input, and repeated runs are deterministic (the arena pool gives each concurrent run its own memory).
#include <cstring>
#include <thread>

#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

bool bit_identical(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const Tensor& u = b.at(name);
    if (t.dtype() != u.dtype() || t.shape() != u.shape() || std::memcmp(t.raw(), u.raw(), t.nbytes()) != 0) return false;
  }
  return true;
}

TEST(Concurrency, ParallelRunsMatchSerialRunsBitForBit) {
  const SsdModelOptions o{480, 12, 3, false, false};
  const std::string path = ssd_model_path(o);
  Session session(load_onnx(path), SessionOptions{1});
  std::remove(path.c_str());
  const auto inputs = ssd_parity_inputs(o.size);
  std::vector<TensorMap> serial;
  for (const auto& [name, image] : inputs) serial.push_back(session.run({{"image", image}}));
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(bit_identical(serial[i], session.run({{"image", inputs[i].second}}))) << "rerun of " << inputs[i].first;

  constexpr int kThreads = 3, kRounds = 2;
  std::vector<std::vector<TensorMap>> results(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int r = 0; r < kRounds; ++r)
          for (size_t i = 0; i < inputs.size(); ++i)
            results[t].push_back(session.run({{"image", inputs[(i + t) % inputs.size()].second}}));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(errors[t], "") << "thread " << t;
    for (size_t k = 0; k < results[t].size(); ++k) {
      const size_t i = (k % inputs.size() + t) % inputs.size();
      EXPECT_TRUE(bit_identical(serial[i], results[t][k])) << "thread " << t << ", run " << k;
    }
  }
}

}  // namespace
}  // namespace ssdx::test
