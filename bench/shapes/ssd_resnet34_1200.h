#pragma once
// The distinct convolutions of SSD-ResNet34 at 1200x1200 (docs/ssd12_model.md §2) and how often each occurs.
// tests/models/bench_conv_shapes_test.cpp checks the table against a generated model, so it cannot drift.
#include "bench/shapes/conv_shape.h"

namespace ssdx::bench {

// Backbone (ResNet34 to layer3, layer3 at stride 1), the five extra blocks, then the six loc/conf heads (stride 3).
// clang-format off
inline constexpr ConvShape kSsdResnet34_1200Convs[] = {
    // name                         n  c     h     w     k    r  s  stride pad group count
    {"conv1_7x7_s2",                 1, 3,   1200, 1200, 64,  7, 7, 2, 3, 1, 1},
    {"layer1.conv3x3_64",            1, 64,  300,  300,  64,  3, 3, 1, 1, 1, 6},
    {"layer2.0.conv3x3_128_s2",      1, 64,  300,  300,  128, 3, 3, 2, 1, 1, 1},
    {"layer2.0.downsample1x1_s2",    1, 64,  300,  300,  128, 1, 1, 2, 0, 1, 1},
    {"layer2.conv3x3_128",           1, 128, 150,  150,  128, 3, 3, 1, 1, 1, 7},
    {"layer3.0.conv3x3_256",         1, 128, 150,  150,  256, 3, 3, 1, 1, 1, 1},
    {"layer3.0.downsample1x1",       1, 128, 150,  150,  256, 1, 1, 1, 0, 1, 1},
    {"layer3.conv3x3_256",           1, 256, 150,  150,  256, 3, 3, 1, 1, 1, 11},
    {"extra1.conv1x1_256",           1, 256, 150,  150,  256, 1, 1, 1, 0, 1, 1},
    {"extra1.conv3x3_512_s2",        1, 256, 150,  150,  512, 3, 3, 2, 1, 1, 1},
    {"extra2.conv1x1_256",           1, 512, 75,   75,   256, 1, 1, 1, 0, 1, 1},
    {"extra2.conv3x3_512_s2",        1, 256, 75,   75,   512, 3, 3, 2, 1, 1, 1},
    {"extra3.conv1x1_128",           1, 512, 38,   38,   128, 1, 1, 1, 0, 1, 1},
    {"extra3.conv3x3_256_s2",        1, 128, 38,   38,   256, 3, 3, 2, 1, 1, 1},
    {"extra4.conv1x1_128",           1, 256, 19,   19,   128, 1, 1, 1, 0, 1, 1},
    {"extra4.conv3x3_256_s2_nopad",  1, 128, 19,   19,   256, 3, 3, 2, 0, 1, 1},
    {"extra5.conv1x1_128",           1, 256, 9,    9,    128, 1, 1, 1, 0, 1, 1},
    {"extra5.conv3x3_256_nopad",     1, 128, 9,    9,    256, 3, 3, 1, 0, 1, 1},
    {"head0.loc",                    1, 256, 150,  150,  16,  3, 3, 3, 1, 1, 1},
    {"head0.conf",                   1, 256, 150,  150,  324, 3, 3, 3, 1, 1, 1},
    {"head1.loc",                    1, 512, 75,   75,   24,  3, 3, 3, 1, 1, 1},
    {"head1.conf",                   1, 512, 75,   75,   486, 3, 3, 3, 1, 1, 1},
    {"head2.loc",                    1, 512, 38,   38,   24,  3, 3, 3, 1, 1, 1},
    {"head2.conf",                   1, 512, 38,   38,   486, 3, 3, 3, 1, 1, 1},
    {"head3.loc",                    1, 256, 19,   19,   24,  3, 3, 3, 1, 1, 1},
    {"head3.conf",                   1, 256, 19,   19,   486, 3, 3, 3, 1, 1, 1},
    {"head4.loc",                    1, 256, 9,    9,    16,  3, 3, 3, 1, 1, 1},
    {"head4.conf",                   1, 256, 9,    9,    324, 3, 3, 3, 1, 1, 1},
    {"head5.loc",                    1, 256, 7,    7,    16,  3, 3, 3, 1, 1, 1},
    {"head5.conf",                   1, 256, 7,    7,    324, 3, 3, 3, 1, 1, 1},
};
// clang-format on

}  // namespace ssdx::bench
