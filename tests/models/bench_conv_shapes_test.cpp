// bench/shapes/ssd_resnet34_1200.h against the model it describes: every Conv of a generated 1200x1200 SSD-ResNet34
// must match a row, with the row's occurrence count, so the microbenchmarks cannot drift from the model.
#include <cstdio>
#include <map>
#include <tuple>

#include "bench/shapes/ssd_mobilenetv1_512.h"
#include "bench/shapes/ssd_resnet34_1200.h"
#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "tests/temp_model_file.h"
#include "tests/test_util.h"
#include "models/ssd_model.h"

namespace ssdx::test {
namespace {

using Key = std::tuple<int, int, int, int, int, int, int, int, int, int>;  // n c h w k r s stride pad group

Key key_of(const bench::ConvShape& s) { return {s.n, s.c, s.h, s.w, s.k, s.r, s.s, s.stride, s.pad, s.group}; }

// Each Conv's shape in the generated model, counted; fails on what the table cannot express (uneven strides or
// pads, dilations).
std::map<Key, int> model_conv_shapes(const models::SsdModelOptions& o) {
  Graph g = load_written_model("bench_shapes", [&](const std::string& path) { models::write_ssd_model(o, path); });
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);
  std::map<Key, int> shapes;
  for (const Node& n : g.nodes) {
    if (n.op_type != "Conv") continue;
    const Shape& x = g.value(n.inputs[0]).shape;
    const Shape& w = g.value(n.inputs[1]).shape;
    const auto strides = n.attrs.get_ints("strides", {1, 1}), pads = n.attrs.get_ints("pads", {0, 0, 0, 0});
    const auto dil = n.attrs.get_ints("dilations", {1, 1});
    EXPECT_TRUE(x.size() == 4 && w.size() == 4 && strides[0] == strides[1] && pads[0] == pads[1] &&
                pads[0] == pads[2] && pads[0] == pads[3] && dil[0] == 1 && dil[1] == 1) << n.name;
    auto i = [](int64_t v) { return static_cast<int>(v); };
    ++shapes[{i(x[0]), i(x[1]), i(x[2]), i(x[3]), i(w[0]), i(w[2]), i(w[3]), i(strides[0]), i(pads[0]),
              i(n.attrs.get_int("group", 1))}];
  }
  return shapes;
}

TEST(BenchConvShapes, TableMatchesTheGenerated1200Model) {
  const std::map<Key, int> model = model_conv_shapes({1200, 12, 1, false, false});
  std::map<Key, int> table;
  for (const bench::ConvShape& s : bench::kSsdResnet34_1200Convs) table[key_of(s)] += s.count;
  for (const auto& [k, count] : model) {
    const auto [n, c, h, w, kk, r, s, stride, pad, group] = k;
    // Printed as a row to paste into the table.
    EXPECT_EQ(table.count(k) ? table[k] : 0, count)
        << "{\"?\", " << n << ", " << c << ", " << h << ", " << w << ", " << kk << ", " << r << ", " << s << ", "
        << stride << ", " << pad << ", " << group << ", " << count << "},";
  }
  for (const auto& [k, count] : table) EXPECT_TRUE(model.count(k)) << "table row not in the model: C=" << std::get<1>(k);
  EXPECT_EQ(sizeof bench::kSsdResnet34_1200Convs / sizeof bench::kSsdResnet34_1200Convs[0], model.size())
      << "duplicate rows";
  double gflop = 0;
  for (const bench::ConvShape& s : bench::kSsdResnet34_1200Convs) gflop += s.count * s.flops() / 1e9;
  EXPECT_NEAR(gflop, 432.8, 0.1);  // 216.4 GMAC (docs/ssd12_model.md §2.4)
}

// The MobileNetV1-512 table (no generated model to read it from yet): TensorFlow's SAME geometry on every row (output
// ceil(in / stride), stride-2 3x3 padded only at the bottom/right), each backbone and extra layer reading the previous
// layer's output, and each box head one of the six feature maps.
TEST(BenchConvShapes, MobileNetTableChainsAsTheDetector) {
  const auto& t = bench::kSsdMobilenetV1_512Convs;
  std::map<std::string, const bench::ConvShape*> by_name;
  for (const bench::ConvShape& s : t) {
    SCOPED_TRACE(s.name);
    by_name[s.name] = &s;
    EXPECT_EQ(s.out_h(), (s.h + s.stride - 1) / s.stride);
    if (s.r == 3) EXPECT_EQ(s.stride == 2 ? std::make_pair(0, 1) : std::make_pair(1, 1), std::make_pair(s.pad, s.pad_after()));
    if (s.group > 1) EXPECT_TRUE(s.depthwise());
  }
  EXPECT_EQ(by_name.size(), sizeof t / sizeof t[0]) << "duplicate names";
  const char* const chain[] = {"conv0_3x3_s2", "dw1_32", "pw1_32_64", "dw2_64_s2", "pw2_64_128", "dw3_128", "pw3_128_128",
                               "dw4_128_s2", "pw4_128_256", "dw5_256", "pw5_256_256", "dw6_256_s2", "pw6_256_512",
                               "dw7_11_512", "pw7_11_512_512", "dw12_512_s2", "pw12_512_1024", "dw13_1024",
                               "pw13_1024_1024", "extra0_1x1_256", "extra1_3x3_512_s2", "extra2_1x1_128",
                               "extra3_3x3_256_s2", "extra4_1x1_128", "extra5_3x3_256_s2", "extra6_1x1_64",
                               "extra7_3x3_128_s2"};
  EXPECT_EQ(by_name.at("conv0_3x3_s2")->h, 512);
  for (size_t i = 1; i < sizeof chain / sizeof chain[0]; ++i) {
    const bench::ConvShape &a = *by_name.at(chain[i - 1]), &b = *by_name.at(chain[i]);
    EXPECT_EQ(b.c, a.k) << a.name << " -> " << b.name;
    EXPECT_EQ(b.h, a.out_h()) << a.name << " -> " << b.name;
  }
  // The heads read pw11 (32x32x512), pw13 and the odd extra layers.
  const std::pair<const char*, const char*> heads[] = {{"head0_box_32x32", "pw7_11_512_512"}, {"head1_box_16x16", "pw13_1024_1024"},
                                                       {"head2_box_8x8", "extra1_3x3_512_s2"}, {"head3_box_4x4", "extra3_3x3_256_s2"},
                                                       {"head4_box_2x2", "extra5_3x3_256_s2"}, {"head5_box_1x1", "extra7_3x3_128_s2"}};
  for (const auto& [head, map] : heads) {
    const bench::ConvShape &h = *by_name.at(head), &m = *by_name.at(map);
    EXPECT_EQ(h.c, m.k) << head;
    EXPECT_EQ(h.h, m.out_h()) << head;
  }
}

}  // namespace
}  // namespace ssdx::test
