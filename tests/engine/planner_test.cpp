// The memory planner: live buffers never overlap, dead ones are reused, the arena beats the naive sum; in-place
// takers share their predecessor's buffer only at the handover step; a workspace lives at its step only.
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

// Whether b took over a's buffer, directly or through a chain of takers.
bool same_chain(const std::vector<BufferRequest>& req, const MemoryPlan& plan, size_t a, size_t b) {
  if (a > b) std::swap(a, b);
  while (b > a && plan.reused[b]) b = static_cast<size_t>(req[b].reuse_of);
  return a == b;
}

int last_of(const BufferRequest& r) { return std::max(r.first_step, r.last_step); }

// Live buffers never overlap, except an in-place chain, whose members meet only at a handover step; a workspace is
// live at its first step only, and never part of a chain.
void expect_valid_plan(const std::vector<BufferRequest>& req, const MemoryPlan& plan) {
  ASSERT_EQ(plan.offsets.size(), req.size());
  ASSERT_EQ(plan.reused.size(), req.size());
  auto last = [&](size_t r) { return req[r].kind == BufferKind::Workspace ? req[r].first_step : last_of(req[r]); };
  for (size_t a = 0; a < req.size(); ++a) {
    EXPECT_EQ(plan.offsets[a] % 64, 0u);
    EXPECT_LE(plan.offsets[a] + req[a].bytes, plan.arena_bytes);
    if (req[a].kind == BufferKind::Workspace) {
      EXPECT_FALSE(plan.reused[a]) << a;
      EXPECT_LE(req[a].bytes, plan.workspace_bytes) << a;
    }
    for (size_t b = a + 1; b < req.size(); ++b) {
      if (!req[a].bytes || !req[b].bytes) continue;
      const int from = std::max(req[a].first_step, req[b].first_step), to = std::min(last(a), last(b));
      const bool memory_overlaps = plan.offsets[a] < plan.offsets[b] + req[b].bytes && plan.offsets[b] < plan.offsets[a] + req[a].bytes;
      if (from > to || !memory_overlaps) continue;
      const bool workspace = req[a].kind == BufferKind::Workspace || req[b].kind == BufferKind::Workspace;
      EXPECT_TRUE(!workspace && same_chain(req, plan, a, b) && from == to)
          << a << " and " << b << " live together at " << from;
    }
  }
}

TEST(Planner, InPlaceTakerSharesItsPredecessorsBuffer) {
  // a dies at step 2, where c (same size) is written in place of it; b, born at 1, lives on past 2.
  std::vector<BufferRequest> req = {{1000, 0, 2}, {1000, 1, 4}, {1000, 2, 3}};
  req[2].reuse_of = 0;
  const MemoryPlan plan = plan_memory(req);
  expect_valid_plan(req, plan);
  EXPECT_TRUE(plan.reused[2]);
  EXPECT_EQ(plan.offsets[2], plan.offsets[0]);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024u);  // without the handover, c would need a third buffer
}

TEST(Planner, InPlaceRefusedUnlessThePredecessorDiesThereWithTheSameSize) {
  std::vector<BufferRequest> lives_on = {{1000, 0, 3}, {1000, 2, 4}};
  lives_on[1].reuse_of = 0;
  std::vector<BufferRequest> other_size = {{1000, 0, 2}, {2000, 2, 4}};
  other_size[1].reuse_of = 0;
  std::vector<BufferRequest> second_taker = {{1000, 0, 2}, {1000, 2, 4}, {1000, 2, 5}};
  second_taker[1].reuse_of = second_taker[2].reuse_of = 0;
  std::vector<BufferRequest> later = {{1000, 2, 4}, {1000, 0, 2}};
  later[0].reuse_of = 1;  // names a later request: ignored
  for (const auto* req : {&lives_on, &other_size, &second_taker, &later}) {
    const MemoryPlan plan = plan_memory(*req);
    expect_valid_plan(*req, plan);
    for (size_t r = 0; r < req->size(); ++r) EXPECT_EQ(plan.reused[r], req == &second_taker && r == 1) << r;
  }
}

TEST(Planner, WorkspacesLiveOnlyAtTheirStep) {
  // Step 0: a (1000) and a 300-byte workspace; step 1: a and b; step 2: b and a 700-byte workspace, which takes a's
  // memory (dead by then): two 1024-byte slots hold everything.
  std::vector<BufferRequest> req = {{1000, 0, 1}, {300, 0, 0}, {1000, 1, 2}, {700, 2, 2}};
  req[1].kind = req[3].kind = BufferKind::Workspace;
  const MemoryPlan plan = plan_memory(req);
  expect_valid_plan(req, plan);
  EXPECT_EQ(plan.workspace_bytes, 700u);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024u);
}

// Random lifetimes with in-place chains (each taker named where its predecessor dies, with its size, as the
// engine names them) and workspaces: the plan stays valid, every eligible handover happens, the arena beats the sum.
TEST(Planner, RandomInPlaceChainsAndWorkspacesNeverCollide) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> req;
    for (int i = 0; i < 40; ++i) {
      BufferRequest r;
      r.bytes = 64 * (1 + rng() % 50) - rng() % 64;
      r.first_step = static_cast<int>(rng() % 30);
      r.last_step = r.first_step + 1 + static_cast<int>(rng() % 5);
      const int pick = static_cast<int>(rng() % 4);
      if (pick == 0 && !req.empty()) {  // a taker of a random earlier tensor, born where it dies
        const size_t z = rng() % req.size();
        if (req[z].kind == BufferKind::Tensor) {
          r.bytes = req[z].bytes;
          r.first_step = last_of(req[z]);
          r.last_step = r.first_step + 1 + static_cast<int>(rng() % 5);
          r.reuse_of = static_cast<int>(z);
        }
      } else if (pick == 1) {
        r.kind = BufferKind::Workspace;
      }
      req.push_back(r);
    }
    const MemoryPlan plan = plan_memory(req);
    expect_valid_plan(req, plan);
    std::vector<bool> taken(req.size(), false);
    for (size_t r = 0; r < req.size(); ++r) {
      const int z = req[r].reuse_of;
      if (z < 0) continue;
      const bool eligible = !taken[static_cast<size_t>(z)];
      EXPECT_EQ(plan.reused[r], eligible) << trial << ": " << r;
      if (eligible) {
        EXPECT_EQ(plan.offsets[r], plan.offsets[static_cast<size_t>(z)]);
      }
      taken[static_cast<size_t>(z)] = true;
    }
    size_t naive = 0;
    for (const BufferRequest& r : req) naive += r.kind == BufferKind::Tensor ? (r.bytes + 63) / 64 * 64 : 0;
    EXPECT_LE(plan.arena_bytes, naive + plan.workspace_bytes + 64);
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
