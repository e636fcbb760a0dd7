#pragma once
// An image made into a detector's input tensor as its InputSpec says (resize mode, interpolation, channel order,
// mean/std), and the model's boxes mapped back to the image's pixels.
#include "graph/tensor.h"
#include "app/image.h"
#include "app/input_spec.h"

namespace ssdx::app {

// Where the image lands in the model's input: the rectangle [x, x + width) x [y, y + height). Stretch: the whole
// input. Letterbox: scaled by min(W / w, H / h), sides rounded to the nearest pixel (at least 1), centred with the
// left/top margin rounded down; the rest is padding.
struct Placement {
  int x = 0, y = 0, width = 0, height = 0;
};
Placement place_image(int image_width, int image_height, int input_width, int input_height, ResizeMode mode);

// The tensor [1, 3, input_height, input_width] float32:
//   value[c][y][x] = (resized[y][x][channel c in spec.channel_order] / 255 - mean[c]) / std[c]
// inside the placement, the same with pad_value outside it. "bilinear" interpolates in float (cv2 would round the
// resized pixels to bytes first: differences <= 0.5/255); "pillow-bilinear" normalises Pillow's resized bytes.
Tensor preprocess(const Image& image, int input_width, int input_height, const InputSpec& spec);
// Today's ssd-12 preprocessing: stretch, bilinear, RGB, ImageNet mean/std.
Tensor preprocess(const Image& image, int width, int height);

// A box corner from the model's normalised input coordinates to the original image's pixels:
// pixel = clip(v * scale + offset, 0, size).
struct BoxMapping {
  float scale_x = 1, offset_x = 0, scale_y = 1, offset_y = 0;
  float width = 0, height = 0;  // the image's size (the clip)
};
// For an image of image_width x image_height placed as `placed` in an input of input_width x input_height.
BoxMapping box_mapping(int image_width, int image_height, int input_width, int input_height, const Placement& placed);

}  // namespace ssdx::app
