// The element-wise, compare and logic ops against onnxruntime, bit for bit: one-node models over special values
// (NaN, ±inf, ±0, negatives) in the broadcast patterns onnxruntime treats differently (a one-element exponent, an
// exponent broadcast along rows), and the two SSD chains that use them: mmdet's L2Norm and a gluon-cv score mask.
#include <cmath>
#include <limits>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

// One node `op` over graph inputs in0, in1, ... at `opset`, run by onnxruntime and by the engine's Session.
struct OpRun {
  Tensor ort, ours;
};
OpRun run_both(const std::string& op, int64_t opset, const Attributes& attrs, const std::vector<const Tensor*>& ins) {
  const std::vector<Tensor> expected_like = run_op(op, opset, attrs, ins);  // output dtype and shape
  ModelBuilder b(opset, opset >= 15 ? 8 : 7);
  std::vector<std::string> names;
  TensorMap feeds;
  for (size_t i = 0; i < ins.size(); ++i) {
    names.push_back("in" + std::to_string(i));
    b.add_input(names.back(), ins[i]->dtype(), ins[i]->shape());
    feeds[names.back()] = *ins[i];
  }
  b.add_node(op, names, {"out"}, attrs);
  b.add_output("out", expected_like[0].dtype(), expected_like[0].shape());
  const TempModelFile file(b, "elem_" + op);
  OpRun r;
  r.ort = run_ort(file.path, feeds).at("out");
  r.ours = Session::load(file.path)->run(feeds).at("out");
  return r;
}

// Values every float op is tried on: the specials, then a spread of ordinary magnitudes of both signs.
Tensor special_floats(int64_t n, uint32_t seed, float lo = -4.f, float hi = 4.f) {
  Tensor t = random_tensor({n}, seed, lo, hi);
  const float specials[] = {kNaN, kInf, -kInf, 0.f, -0.f, 1.f, -1.f, 2.f, 0.5f, 1e-30f, -1e-30f, 3e38f, 1.f + 1.f / 4096};
  for (size_t i = 0; i < sizeof(specials) / sizeof(float) && static_cast<int64_t>(i) < n; ++i) t.data<float>()[i * 7 % n] = specials[i];
  t.data<float>()[n - 1] = kNaN;  // in the scalar tail of vector loops
  return t;
}

TEST(ElementwiseOrt, PowMatchesBitForBitInEveryBroadcastForm) {
  SSDX_NEED_ORT();
  const Tensor x = special_floats(4096, 1).reshaped({64, 64});
  // One-element exponents: 2 and 3 are products in onnxruntime, the rest powf.
  for (float e : {2.f, 3.f, 0.5f, 1.7f, -1.f, -2.f}) {
    const Tensor y = make_tensor<float>({}, {e});
    for (int64_t opset : {7, 12, 13, 15}) {
      const OpRun r = run_both("Pow", opset, {}, {&x, &y});
      EXPECT_TRUE(same_bits(r.ort, r.ours)) << "exponent " << e << " opset " << opset;
    }
  }
  // Exponent 0.5 is powf in onnxruntime, not a sqrt: -0 gives +0 and -inf gives +inf (a sqrt: -0 and NaN).
  const Tensor signed_specials = make_tensor<float>({2}, {-0.f, -kInf});
  const Tensor half = make_tensor<float>({}, {0.5f});
  const OpRun h = run_both("Pow", 13, {}, {&signed_specials, &half});
  EXPECT_TRUE(same_bits(make_tensor<float>({2}, {0.f, kInf}), h.ort));
  EXPECT_TRUE(same_bits(h.ort, h.ours));
  // Integer exponents (opset 12+): the double pow rounded to float, 2 and 3 products.
  for (int64_t e : {2, 3, -2, 5}) {
    const Tensor y = make_tensor<int64_t>({1}, {e});
    const OpRun r = run_both("Pow", 13, {}, {&x, &y});
    EXPECT_TRUE(same_bits(r.ort, r.ours)) << "int64 exponent " << e;
  }
  const Tensor y32 = make_tensor<int32_t>({64}, std::vector<int32_t>(64, 3));
  const OpRun r32 = run_both("Pow", 15, {}, {&x, &y32});
  EXPECT_TRUE(same_bits(r32.ort, r32.ours)) << "int32 exponent row";
  // Exponents per row ([64,1]: one value along each row), per column ([64]), per element, and a scalar base.
  Tensor rows = make_tensor<float>({64, 1}, std::vector<float>(64, 3.f));
  for (int i = 0; i < 64; i += 3) rows.data<float>()[i] = i % 2 ? 2.f : 1.3f;
  Tensor cols = rows.reshaped({64});
  const Tensor full = special_floats(4096, 2, -3.f, 3.f).reshaped({64, 64});
  const Tensor base = make_tensor<float>({1}, {1.1f});
  const Tensor three = make_tensor<float>({1}, {3.f});
  for (const auto& [name, a, b] : std::vector<std::tuple<const char*, const Tensor*, const Tensor*>>{
           {"rows", &x, &rows}, {"cols", &x, &cols}, {"full", &x, &full}, {"scalar base", &base, &full},
           {"both one element", &base, &three}}) {
    const OpRun r = run_both("Pow", 13, {}, {a, b});
    EXPECT_TRUE(same_bits(r.ort, r.ours)) << name;
  }
}

