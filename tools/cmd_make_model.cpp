// ssdx make-model: writes an SSD-ResNet34 model with the zoo files' architecture and synthetic weights, or imports
// face-api's trained SSD-MobileNetV1 face detector from its TF.js weights (--arch face-ssd-mobilenetv1), or writes
// mmdetection's SSD300 in IGIE's export form (--arch mmdet-ssd300) or in mmdeploy's end-to-end form
// (--arch mmdeploy-ssd300), torchvision's (tv-*) and gluon-cv's (gluon-*) SSDs.
#include <chrono>
#include <iostream>

#include "graph/error.h"

#include "tools/cli.h"
#include "models/face_ssd.h"
#include "models/mmdeploy_ssd300.h"
#include "models/mmdet_ssd300.h"
#include "models/ssd_model.h"
#include "tools/make_model_gluon.h"
#include "tools/make_model_torchvision.h"

namespace ssdx::cli {

int cmd_make_model(Args& args) {
  models::SsdModelOptions o;
  std::string out, arch = "ssd-resnet34", weights;
  int classes = 0;
  bool dynamic_size = false, export_block = false, size_given = false, seed_given = false, shapes_given = false, opset_given = false, static_batch = false;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--size") o.size = parse_int(args.next(a), a, 1, 1 << 20), size_given = true;
    else if (a == "--opset") o.opset = parse_int(args.next(a), a, 1, 100), opset_given = true;
    else if (a == "--seed") o.seed = static_cast<uint32_t>(parse_int(args.next(a), a, 0, 1 << 30)), seed_given = true;
    else if (a == "--fold-bn") o.fold_bn = true;
    else if (a == "--static-batch") static_batch = true;
    else if (a == "--dynamic-size") dynamic_size = true;
    else if (a == "--classes") classes = parse_int(args.next(a), a, 1, 1000);
    else if (a == "--export-block") export_block = true;
    else if (a == "--constant-shapes") o.constant_view_shapes = true, shapes_given = true;
    else if (a == "--arch") arch = args.next(a);
    else if (a == "--weights") weights = args.next(a);
    else if (!a.empty() && a[0] == '-') fail("make-model: unknown option '", a, "'");
    else if (out.empty()) out = a;
    else fail("make-model: unexpected argument '", a, "'");
  }
  if (out.empty()) fail("make-model: no output file given (ssdx make-model OUT.onnx ...)");
  if (arch == "face-ssd-mobilenetv1") {
    if (weights.empty()) fail("make-model: --arch face-ssd-mobilenetv1 needs --weights DIR (scripts/fetch_face_weights.sh)");
    if (size_given || seed_given || shapes_given || classes || export_block)
      fail("make-model: --size, --seed and --constant-shapes are for the SSD-ResNet34 only");
    models::FaceSsdOptions f;
    f.fold_bn = o.fold_bn;
    if (opset_given) f.opset = o.opset;
    const auto start = std::chrono::steady_clock::now();
    models::write_face_ssd_model(weights, f, out);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::cout << "wrote " << out << ": SSD-MobileNetV1 face detector 512x512 (face-api's trained weights), opset "
              << f.opset << (f.fold_bn ? ", BatchNormalization folded" : ", 13 BatchNormalization nodes") << ", in "
              << static_cast<int>(ms) << " ms\n";
    return 0;
  }
  if (arch == "mmdet-ssd300") {
    if (size_given || shapes_given || opset_given || !weights.empty() || o.fold_bn || classes || export_block)
      fail("make-model: --arch mmdet-ssd300 takes --seed and --static-batch only (300x300, opset 13)");
    models::MmdetSsd300Options m;
    m.seed = o.seed;
    m.dynamic_batch = !static_batch;
    models::write_mmdet_ssd300_model(m, out);
    std::cout << "wrote " << out << ": mmdetection SSD300 (VGG16), IGIE's export form, 12 raw head outputs, "
              << (m.dynamic_batch ? "dynamic" : "static") << " batch, opset 13, seed " << m.seed << "\n";
    return 0;
  }
  if (arch == "mmdeploy-ssd300") {
    if (size_given || shapes_given || opset_given || !weights.empty() || o.fold_bn || static_batch || classes || export_block)
      fail("make-model: --arch mmdeploy-ssd300 takes --seed only (300x300, batch 1, opset 11)");
    models::MmdeploySsd300Options m;
    m.seed = o.seed;
    models::write_mmdeploy_ssd300_model(m, out);
    std::cout << "wrote " << out << ": mmdetection SSD300 (VGG16), mmdeploy's end-to-end form (dets [1, D, 5], labels "
              << "[1, D], D <= 200), batch 1, opset 11, seed " << m.seed << "\n";
    return 0;
  }
  const bool gluon = arch.rfind("gluon-", 0) == 0;
  if (gluon && (size_given || shapes_given || opset_given || dynamic_size || static_batch || !weights.empty() || o.fold_bn))
    fail("make-model: --arch ", arch, " takes --seed, --classes and --export-block only (fixed size, batch 1, opset 13)");
  if (!gluon && export_block) fail("make-model: --export-block is for the gluon-* archs only");
  if (make_gluon_model(arch, out, o.seed, classes ? classes : 20, export_block)) return 0;
  if (gluon) fail("make-model: unknown gluon-cv arch '", arch, "' (gluon-ssd_300_vgg16_atrous, gluon-ssd_512_vgg16_atrous, gluon-ssd_512_resnet50_v1 or gluon-ssd_512_mobilenet1.0)");
  if (classes) fail("make-model: --classes is for the gluon-* archs only");
  if (make_torchvision_model(arch, out, o.seed, size_given ? o.size : 0, dynamic_size)) return 0;
  if (static_batch) fail("make-model: --static-batch is for --arch mmdet-ssd300 only");
  if (arch != "ssd-resnet34")
    fail("make-model: unknown --arch '", arch, "' (ssd-resnet34, face-ssd-mobilenetv1, mmdet-ssd300, mmdeploy-ssd300, tv-ssd300_vgg16, tv-ssdlite320_mobilenet_v3_large or gluon-*)");
  if (!weights.empty()) fail("make-model: --weights is for --arch face-ssd-mobilenetv1 only");
  models::write_ssd_model(o, out);
  std::cout << "wrote " << out << ": SSD-ResNet34 " << o.size << "x" << o.size << ", opset " << o.opset
            << (o.fold_bn ? ", BatchNormalization folded" : ", 29 BatchNormalization nodes")
            << (o.constant_view_shapes ? ", constant head views" : ", dynamic head views") << ", seed " << o.seed << "\n";
  return 0;
}

}  // namespace ssdx::cli
