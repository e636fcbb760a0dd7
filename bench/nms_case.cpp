// Writes a one-node NonMaxSuppression model and gluon-cv-like inputs (bench/nms_problem.h) for bench/nms_vs_ort.sh:
//
//   nms_case DIR ROWS [CLASSES_PER_ANCHOR] [PASS_FRACTION]
//
// DIR/nms.onnx: boxes [1, ROWS, 4], scores [1, 1, ROWS] -> selected [?, 3], with max_output 400, IoU 0.45 and
// score_threshold 0.01 as initializers; DIR/boxes.npy, DIR/scores.npy and DIR/inputs.txt (NAME=FILE per line, the
// form `ssdx bench --input` and `ort_bench.js --inputs` read).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench/nms_problem.h"
#include "graph/onnx_builder.h"
#include "graph/tensor_io.h"

int main(int argc, char** argv) {
  using namespace ssdx;
  if (argc < 3) {
    std::fprintf(stderr, "usage: nms_case DIR ROWS [CLASSES_PER_ANCHOR] [PASS_FRACTION]\n");
    return 2;
  }
  try {
    const std::string dir = argv[1];
    const int64_t rows = std::atoll(argv[2]);
    const int64_t classes = argc > 3 ? std::atoll(argv[3]) : 20;
    const double pass = argc > 4 ? std::atof(argv[4]) : 0.02;
    if (rows <= 0 || classes <= 0 || rows % classes) fail("nms_case: ROWS must be a positive multiple of CLASSES");
    const bench::GluonNmsData d = bench::gluon_nms_data(rows, classes, pass, 1);
    ModelBuilder b(12, 7);
    b.add_input("boxes", DataType::Float, {1, rows, 4});
    b.add_input("scores", DataType::Float, {1, 1, rows});
    b.add_initializer("max_out", make_tensor<int64_t>({1}, {bench::kGluonMaxOutput}));
    b.add_initializer("iou", make_tensor<float>({1}, {bench::kGluonIou}));
    b.add_initializer("score_thr", make_tensor<float>({1}, {bench::kGluonScore}));
    b.add_node("NonMaxSuppression", {"boxes", "scores", "max_out", "iou", "score_thr"}, {"selected"});
    b.add_output("selected", DataType::Int64, {-1, 3}, {"num_selected"});
    b.save(dir + "/nms.onnx");
    save_npy(make_tensor<float>({1, rows, 4}, d.boxes), dir + "/boxes.npy");
    save_npy(make_tensor<float>({1, 1, rows}, d.scores), dir + "/scores.npy");
    std::ofstream(dir + "/inputs.txt") << "boxes=" << dir << "/boxes.npy\nscores=" << dir << "/scores.npy\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nms_case: %s\n", e.what());
    return 1;
  }
  return 0;
}
