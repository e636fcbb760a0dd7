#pragma once
// Resize's arithmetic, shared by the op (ops/resize.cpp) and its tests: the attributes of every opset form, the
// output shape and per-axis scales from scales/sizes (axes and keep_aspect_ratio_policy of opset 18), the
// coordinate transformations and the 1-D interpolation taps. Scales and coordinates are computed in float, in
// the order onnxruntime computes them, so nearest-neighbour ties fall the same way (pytorch_half_pixel's
// (3 + 0.5) / 0.7f - 0.5 is 4.5 in float, a tie, and 4.50000017 in double).
#include <string>
#include <vector>

#include "graph/attributes.h"
#include "graph/tensor.h"

namespace ssdx {

enum class ResizeMode { Nearest, Linear, Cubic };
enum class CoordMode { HalfPixel, HalfPixelSymmetric, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNn, TfCropAndResize };
enum class NearestMode { RoundPreferFloor, RoundPreferCeil, Floor, Ceil, Simple };  // Simple: opset 10 (see .cpp)
enum class AspectPolicy { Stretch, NotLarger, NotSmaller };

struct ResizeParams {
  int64_t opset = 13;
  ResizeMode mode = ResizeMode::Nearest;
  CoordMode coord = CoordMode::HalfPixel;
  NearestMode nearest = NearestMode::RoundPreferFloor;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation = 0.f;
  bool antialias = false;
  AspectPolicy aspect = AspectPolicy::Stretch;
  std::vector<int64_t> axes;  // opset 18: the axes roi/scales/sizes refer to (empty: all)
};

// Reads and checks the attributes for `opset` (10, 11-12, 13-17, 18, 19+); fails naming a bad one.
ResizeParams read_resize_params(const Attributes& a, int64_t opset);

// Where each axis goes: output length, the scale the coordinate transformation uses and the roi.
struct ResizeGeometry {
  Shape in, out;
  std::vector<float> scales;                // per dim
  std::vector<float> resized_length;        // per dim: in * scale, before the output length is rounded to an integer
  std::vector<float> roi_start, roi_end;    // per dim (tf_crop_and_resize); 0 and 1 when not given
};

// The geometry for input shape `in` from the values of roi, scales and sizes (null or empty: not given), as the
// opset defines it. Fails on scales <= 0, negative sizes, a wrong number of values, both or neither of scales and
// sizes, and an output over 8 GiB (`elem_size` bytes an element) before anything is allocated.
ResizeGeometry resize_geometry(const ResizeParams& p, const Shape& in, const std::vector<float>* roi,
                               const std::vector<float>* scales, const std::vector<int64_t>* sizes,
                               size_t elem_size);

// The input coordinate output index `o` of axis `d` maps to.
float resize_source_coord(const ResizeParams& p, const ResizeGeometry& g, size_t d, int64_t o);

// The 1-D taps of output index `o` on axis `d`: input indices (clamped into the axis) and their weights, or
// `outside` (tf_crop_and_resize sampling outside the input: the output is the extrapolation value).
struct ResizeTaps {
  bool outside = false;
  std::vector<int64_t> index;
  std::vector<float> weight;
};
ResizeTaps resize_taps(const ResizeParams& p, const ResizeGeometry& g, size_t d, int64_t o);

// The nearest-neighbour index of coordinate x (before clamping) under `mode`.
int64_t nearest_index(float x, NearestMode mode, bool downsampling);

}  // namespace ssdx