TEST(ElementwiseOrt, IntegerPowMatches) {
  SSDX_NEED_ORT();
  const Tensor b = make_tensor<int64_t>({6}, {2, -3, 7, 0, 1, -1});
  const Tensor e = make_tensor<int64_t>({6}, {10, 3, 2, 0, 5, 7});
  const Tensor f = make_tensor<float>({6}, {0.5f, 2, 1.5f, 2, -1, 3});
  const Tensor b32 = make_tensor<int32_t>({6}, {2, -3, 7, 0, 1, -1});
  for (const auto& [x, y] : std::vector<std::pair<const Tensor*, const Tensor*>>{{&b, &e}, {&b, &f}, {&b32, &f}}) {
    const OpRun r = run_both("Pow", 13, {}, {x, y});
    EXPECT_TRUE(same_bits(r.ort, r.ours)) << dtype_name(x->dtype()) << "^" << dtype_name(y->dtype());
  }
}

TEST(ElementwiseOrt, UnaryAndHardActivationsMatch) {
  SSDX_NEED_ORT();
  const Tensor x = special_floats(1000, 3, -8.f, 8.f);
  for (const char* op : {"Sqrt", "Ceil", "Floor", "HardSigmoid"}) {
    const OpRun r = run_both(op, 13, {}, {&x});
    EXPECT_TRUE(same_bits(r.ort, r.ours)) << op;
  }
  Attributes ab;
  ab.set_float("alpha", 0.3f);
  ab.set_float("beta", 0.6f);
  const OpRun hs = run_both("HardSigmoid", 6, ab, {&x});
  EXPECT_TRUE(same_bits(hs.ort, hs.ours)) << "HardSigmoid alpha 0.3 beta 0.6";
  const OpRun hw = run_both("HardSwish", 14, {}, {&x});
  EXPECT_TRUE(same_bits(hw.ort, hw.ours)) << "HardSwish";
}

TEST(ElementwiseOrt, MaxMinPropagateNaNAsOnnxruntime) {
  SSDX_NEED_ORT();
  const Tensor a = special_floats(600, 4).reshaped({2, 300});
  const Tensor b = special_floats(300, 5);
  Tensor c = special_floats(2, 6).reshaped({2, 1});
  c.data<float>()[0] = kNaN;
  const Tensor a2 = special_floats(600, 7).reshaped({2, 300});
  for (const char* op : {"Max", "Min"}) {
    for (int64_t opset : {8, 12, 13}) {
      const OpRun r = run_both(op, opset, {}, {&a, &b, &c});
      EXPECT_TRUE(same_bits(r.ort, r.ours)) << op << " opset " << opset;
    }
    const OpRun r6 = run_both(op, 7, {}, {&a, &a2});
    EXPECT_TRUE(same_bits(r6.ort, r6.ours)) << op << " opset 7";
    const OpRun r1 = run_both(op, 13, {}, {&a});
    EXPECT_TRUE(same_bits(r1.ort, r1.ours)) << op << " one input";
    const Tensor z0 = make_tensor<float>({4}, {-0.f, 0.f, kNaN, 1.f});
    const Tensor z1 = make_tensor<float>({4}, {0.f, -0.f, 1.f, kNaN});
    const OpRun rz = run_both(op, 13, {}, {&z0, &z1});
    EXPECT_TRUE(same_bits(rz.ort, rz.ours)) << op << " signed zeros";
  }
}

