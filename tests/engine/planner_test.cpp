// The memory planner: live buffers never overlap, dead ones are reused, the arena beats the naive sum.
#include <algorithm>
#include <random>

#include "engine/planner.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

void expect_no_overlap(const std::vector<BufferRequest>& req, const MemoryPlan& plan) {
  for (size_t a = 0; a < req.size(); ++a)
    for (size_t b = a + 1; b < req.size(); ++b) {
      const bool live_together = req[a].first_step <= req[b].last_step && req[b].first_step <= req[a].last_step;
      const bool memory_overlaps = plan.offsets[a] < plan.offsets[b] + req[b].bytes && plan.offsets[b] < plan.offsets[a] + req[a].bytes;
      EXPECT_FALSE(live_together && memory_overlaps && req[a].bytes && req[b].bytes) << a << " and " << b;
    }
  for (size_t i = 0; i < req.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % 64, 0u);
    EXPECT_LE(plan.offsets[i] + req[i].bytes, plan.arena_bytes);
  }
}

TEST(Planner, ChainReusesMemoryOfDeadBuffers) {
  // a -> b -> c -> d, each read only by the next step: two buffers' worth suffice.
  const std::vector<BufferRequest> req = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  const MemoryPlan plan = plan_memory(req);
  expect_no_overlap(req, plan);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024u);
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
}

TEST(Planner, LongLivedBufferKeepsItsPlace) {
  const std::vector<BufferRequest> req = {{64, 0, 10}, {128, 1, 2}, {128, 3, 4}, {640, 5, 6}};
  const MemoryPlan plan = plan_memory(req);
  expect_no_overlap(req, plan);
  EXPECT_EQ(plan.arena_bytes, 640u + 64u);
}

TEST(Planner, RandomLifetimesNeverCollideAndBeatTheSum) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferRequest> req(40);
    size_t naive = 0;
    for (auto& r : req) {
      r.bytes = 64 * (1 + rng() % 100);
      r.first_step = static_cast<int>(rng() % 30);
      r.last_step = r.first_step + static_cast<int>(rng() % 5);
      naive += r.bytes;
    }
    const MemoryPlan plan = plan_memory(req);
    expect_no_overlap(req, plan);
    EXPECT_LE(plan.arena_bytes, naive);
  }
}

// Beyond kMaxRequestsPlacedLargestFirst only the sweep runs: random lifetimes still never collide.
TEST(Planner, SweepAloneNeverCollides) {
  std::mt19937 rng(5);
  std::vector<BufferRequest> req(kMaxRequestsPlacedLargestFirst + 500);
  size_t naive = 0;
  for (auto& r : req) {
    r.bytes = 64 * (1 + rng() % 100) - rng() % 64;
    r.first_step = static_cast<int>(rng() % 2000);
    r.last_step = r.first_step + static_cast<int>(rng() % 40);
    naive += r.bytes;
  }
  req[7].bytes = 0;
  req[9].last_step = req[9].first_step - 3;  // read as a one-step lifetime
  const MemoryPlan plan = plan_memory(req);
  expect_no_overlap(req, plan);
  EXPECT_LE(plan.arena_bytes, naive);
  EXPECT_LE(plan.work, 2 * req.size());  // no pair comparisons
}

// A 200k-node chain took 28 s to load: every request was compared with every placed buffer (n^2 / 2 = 2e10).
// Now the work is at most two ordered-set operations a request, whatever the lifetimes.
TEST(Planner, HugePlansTakeWorkLinearInTheirRequests) {
  const int n = 200'000;
  std::vector<BufferRequest> chain(n);
  for (int i = 0; i < n; ++i) chain[static_cast<size_t>(i)] = {1000, i, i + 1};
  const MemoryPlan c = plan_memory(chain);
  EXPECT_LE(c.work, 2u * n);
  EXPECT_EQ(c.arena_bytes, 2 * 1024u);
  for (size_t i = 1; i < chain.size(); ++i) ASSERT_NE(c.offsets[i], c.offsets[i - 1]) << i;
  // All alive at once (one node reading 200k values): stacked, still linear work.
  std::vector<BufferRequest> together(n, {64, 0, n});
  const MemoryPlan t = plan_memory(together);
  EXPECT_LE(t.work, 2u * n);
  EXPECT_EQ(t.arena_bytes, 64u * n);
  std::vector<size_t> offsets = t.offsets;
  std::sort(offsets.begin(), offsets.end());
  for (size_t i = 0; i < offsets.size(); ++i) ASSERT_EQ(offsets[i], 64 * i);
}

}  // namespace
}  // namespace ssdx::test
