// libFuzzer target for the other untrusted input, images: each input is written to a file and goes the way `ssdx
// detect` reads one — header checks, stb's PNG/JPEG decoder, then the bilinear resize and normalisation to a model
// input. ssdx::Error (the one-line refusals) is expected; a crash, sanitizer report or other exception is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "graph/error.h"
#include "app/image.h"
#include "app/preprocess.h"

namespace {

std::string scratch_path() {
  static const std::string path = "/tmp/ssdx_image_fuzz_" + std::to_string(getpid());
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = scratch_path();
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    const ssdx::app::Image image = ssdx::app::load_image(path);
    ssdx::app::preprocess(image, 37, 29);  // odd sizes: both up- and down-sampling happen
    ssdx::app::InputSpec pillow_letterbox;  // Pillow's resize into a letterbox of any aspect the image has
    pillow_letterbox.interpolation = ssdx::app::Interpolation::PillowBilinear;
    pillow_letterbox.resize = ssdx::app::ResizeMode::Letterbox;
    ssdx::app::preprocess(image, 37, 29, pillow_letterbox);
  } catch (const ssdx::Error&) {
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
