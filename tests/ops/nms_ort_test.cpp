// NonMaxSuppression against onnxruntime on gluon-cv SSD's single-class call at VOC 300's size (174,640 rows), with
// ties, exact duplicates and flipped corners (tests/nms_gluon_case.h): score_threshold present and absent,
// max_output 0, 1, 400 and unlimited. The COCO sizes are in tests/long/nms_ort_long_test.cpp.
#include <limits>

#include "tests/nms_gluon_case.h"

namespace ssdx::test {
namespace {

constexpr int64_t kVocRows = 174640, kVocClasses = 20;

TEST(NmsOrtParity, GluonVoc300WithScoreThreshold) {
  SSDX_NEED_ORT();
  const GluonNmsCase c = gluon_nms_case(kVocRows, kVocClasses, 0.02, 11);
  EXPECT_EQ(expect_gluon_nms_parity(c, 400, true, "nms_voc_400"), 400);
  EXPECT_EQ(expect_gluon_nms_parity(c, 1, true, "nms_voc_1"), 1);
  EXPECT_EQ(expect_gluon_nms_parity(c, 0, true, "nms_voc_0"), 0);
  EXPECT_GT(expect_gluon_nms_parity(c, std::numeric_limits<int64_t>::max(), true, "nms_voc_all"), 400);
}

TEST(NmsOrtParity, GluonVoc300WithoutScoreThreshold) {
  // Every row is a candidate, so the selection runs on score bands (ops/nms.cpp) rather than one sort.
  SSDX_NEED_ORT();
  const GluonNmsCase c = gluon_nms_case(kVocRows, kVocClasses, 0.02, 12);
  EXPECT_EQ(expect_gluon_nms_parity(c, 400, false, "nms_voc_noscore_400"), 400);
  EXPECT_EQ(expect_gluon_nms_parity(c, 1, false, "nms_voc_noscore_1"), 1);
}

TEST(NmsOrtParity, GluonManyPassingScores) {
  // Half of the rows pass the threshold (an untrained model): more candidates than one band holds.
  SSDX_NEED_ORT();
  const GluonNmsCase c = gluon_nms_case(kVocRows, kVocClasses, 0.5, 13);
  EXPECT_EQ(expect_gluon_nms_parity(c, 400, true, "nms_voc_half_400"), 400);
}

}  // namespace
}  // namespace ssdx::test
