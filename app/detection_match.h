#pragma once
// Detection-level agreement of two detectors on one image (compare): same label and IoU >= 0.5.
#include <vector>

#include "app/detection.h"

namespace ssdx::app {

float iou(const Detection& a, const Detection& b);

struct DetectionAgreement {
  int a = 0, b = 0;   // detections of each model
  int matched = 0;    // pairs of one A and one B detection
  int missed = 0;     // A's without a match
  int extra = 0;      // B's without a match
  double sum_score_diff = 0, max_score_diff = 0, sum_iou = 0;  // over the matched pairs; |score_b - score_a|
  double mean_score_diff() const { return matched ? sum_score_diff / matched : 0; }
  double mean_iou() const { return matched ? sum_iou / matched : 0; }
  void add(const DetectionAgreement& o);
};

// Greedy, best first: each A detection (in order of score) takes the unmatched B detection of its label with the
// highest IoU, if that IoU is at least `min_iou`.
DetectionAgreement match_detections(const std::vector<Detection>& a, const std::vector<Detection>& b,
                                    double min_iou = 0.5);

}  // namespace ssdx::app
