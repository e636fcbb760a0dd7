// Pow, Sqrt, Ceil, Floor, Max, Min (ops/elementwise_math.cpp) and HardSigmoid, HardSwish (ops/activation.cpp):
// hand-worked values, opset forms, NaN, empty tensors, and the fast loops against the reference kernels.
#include <cmath>
#include <functional>
#include <limits>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

TEST(Pow, FloatExponentAndBroadcastAtEveryOpset) {
  const Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor y = make_tensor<float>({3}, {1, 2, 0.5f});
  for (int64_t opset : {7, 12, 13, 15, 18}) {
    const Tensor z = run_op("Pow", opset, {}, {&x, &y})[0];
    EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {1, 4, std::sqrt(3.f), 4, 25, std::sqrt(6.f)}), z, 0, 1e-7))
        << "opset " << opset;
  }
}

TEST(Pow, IntegerExponentsFromOpset12) {
  const Tensor x = make_tensor<float>({4}, {2, -2, 0.5f, 10});
  const Tensor e64 = make_tensor<int64_t>({4}, {3, 3, -2, 0});
  const Tensor e32 = make_tensor<int32_t>({1}, {-1});
  EXPECT_TRUE(same_bits(make_tensor<float>({4}, {8, -8, 4, 1}), run_op("Pow", 12, {}, {&x, &e64})[0]));
  EXPECT_TRUE(same_bits(make_tensor<float>({4}, {0.5f, -0.5f, 2, 0.1f}), run_op("Pow", 15, {}, {&x, &e32})[0]));
  EXPECT_THROW(run_op("Pow", 11, {}, {&x, &e64}), Error);  // opset 7-11: one float type for both
  const Tensor b = make_tensor<int64_t>({4}, {2, -3, 7, 0});
  const Tensor e = make_tensor<int64_t>({1}, {3});
  EXPECT_EQ(run_op("Pow", 13, {}, {&b, &e})[0].to_int_vector(), (std::vector<int64_t>{8, -27, 343, 0}));
  const Tensor fe = make_tensor<float>({4}, {0.5f, 2, 1, 2});
  EXPECT_EQ(run_op("Pow", 13, {}, {&b, &fe})[0].to_int_vector(), (std::vector<int64_t>{1, 9, 7, 0}));  // truncated
}

TEST(Pow, ScalarExponentTwoAndThreeAreProducts) {
  // 1 + 2^-12 squares to a value exactly between two floats: x*x rounds it to even, a pow need not.
  const float v = 1.f + std::ldexp(1.f, -12);
  const Tensor x = make_tensor<float>({3}, {v, -1.5f, kNaN});
  const Tensor two = make_tensor<float>({}, {2.f});
  const Tensor three = make_tensor<int64_t>({1}, {3});
  EXPECT_TRUE(same_bits(make_tensor<float>({3}, {v * v, 2.25f, kNaN}), run_op("Pow", 13, {}, {&x, &two})[0]));
  EXPECT_TRUE(same_bits(make_tensor<float>({3}, {v * v * v, -3.375f, kNaN}), run_op("Pow", 13, {}, {&x, &three})[0]));
}

TEST(Pow, FastLoopsMatchReference) {
  const std::vector<Shape> shapes = {{2, 3, 300}, {1, 3, 1}, {2, 1, 300}, {300}, {1}, {2, 3, 1}};
  KernelHints fast, ref;
  ref.reference = true;
  uint32_t seed = 3;
  for (const Shape& sx : shapes)
    for (const Shape& sy : shapes) {
      const Tensor x = random_tensor(sx, seed++, 0.f, 3.f);
      Tensor y = random_tensor(sy, seed++, -3.f, 3.f);
      for (int64_t i = 0; i < y.numel(); ++i) y.data<float>()[i] = std::round(y.data<float>()[i] * 2) / 2;  // 2s and 3s
      const Tensor f = run_op_hinted("Pow", 15, {}, {&x, &y}, fast)[0];
      const Tensor r = run_op_hinted("Pow", 15, {}, {&x, &y}, ref)[0];
      ASSERT_TRUE(same_bits(r, f)) << shape_str(sx) << " ^ " << shape_str(sy);
    }
}

TEST(Unary, SqrtCeilFloorSpecialValues) {
  const Tensor x = make_tensor<float>({7}, {4, 2.5f, -2.5f, -0.f, kInf, -1, kNaN});
  const Tensor s = run_op("Sqrt", 13, {}, {&x})[0];
  EXPECT_TRUE(same_bits(make_tensor<float>({7}, {2, std::sqrt(2.5f), kNaN, -0.f, kInf, kNaN, kNaN}), s));
  EXPECT_TRUE(same_bits(make_tensor<float>({7}, {4, 3, -2, -0.f, kInf, -1, kNaN}), run_op("Ceil", 6, {}, {&x})[0]));
  EXPECT_TRUE(same_bits(make_tensor<float>({7}, {4, 2, -3, -0.f, kInf, -1, kNaN}), run_op("Floor", 13, {}, {&x})[0]));
  const Tensor big = random_tensor({100003}, 8, 0.f, 100.f);
  KernelHints ref;
  ref.reference = true;
  EXPECT_TRUE(same_bits(run_op_hinted("Sqrt", 13, {}, {&big}, ref)[0], run_op("Sqrt", 13, {}, {&big})[0]));
}

