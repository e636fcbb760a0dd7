#pragma once
// One row of a benchmark shape table: a convolution's geometry and how often the model has it.

namespace ssdx::bench {

struct ConvShape {
  const char* name;
  int n, c, h, w;          // input
  int k, r, s;             // output channels, kernel height and width
  int stride, pad, group;  // the same along both axes; `pad` at the top and left (and bottom/right unless pad_end)
  int count;               // occurrences in the model
  int pad_end = -1;        // bottom/right pads when they differ (TensorFlow's SAME at stride 2: 0 then 1); -1: pad
  int pad_after() const { return pad_end < 0 ? pad : pad_end; }
  int out_h() const { return (h + pad + pad_after() - r) / stride + 1; }
  int out_w() const { return (w + pad + pad_after() - s) / stride + 1; }
  bool depthwise() const { return group > 1 && group == c && group == k; }
  // Two per multiply-add, bias excluded.
  double flops() const { return 2.0 * n * k * out_h() * out_w() * (c / group) * r * s; }
  // Bytes a kernel must move at least once: input, output and weights, `elem` bytes each.
  double bytes(int elem) const {
    return static_cast<double>(elem) * (1.0 * n * c * h * w + 1.0 * n * k * out_h() * out_w() + 1.0 * k * (c / group) * r * s);
  }
};

}  // namespace ssdx::bench
