// The VGG16 SSD body (models/vgg16_ssd_body.h).
#include "models/vgg16_ssd_body.h"

namespace ssdx::models {

const std::vector<SsdExtraPair>& ssd300_extra_pairs() {
  static const std::vector<SsdExtraPair> pairs = {
      {256, 512, 3, 2, 1}, {128, 256, 3, 2, 1}, {128, 256, 3, 1, 0}, {128, 256, 3, 1, 0}};
  return pairs;
}

std::vector<std::string> add_vgg16_ssd_body(const Vgg16SsdLayers& layers, std::string x) {
  std::vector<std::string> maps;
  int c = 3;
  const int stage_convs[5] = {2, 2, 3, 3, 3}, stage_width[5] = {64, 128, 256, 512, 512};
  for (int s = 0; s < 5; ++s) {
    for (int k = 0; k < stage_convs[s]; ++k, c = stage_width[s])
      // The first conv sees values of about +-128: its gain brings them back to unit order.
      x = layers.relu(layers.conv(x, c, stage_width[s], 3, 1, 1, 1, s == 0 && k == 0 ? 1.f / 128 : 1.f));
    if (s == 3) maps.push_back(layers.l2_normalize(x, c));
    const bool ceil = layers.ceil_pools == VggCeilPools::All || s == 2;
    x = s < 4 ? layers.max_pool(x, 2, 2, 0, ceil) : layers.max_pool(x, 3, 1, 1, ceil);
  }
  x = layers.relu(layers.conv(x, 512, 1024, 3, 1, 6, 6, 1.f));   // fc6
  x = layers.relu(layers.conv(x, 1024, 1024, 1, 1, 0, 1, 1.f));  // fc7
  maps.push_back(x);
  c = 1024;
  for (const SsdExtraPair& e : layers.extras) {
    x = layers.relu(layers.conv(x, c, e.mid, 1, 1, 0, 1, 1.f));
    x = layers.relu(layers.conv(x, e.mid, e.out, e.kernel, e.stride, e.pad, 1, 1.f));
    c = e.out;
    maps.push_back(x);
  }
  return maps;
}

}  // namespace ssdx::models
