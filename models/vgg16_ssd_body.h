#pragma once
// The body that mmdetection's, torchvision's and gluon-cv's VGG16 SSDs share: VGG16's 13 3x3 convs + ReLU in five
// stages with 2x2 stride-2 pools, pool5 3x3 stride 1 pad 1, fc6 as a 3x3 conv with dilation 6 (512 -> 1024) and
// fc7 1x1 (1024 -> 1024), each + ReLU, then the extra (1x1, kxk) conv pairs + ReLU. What the exporters write
// differently (conv and pool attributes, conv4_3's L2 normalisation) and the weights come from the generator's
// own layer writers, called in the layers' order: each generator keeps its random draws, and so its weights.
#include <functional>
#include <string>
#include <vector>

#include "models/seeded_rng.h"

namespace ssdx::models {

// conv4_3's per-channel L2 scale as the generators draw it: its init value 20 times U(0.9, 1.1).
inline std::vector<float> l2_scale(Rng& rng, int channels) {
  std::vector<float> scale = rng.uniforms(static_cast<size_t>(channels), 0.9f, 1.1f);
  for (float& v : scale) v *= 20.f;
  return scale;
}

// One extra pair: 1x1 conv to `mid` channels, then a `kernel` x `kernel` conv to `out`, each + ReLU.
struct SsdExtraPair {
  int mid, out, kernel, stride, pad;
};

// SSD300's extras: 1x1 1024->256, 3x3/2 p1 ->512, 1x1 ->128, 3x3/2 p1 ->256, then twice 1x1 ->128, 3x3 p0 ->256:
// maps 10, 5, 3, 1.
const std::vector<SsdExtraPair>& ssd300_extra_pairs();

// Which of the four 2x2 pools round their output size up (the 3x3 pool5 keeps its size either way).
enum class VggCeilPools {
  All,         // mmcv's VGG (ceil_mode) and gluon-cv's pooling_convention 'full': pool5 carries ceil_mode too
  Pool3Only,   // torchvision's VGG16 for SSD: only the third pool (75 -> 38), pool5 without ceil_mode
};

struct Vgg16SsdLayers {
  // A conv with bias and He-scaled weights times `gain`; returns its output.
  std::function<std::string(const std::string& x, int cin, int cout, int kernel, int stride, int pad, int dilation,
                            float gain)>
      conv;
  std::function<std::string(const std::string& x)> relu;
  std::function<std::string(const std::string& x, int kernel, int stride, int pad, bool ceil)> max_pool;
  // conv4_3's L2 normalisation (times a per-channel scale) in the exporter's form: the first feature map.
  std::function<std::string(const std::string& conv4_3, int channels)> l2_normalize;
  VggCeilPools ceil_pools = VggCeilPools::All;
  std::vector<SsdExtraPair> extras = ssd300_extra_pairs();
};

// Writes the body from `x` (pixels on a 0..255 scale, less the mean) and returns its feature maps: the normalised
// conv4_3, fc7, then one per extra pair.
std::vector<std::string> add_vgg16_ssd_body(const Vgg16SsdLayers& layers, std::string x);

}  // namespace ssdx::models
