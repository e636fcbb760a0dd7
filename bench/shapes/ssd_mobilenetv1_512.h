#pragma once
// The distinct convolutions of face-api's SSD-MobileNetV1 face detector at 512x512 and how often each occurs:
// MobileNetV1 (conv0, then 13 depthwise 3x3 + pointwise 1x1 blocks, stride 2 at blocks 2, 4, 6 and 12), the eight
// extra 1x1 / 3x3 layers, and the box heads (1x1) on the six feature maps. Stride-2 3x3 layers pad as TensorFlow's
// SAME does: nothing at the top/left, one row/column at the bottom/right.

#include "bench/shapes/conv_shape.h"

namespace ssdx::bench {

// clang-format off
inline constexpr ConvShape kSsdMobilenetV1_512Convs[] = {
    // name                   n  c     h    w    k     r  s  stride pad group count pad_end
    {"conv0_3x3_s2",          1, 3,    512, 512, 32,   3, 3, 2, 0, 1,    1, 1},
    {"dw1_32",                1, 32,   256, 256, 32,   3, 3, 1, 1, 32,   1},
    {"pw1_32_64",             1, 32,   256, 256, 64,   1, 1, 1, 0, 1,    1},
    {"dw2_64_s2",             1, 64,   256, 256, 64,   3, 3, 2, 0, 64,   1, 1},
    {"pw2_64_128",            1, 64,   128, 128, 128,  1, 1, 1, 0, 1,    1},
    {"dw3_128",               1, 128,  128, 128, 128,  3, 3, 1, 1, 128,  1},
    {"pw3_128_128",           1, 128,  128, 128, 128,  1, 1, 1, 0, 1,    1},
    {"dw4_128_s2",            1, 128,  128, 128, 128,  3, 3, 2, 0, 128,  1, 1},
    {"pw4_128_256",           1, 128,  64,  64,  256,  1, 1, 1, 0, 1,    1},
    {"dw5_256",               1, 256,  64,  64,  256,  3, 3, 1, 1, 256,  1},
    {"pw5_256_256",           1, 256,  64,  64,  256,  1, 1, 1, 0, 1,    1},
    {"dw6_256_s2",            1, 256,  64,  64,  256,  3, 3, 2, 0, 256,  1, 1},
    {"pw6_256_512",           1, 256,  32,  32,  512,  1, 1, 1, 0, 1,    1},
    {"dw7_11_512",            1, 512,  32,  32,  512,  3, 3, 1, 1, 512,  5},
    {"pw7_11_512_512",        1, 512,  32,  32,  512,  1, 1, 1, 0, 1,    5},
    {"dw12_512_s2",           1, 512,  32,  32,  512,  3, 3, 2, 0, 512,  1, 1},
    {"pw12_512_1024",         1, 512,  16,  16,  1024, 1, 1, 1, 0, 1,    1},
    {"dw13_1024",             1, 1024, 16,  16,  1024, 3, 3, 1, 1, 1024, 1},
    {"pw13_1024_1024",        1, 1024, 16,  16,  1024, 1, 1, 1, 0, 1,    1},
    {"extra0_1x1_256",        1, 1024, 16,  16,  256,  1, 1, 1, 0, 1,    1},
    {"extra1_3x3_512_s2",     1, 256,  16,  16,  512,  3, 3, 2, 0, 1,    1, 1},
    {"extra2_1x1_128",        1, 512,  8,   8,   128,  1, 1, 1, 0, 1,    1},
    {"extra3_3x3_256_s2",     1, 128,  8,   8,   256,  3, 3, 2, 0, 1,    1, 1},
    {"extra4_1x1_128",        1, 256,  4,   4,   128,  1, 1, 1, 0, 1,    1},
    {"extra5_3x3_256_s2",     1, 128,  4,   4,   256,  3, 3, 2, 0, 1,    1, 1},
    {"extra6_1x1_64",         1, 256,  2,   2,   64,   1, 1, 1, 0, 1,    1},
    {"extra7_3x3_128_s2",     1, 64,   2,   2,   128,  3, 3, 2, 0, 1,    1, 1},
    // box heads on the six feature maps: box encodings (4 per anchor) and class scores (3 per anchor)
    {"head0_box_32x32",       1, 512,  32,  32,  12,   1, 1, 1, 0, 1,    1},
    {"head0_class_32x32",     1, 512,  32,  32,  9,    1, 1, 1, 0, 1,    1},
    {"head1_box_16x16",       1, 1024, 16,  16,  24,   1, 1, 1, 0, 1,    1},
    {"head1_class_16x16",     1, 1024, 16,  16,  18,   1, 1, 1, 0, 1,    1},
    {"head2_box_8x8",         1, 512,  8,   8,   24,   1, 1, 1, 0, 1,    1},
    {"head2_class_8x8",       1, 512,  8,   8,   18,   1, 1, 1, 0, 1,    1},
    {"head3_box_4x4",         1, 256,  4,   4,   24,   1, 1, 1, 0, 1,    1},
    {"head3_class_4x4",       1, 256,  4,   4,   18,   1, 1, 1, 0, 1,    1},
    {"head4_box_2x2",         1, 256,  2,   2,   24,   1, 1, 1, 0, 1,    1},
    {"head4_class_2x2",       1, 256,  2,   2,   18,   1, 1, 1, 0, 1,    1},
    {"head5_box_1x1",         1, 128,  1,   1,   24,   1, 1, 1, 0, 1,    1},
    {"head5_class_1x1",       1, 128,  1,   1,   18,   1, 1, 1, 0, 1,    1},
};
// clang-format on

}  // namespace ssdx::bench