TEST(ElementwiseOrt, ComparesAndWhereMatch) {
  SSDX_NEED_ORT();
  const Tensor a = special_floats(600, 8).reshaped({2, 300});
  const Tensor b = special_floats(300, 9);
  for (const char* op : {"Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual"}) {
    const OpRun r = run_both(op, 13, {}, {&a, &b});
    EXPECT_TRUE(same_bits(r.ort, r.ours)) << op;
  }
  const Tensor cond = run_op("Greater", 13, {}, {&a, &b})[0];
  const Tensor y = make_tensor<float>({2, 1}, {-1.f, kNaN});
  const OpRun w = run_both("Where", 16, {}, {&cond, &a, &y});
  EXPECT_TRUE(same_bits(w.ort, w.ours)) << "Where";
}

// mmdet's SSD L2Norm on conv4_3: x / (sqrt(sum over channels of x^2) + eps) * scale, at the SSD300 map size.
TEST(ElementwiseOrt, MmdetL2NormChainMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  const Shape shape = {2, 512, 38, 38};
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, shape);
  b.add_initializer("two", make_tensor<float>({}, {2.f}));
  b.add_initializer("axes", make_tensor<int64_t>({1}, {1}));
  b.add_initializer("eps", make_tensor<float>({}, {1e-10f}));
  b.add_initializer("scale", random_tensor({1, 512, 1, 1}, 21, 10.f, 30.f));
  b.add_node("Pow", {"x", "two"}, {"sq"});
  Attributes keep;
  keep.set_int("keepdims", 1);
  b.add_node("ReduceSum", {"sq", "axes"}, {"ss"}, keep);
  b.add_node("Sqrt", {"ss"}, {"norm"});
  b.add_node("Add", {"norm", "eps"}, {"norm_eps"});
  b.add_node("Div", {"x", "norm_eps"}, {"unit"});
  b.add_node("Mul", {"unit", "scale"}, {"y"});
  b.add_output("y", DataType::Float, shape);
  const TempModelFile file(b, "l2norm");
  Tensor x = random_tensor(shape, 22, -3.f, 3.f);
  for (int64_t i = 0; i < 38 * 38; ++i) x.data<float>()[i] = 0.f;  // a zero pixel in channel 0 of image 0 only
  const Tensor ref = run_ort(file.path, {{"x", x}}).at("y");
  const Tensor ours = Session::load(file.path)->run({{"x", x}}).at("y");
  // The channel sums may add in another order than onnxruntime's: a few ulps, nothing more.
  EXPECT_TRUE(tensors_close(ref, ours, 1e-6, 2e-6));
  int64_t exact = 0;
  for (int64_t i = 0; i < ref.numel(); ++i) exact += ref.data<float>()[i] == ours.data<float>()[i];
  RecordProperty("exact_fraction", std::to_string(static_cast<double>(exact) / static_cast<double>(ref.numel())));
}

// gluon-cv's SSD masks low scores: Where(score > 0.01, score, -1) over the class-score rows.
TEST(ElementwiseOrt, GluonScoreMaskMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  const Shape shape = {1, 174640};
  ModelBuilder b(12);
  b.add_input("score", DataType::Float, shape);
  b.add_initializer("thresh", make_tensor<float>({}, {0.01f}));
  b.add_initializer("minus_one", make_tensor<float>({}, {-1.f}));
  b.add_node("Greater", {"score", "thresh"}, {"keep"});
  b.add_node("Where", {"keep", "score", "minus_one"}, {"masked"});
  b.add_output("masked", DataType::Float, shape);
  b.add_output("keep", DataType::Bool, shape);
  const TempModelFile file(b, "score_mask");
  Tensor s = random_tensor(shape, 23, 0.f, 0.03f);
  s.data<float>()[5] = 0.01f;  // exactly the threshold: not kept
  s.data<float>()[6] = kNaN;   // NaN > t is false
  const TensorMap ref = run_ort(file.path, {{"score", s}});
  const TensorMap ours = Session::load(file.path)->run({{"score", s}});
  EXPECT_TRUE(same_bits(ref.at("masked"), ours.at("masked")));
  EXPECT_TRUE(same_bits(ref.at("keep"), ours.at("keep")));
  EXPECT_EQ(ours.at("masked").data<float>()[5], -1.f);
}

}  // namespace
}  // namespace ssdx::test
