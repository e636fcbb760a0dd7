// ssdx make-model --arch gluon-ssd_300_vgg16_atrous | gluon-ssd_512_vgg16_atrous | gluon-ssd_512_resnet50_v1 |
// gluon-ssd_512_mobilenet1.0: gluon-cv's SSDs in MXNet 1.9 mx2onnx's form (models/gluon_ssd.h).
#include "tools/make_model_gluon.h"

#include <iostream>

#include "models/gluon_ssd.h"

namespace ssdx::cli {

bool make_gluon_model(const std::string& arch, const std::string& out, uint32_t seed, int classes, bool export_block) {
  models::GluonSsdOptions o;
  if (!models::parse_gluon_arch(arch, &o.arch)) return false;
  o.seed = seed;
  o.classes = classes;
  o.export_block = export_block;
  models::write_gluon_ssd_model(o, out);
  const int side = models::gluon_ssd_facts(o.arch, classes).size;
  std::cout << "wrote " << out << ": gluon-cv " << arch.substr(6) << " (" << classes << " classes"
            << (classes == 20 ? ", VOC" : classes == 80 ? ", COCO" : "") << "), mx2onnx form, input "
            << (export_block ? "[1, " + std::to_string(side) + ", " + std::to_string(side) + ", 3] 0..255 (export_block)"
                             : "[1, 3, " + std::to_string(side) + ", " + std::to_string(side) + "] ImageNet-normalised")
            << ", opset 13, seed " << seed << "\n";
  return true;
}

}  // namespace ssdx::cli
