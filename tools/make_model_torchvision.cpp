// ssdx make-model --arch tv-ssd300_vgg16 | tv-ssdlite320_mobilenet_v3_large: torchvision's detectors in
// torch.onnx.export's form (models/torchvision_ssd.h).
#include "tools/make_model_torchvision.h"

#include <iostream>

#include "graph/error.h"
#include "models/torchvision_ssd.h"

namespace ssdx::cli {

bool make_torchvision_model(const std::string& arch, const std::string& out, uint32_t seed, int size, bool dynamic) {
  models::TorchvisionSsdOptions o;
  if (!models::parse_torchvision_arch(arch, &o.arch)) return false;
  if (dynamic && size) fail("make-model: --size and --dynamic-size exclude each other");
  o.seed = seed;
  o.height = o.width = size;
  o.dynamic_size = dynamic;
  models::write_torchvision_ssd_model(o, out);
  const int side = size ? size : models::torchvision_ssd_facts(o.arch).size;
  std::cout << "wrote " << out << ": torchvision " << arch.substr(3) << " (COCO-91), torch.onnx.export form, input [3, "
            << (dynamic ? "height, width" : std::to_string(side) + ", " + std::to_string(side)) << "], opset 12, seed "
            << seed << "\n";
  return true;
}

}  // namespace ssdx::cli
