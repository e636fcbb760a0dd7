#pragma once
// One loaded session, several threads running it at once: shared by the fp32 and int8 concurrency tests.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine/session.h"

namespace ssdx::test {

inline bool bit_identical(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const auto it = b.find(name);
    if (it == b.end()) return false;
    const Tensor& u = it->second;
    if (t.dtype() != u.dtype() || t.shape() != u.shape()) return false;
    if (t.nbytes() && std::memcmp(t.raw(), u.raw(), t.nbytes()) != 0) return false;
  }
  return true;
}

// Runs `session` from `threads` threads at once, each `rounds` times over all `feeds` (thread t starting at feed t),
// and expects every result to equal `serial[i]` (the serial run of feed i) bit for bit.
inline void expect_concurrent_runs_match(const Session& session, const std::vector<TensorMap>& feeds,
                                         const std::vector<TensorMap>& serial, int threads, int rounds) {
  std::vector<std::vector<TensorMap>> results(static_cast<size_t>(threads));
  std::vector<std::string> errors(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        for (int r = 0; r < rounds; ++r)
          for (size_t i = 0; i < feeds.size(); ++i)
            results[static_cast<size_t>(t)].push_back(session.run(feeds[(i + static_cast<size_t>(t)) % feeds.size()]));
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(t)] = e.what();
      }
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t) {
    ASSERT_EQ(errors[static_cast<size_t>(t)], "") << "thread " << t;
    const auto& mine = results[static_cast<size_t>(t)];
    for (size_t k = 0; k < mine.size(); ++k) {
      const size_t i = (k % feeds.size() + static_cast<size_t>(t)) % feeds.size();
      EXPECT_TRUE(bit_identical(serial[i], mine[k])) << "thread " << t << ", run " << k;
    }
  }
}

}  // namespace ssdx::test