TEST(MaxMin, ThreeInputsBroadcastAndPropagateNaN) {
  const Tensor a = make_tensor<float>({2, 3}, {1, kNaN, 3, -4, 5, 0});
  const Tensor b = make_tensor<float>({3}, {2, 2, kNaN});
  const Tensor c = make_tensor<float>({2, 1}, {0, 10});
  for (bool reference : {false, true}) {
    KernelHints h;
    h.reference = reference;
    EXPECT_TRUE(same_bits(make_tensor<float>({2, 3}, {2, kNaN, kNaN, 10, 10, kNaN}),
                            run_op_hinted("Max", 13, {}, {&a, &b, &c}, h)[0]));
    EXPECT_TRUE(same_bits(make_tensor<float>({2, 3}, {0, kNaN, kNaN, -4, 2, kNaN}),
                            run_op_hinted("Min", 8, {}, {&a, &b, &c}, h)[0]));
  }
  // One input: a copy. NaN in the first input wins too.
  const Tensor n = make_tensor<float>({2}, {kNaN, 1});
  const Tensor m = make_tensor<float>({2}, {1, kNaN});
  EXPECT_TRUE(same_bits(n, run_op("Max", 12, {}, {&n})[0]));
  EXPECT_TRUE(same_bits(make_tensor<float>({2}, {kNaN, kNaN}), run_op("Min", 12, {}, {&n, &m})[0]));
}

TEST(MaxMin, OpsetFormsAndIntegerTypes) {
  const Tensor a = make_tensor<float>({2, 2}, {1, 5, 3, 0});
  const Tensor b = make_tensor<float>({2}, {2, 2});
  EXPECT_THROW(run_op("Max", 7, {}, {&a, &b}), Error);  // opset 6-7: one shape, no broadcasting
  EXPECT_NO_THROW(run_op("Max", 8, {}, {&a, &b}));
  const Tensor i = make_tensor<int32_t>({2}, {1, 2});
  EXPECT_THROW(run_op("Min", 11, {}, {&i, &i}), Error);  // integers from opset 12
  const Tensor p = make_tensor<int8_t>({3}, {-128, 5, 127});
  const Tensor q = make_tensor<int8_t>({1}, {0});
  EXPECT_EQ(run_op("Max", 13, {}, {&p, &q})[0].to_int_vector(), (std::vector<int64_t>{0, 5, 127}));
  EXPECT_EQ(run_op("Min", 13, {}, {&p, &q})[0].to_int_vector(), (std::vector<int64_t>{-128, 0, 0}));
  const Tensor u = make_tensor<uint8_t>({2}, {200, 3});
  const Tensor v = make_tensor<uint8_t>({2}, {100, 4});
  EXPECT_EQ(run_op("Max", 12, {}, {&u, &v})[0].to_int_vector(), (std::vector<int64_t>{200, 4}));
  const Tensor l = make_tensor<int64_t>({2}, {INT64_MIN, 7});
  EXPECT_EQ(run_op("Min", 13, {}, {&l, &l, &l})[0].to_int_vector(), (std::vector<int64_t>{INT64_MIN, 7}));
  EXPECT_THROW(run_op("Max", 13, {}, {&a, &i}), Error);  // mixed dtypes
}

TEST(MaxMin, FastLoopsMatchReference) {
  const std::vector<Shape> shapes = {{3, 1, 500}, {1, 4, 500}, {3, 4, 1}, {500}, {1}, {3, 4, 500}};
  KernelHints fast, ref;
  ref.reference = true;
  uint32_t seed = 11;
  for (const Shape& s0 : shapes)
    for (const Shape& s1 : shapes)
      for (const Shape& s2 : {Shape{4, 1}, Shape{3, 4, 500}}) {
        Tensor a = random_tensor(s0, seed++), b = random_tensor(s1, seed++), c = random_tensor(s2, seed++);
        b.data<float>()[0] = kNaN;
        for (const char* op : {"Max", "Min"}) {
          const Tensor f = run_op_hinted(op, 13, {}, {&a, &b, &c}, fast)[0];
          const Tensor r = run_op_hinted(op, 13, {}, {&a, &b, &c}, ref)[0];
          ASSERT_TRUE(same_bits(r, f)) << op << " " << shape_str(s0) << " " << shape_str(s1) << " " << shape_str(s2);
        }
      }
}

