#include "app/detection_match.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ssdx::app {

float iou(const Detection& a, const Detection& b) {
  const float w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0), h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const float inter = w * h;
  const float uni = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return uni > 0 ? inter / uni : 0;
}

void DetectionAgreement::add(const DetectionAgreement& o) {
  a += o.a;
  b += o.b;
  matched += o.matched;
  missed += o.missed;
  extra += o.extra;
  sum_score_diff += o.sum_score_diff;
  max_score_diff = std::max(max_score_diff, o.max_score_diff);
  sum_iou += o.sum_iou;
}

DetectionAgreement match_detections(const std::vector<Detection>& a, const std::vector<Detection>& b, double min_iou) {
  DetectionAgreement r;
  r.a = static_cast<int>(a.size());
  r.b = static_cast<int>(b.size());
  std::vector<size_t> order(a.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return a[x].score > a[y].score; });
  std::vector<bool> taken(b.size(), false);
  for (size_t i : order) {
    double best = min_iou;
    int pick = -1;
    for (size_t j = 0; j < b.size(); ++j) {
      if (taken[j] || b[j].label != a[i].label) continue;
      const double o = iou(a[i], b[j]);
      if (o >= best && (pick < 0 || o > best)) {
        best = o;
        pick = static_cast<int>(j);
      }
    }
    if (pick < 0) continue;
    taken[static_cast<size_t>(pick)] = true;
    ++r.matched;
    const double d = std::fabs(static_cast<double>(b[static_cast<size_t>(pick)].score) - a[i].score);
    r.sum_score_diff += d;
    r.max_score_diff = std::max(r.max_score_diff, d);
    r.sum_iou += best;
  }
  r.missed = r.a - r.matched;
  r.extra = r.b - r.matched;
  return r;
}

}  // namespace ssdx::app
