// The parity comparison itself must be able to fail: only swaps inside a near-tie group are forgiven.
#include "tests/ssd_parity.h"

namespace ssdx::test {
namespace {

TensorMap detections(std::vector<int64_t> labels, std::vector<float> scores) {
  const int64_t n = static_cast<int64_t>(labels.size());
  std::vector<float> boxes;
  for (int64_t l : labels) boxes.insert(boxes.end(), {0.1f * l, 0.2f, 0.3f, 0.4f});
  return {{"labels", make_tensor<int64_t>({1, n}, labels)},
          {"scores", make_tensor<float>({1, n}, scores)},
          {"bboxes", make_tensor<float>({1, n, 4}, boxes)}};
}

TEST(MatchDetections, ForgivesOnlyNearTieSwaps) {
  const TensorMap ort = detections({3, 5, 7}, {0.9f, 0.5000001f, 0.5f});
  EXPECT_TRUE(match_detections(detections({3, 5, 7}, {0.9f, 0.5000001f, 0.5f}), ort).ok);
  const SsdDetectionsMatch swapped = match_detections(detections({3, 7, 5}, {0.9f, 0.5000001f, 0.5f}), ort);
  EXPECT_TRUE(swapped.ok);
  EXPECT_EQ(swapped.near_tie_swaps, 2);
  EXPECT_FALSE(match_detections(detections({5, 3, 7}, {0.9f, 0.5000001f, 0.5f}), ort).ok);  // 0.9 vs 0.5: no tie
  EXPECT_FALSE(match_detections(detections({3, 5, 8}, {0.9f, 0.5000001f, 0.5f}), ort).ok);  // other label
  EXPECT_FALSE(match_detections(detections({3, 5, 7}, {0.9f, 0.51f, 0.5f}), ort).ok);       // score off by 1e-2
  EXPECT_FALSE(match_detections(detections({3, 5}, {0.9f, 0.5f}), ort).ok);                 // count
}

}  // namespace
}  // namespace ssdx::test
