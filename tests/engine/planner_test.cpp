// The memory planner: live buffers never overlap, dead ones are reused, the arena beats the naive sum.
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

}  // namespace
}  // namespace ssdx::test