TEST(HardActivations, HardSigmoidAndHardSwishValues) {
  const Tensor x = make_tensor<float>({6}, {-4, -1, 0, 1, 4, 3});
  Attributes ab;
  ab.set_float("alpha", 0.5f);
  ab.set_float("beta", 0.25f);
  EXPECT_TRUE(same_bits(make_tensor<float>({6}, {0, 0.3f, 0.5f, 0.7f, 1, 1}), run_op("HardSigmoid", 6, {}, {&x})[0]));
  EXPECT_TRUE(same_bits(make_tensor<float>({6}, {0, 0, 0.25f, 0.75f, 1, 1}), run_op("HardSigmoid", 6, ab, {&x})[0]));
  // x * clamp(x * float(1/6) + 0.5): -4 -> -4 * 0 = -0, -1 -> -1/3, 0, 1 -> 2/3, 4 -> 4, 3 -> 3.
  const float sixth = 1.f / 6.f;
  EXPECT_TRUE(same_bits(make_tensor<float>({6}, {-0.f, -1.f * (-1.f * sixth + 0.5f), 0, 1.f * (sixth + 0.5f), 4, 3}),
                          run_op("HardSwish", 14, {}, {&x})[0]));
  const Tensor n = make_tensor<float>({2}, {kNaN, -kInf});
  EXPECT_TRUE(same_bits(make_tensor<float>({2}, {kNaN, 0}), run_op("HardSigmoid", 6, {}, {&n})[0]));
  EXPECT_THROW(find_op("HardSwish", 13, ""), Error);
  // The four-wide loops against the reference, NaN and infinities in vector and tail positions.
  Tensor big = random_tensor({1003}, 4, -6.f, 6.f);
  for (int64_t i : {0, 5, 998, 1002}) big.data<float>()[i] = kNaN;
  big.data<float>()[7] = kInf;
  big.data<float>()[1001] = -kInf;
  KernelHints ref;
  ref.reference = true;
  EXPECT_TRUE(same_bits(run_op_hinted("HardSigmoid", 6, ab, {&big}, ref)[0], run_op("HardSigmoid", 6, ab, {&big})[0]));
  EXPECT_TRUE(same_bits(run_op_hinted("HardSwish", 14, {}, {&big}, ref)[0], run_op("HardSwish", 14, {}, {&big})[0]));
}

// Every op takes tensors with a 0 dim and returns an empty tensor of the broadcast shape.
TEST(Elementwise, EmptyTensorsFlowThroughEveryMathOp) {
  const Tensor e(DataType::Float, {2, 0});
  const Tensor one = make_tensor<float>({1}, {2});
  for (const char* op : {"Sqrt", "Ceil", "Floor", "HardSigmoid"})
    EXPECT_EQ(shape_str(run_op(op, 13, {}, {&e})[0].shape()), "[2,0]") << op;
  EXPECT_EQ(shape_str(run_op("HardSwish", 14, {}, {&e})[0].shape()), "[2,0]");
  EXPECT_EQ(shape_str(run_op("Pow", 13, {}, {&e, &one})[0].shape()), "[2,0]");
  EXPECT_EQ(shape_str(run_op("Pow", 7, {}, {&one, &e})[0].shape()), "[2,0]");
  for (const char* op : {"Max", "Min"}) {
    EXPECT_EQ(shape_str(run_op(op, 13, {}, {&e, &one, &e})[0].shape()), "[2,0]") << op;
    EXPECT_EQ(shape_str(run_op(op, 6, {}, {&e})[0].shape()), "[2,0]") << op;
  }
}

TEST(Elementwise, MathDtypeErrorsAreOneLine) {
  const Tensor i = make_tensor<int32_t>({2}, {1, 2});
  const Tensor u = make_tensor<uint8_t>({2}, {1, 2});
  const Tensor f = make_tensor<float>({2}, {1, 2});
  for (auto run : std::vector<std::function<void()>>{
           [&] { run_op("Sqrt", 13, {}, {&i}); }, [&] { run_op("Pow", 13, {}, {&u, &f}); },
           [&] { run_op("Pow", 13, {}, {&f, &u}); }, [&] { run_op("Max", 13, {}, {&f, &i}); },
           [&] { run_op("HardSigmoid", 6, {}, {&i}); }}) {
    try {
      run();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
}

// Every op of the family is registered from its first opset in 7..18 through 18 (none changed semantics in 16-18
// beyond bfloat16), and not before it.
TEST(Elementwise, EveryOpIsRegisteredFromItsFirstOpsetThrough18) {
  const std::vector<std::pair<const char*, int64_t>> first = {
      {"Pow", 7},     {"Sqrt", 6},  {"Ceil", 6},           {"Floor", 6},       {"Max", 6},   {"Min", 6},
      {"Greater", 7}, {"Less", 7},  {"Equal", 7},          {"GreaterOrEqual", 12}, {"LessOrEqual", 12},
      {"Not", 1},     {"And", 7},   {"Or", 7},             {"Where", 9},       {"HardSigmoid", 6}, {"HardSwish", 14}};
  for (const auto& [op, since] : first) {
    for (int64_t opset = std::max<int64_t>(since, 7); opset <= 18; ++opset)
      EXPECT_NE(OpRegistry::global().find("", op, opset), nullptr) << op << " at opset " << opset;
    if (since > 1) EXPECT_EQ(OpRegistry::global().find("", op, since - 1), nullptr) << op << " before " << since;
  }
}

}  // namespace
}  // namespace ssdx::test
