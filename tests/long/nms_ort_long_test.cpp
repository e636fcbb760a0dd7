// NonMaxSuppression against onnxruntime on gluon-cv SSD's single-class calls at the COCO sizes (698,560 rows for
// 300x300, 1,965,120 for 512x512; tests/nms_gluon_case.h), and every row a candidate with no limit on the selection
// (ORT's quadratic selection makes that one slow). Labelled long: `ctest -L long`.
#include <limits>

#include "tests/nms_gluon_case.h"

namespace ssdx::test {
namespace {

TEST(NmsOrtParityLong, GluonCoco300) {
  SSDX_NEED_ORT();
  const GluonNmsCase c = gluon_nms_case(698560, 80, 0.02, 21);
  EXPECT_EQ(expect_gluon_nms_parity(c, 400, true, "nms_coco300_400"), 400);
  EXPECT_EQ(expect_gluon_nms_parity(c, 400, false, "nms_coco300_noscore_400"), 400);
}

TEST(NmsOrtParityLong, GluonCoco512) {
  SSDX_NEED_ORT();
  const GluonNmsCase c = gluon_nms_case(1965120, 80, 0.02, 22);
  EXPECT_EQ(expect_gluon_nms_parity(c, 400, true, "nms_coco512_400"), 400);
  EXPECT_GT(expect_gluon_nms_parity(c, std::numeric_limits<int64_t>::max(), true, "nms_coco512_all"), 400);
}

TEST(NmsOrtParityLong, EveryRowACandidateUnlimited) {
  SSDX_NEED_ORT();
  const GluonNmsCase c = gluon_nms_case(174640, 20, 0.02, 23);
  EXPECT_GT(expect_gluon_nms_parity(c, std::numeric_limits<int64_t>::max(), false, "nms_voc_noscore_all"), 400);
}

}  // namespace
}  // namespace ssdx::test
