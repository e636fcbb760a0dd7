// Compares, boolean logic and Where (ops/compare.cpp): hand-worked values, opset dtype gates, empty tensors, and
// the fast loops against the reference kernels on random broadcasts.
#include <cmath>
#include <limits>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::vector<int64_t> bools(const Tensor& t) {
  EXPECT_EQ(t.dtype(), DataType::Bool);
  return t.to_int_vector();
}

Tensor bool_tensor(Shape shape, const std::vector<int>& v) {
  Tensor t(DataType::Bool, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i] != 0;
  return t;
}

TEST(Compare, FloatComparesWithNaNAndSignedZero) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor a = make_tensor<float>({5}, {1, 2, nan, -0.f, 3});
  const Tensor b = make_tensor<float>({5}, {2, 2, nan, 0.f, nan});
  EXPECT_EQ(bools(run_op("Greater", 13, {}, {&a, &b})[0]), (std::vector<int64_t>{0, 0, 0, 0, 0}));
  EXPECT_EQ(bools(run_op("Less", 13, {}, {&a, &b})[0]), (std::vector<int64_t>{1, 0, 0, 0, 0}));
  EXPECT_EQ(bools(run_op("Equal", 13, {}, {&a, &b})[0]), (std::vector<int64_t>{0, 1, 0, 1, 0}));
  EXPECT_EQ(bools(run_op("GreaterOrEqual", 16, {}, {&a, &b})[0]), (std::vector<int64_t>{0, 1, 0, 1, 0}));
  EXPECT_EQ(bools(run_op("LessOrEqual", 12, {}, {&a, &b})[0]), (std::vector<int64_t>{1, 1, 0, 1, 0}));
}

TEST(Compare, IntegerAndBoolInputsBroadcast) {
  const Tensor a = make_tensor<int64_t>({2, 3}, {1, 5, 9, -4, 0, 7});
  const Tensor b = make_tensor<int64_t>({3}, {5, 5, 5});
  EXPECT_EQ(bools(run_op("Greater", 9, {}, {&a, &b})[0]), (std::vector<int64_t>{0, 0, 1, 0, 0, 1}));
  const Tensor c = make_tensor<int8_t>({2, 1}, {-1, 3});
  const Tensor d = make_tensor<int8_t>({1, 3}, {-1, 0, 3});
  EXPECT_EQ(bools(run_op("LessOrEqual", 12, {}, {&c, &d})[0]), (std::vector<int64_t>{1, 1, 1, 0, 0, 1}));
  const Tensor p = bool_tensor({4}, {1, 0, 1, 0});
  const Tensor q = bool_tensor({4}, {1, 1, 0, 0});
  EXPECT_EQ(bools(run_op("Equal", 7, {}, {&p, &q})[0]), (std::vector<int64_t>{1, 0, 0, 1}));
  const Tensor u = make_tensor<uint8_t>({2}, {200, 3});
  const Tensor w = make_tensor<uint8_t>({}, {100});
  EXPECT_EQ(bools(run_op("Greater", 13, {}, {&u, &w})[0]), (std::vector<int64_t>{1, 0}));
}

TEST(Compare, OpsetsGateTheDtypes) {
  const Tensor i = make_tensor<int32_t>({2}, {1, 2});
  const Tensor f = make_tensor<float>({2}, {1, 2});
  EXPECT_THROW(run_op("Greater", 8, {}, {&i, &i}), Error);  // integers from opset 9
  EXPECT_NO_THROW(run_op("Greater", 9, {}, {&i, &i}));
  EXPECT_THROW(run_op("Equal", 10, {}, {&f, &f}), Error);   // floats from opset 11
  EXPECT_EQ(bools(run_op("Equal", 11, {}, {&f, &f})[0]), (std::vector<int64_t>{1, 1}));
  EXPECT_THROW(find_op("GreaterOrEqual", 11, ""), Error);   // from opset 12
}

TEST(Compare, DtypeMismatchFailsWithOneLine) {
  const Tensor i = make_tensor<int32_t>({2}, {1, 2});
  const Tensor f = make_tensor<float>({2}, {1, 2});
  try {
    run_op("Less", 13, {}, {&i, &f});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("int32"), std::string::npos) << m;
    EXPECT_NE(m.find("float32"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  const Tensor c = bool_tensor({2}, {1, 0});
  const Tensor l = make_tensor<int64_t>({2}, {1, 2});
  EXPECT_THROW(run_op("Where", 16, {}, {&c, &f, &l}), Error);
  EXPECT_THROW(run_op("Where", 16, {}, {&f, &f, &f}), Error);  // the condition must be bool
  EXPECT_THROW(run_op("And", 7, {}, {&c, &f}), Error);
  EXPECT_THROW(run_op("Not", 1, {}, {&f}), Error);
}

TEST(Logic, NotAndOrWithBroadcast) {
  const Tensor a = bool_tensor({2, 2}, {1, 0, 1, 0});
  const Tensor b = bool_tensor({2, 1}, {1, 0});
  EXPECT_EQ(bools(run_op("Not", 1, {}, {&a})[0]), (std::vector<int64_t>{0, 1, 0, 1}));
  EXPECT_EQ(bools(run_op("And", 7, {}, {&a, &b})[0]), (std::vector<int64_t>{1, 0, 0, 0}));
  EXPECT_EQ(bools(run_op("Or", 7, {}, {&a, &b})[0]), (std::vector<int64_t>{1, 1, 1, 0}));
}

TEST(Where, BroadcastsThreeDifferentShapes) {
  // cond [2,1,3], x [1,2,1], y [3]: out [2,2,3].
  const Tensor c = bool_tensor({2, 1, 3}, {1, 0, 1, 0, 0, 1});
  const Tensor x = make_tensor<float>({1, 2, 1}, {10, 20});
  const Tensor y = make_tensor<float>({3}, {-1, -2, -3});
  const std::vector<float> expected = {10, -2, 10, 20, -2, 20, -1, -2, 10, -1, -2, 20};
  for (bool reference : {false, true}) {
    KernelHints h;
    h.reference = reference;
    const Tensor out = run_op_hinted("Where", 16, {}, {&c, &x, &y}, h)[0];
    EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2, 3}, expected), out, 0, 0)) << "reference " << reference;
  }
}

TEST(Where, ScoreThresholdRowKeepsScoresAboveAndMarksTheRest) {
  const Tensor s = make_tensor<float>({1, 5}, {0.5f, 0.001f, 0.02f, 0.01f, 0.9f});
  const Tensor t = make_tensor<float>({}, {0.01f});
  const Tensor m1 = make_tensor<float>({}, {-1.f});
  const Tensor cond = run_op("Greater", 13, {}, {&s, &t})[0];
  EXPECT_EQ(bools(cond), (std::vector<int64_t>{1, 0, 1, 0, 1}));
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 5}, {0.5f, -1, 0.02f, -1, 0.9f}),
                            run_op("Where", 9, {}, {&cond, &s, &m1})[0], 0, 0));
}

TEST(Where, EveryValueDtype) {
  const Tensor c = bool_tensor({3}, {1, 0, 1});
  auto check = [&](auto tag) {
    using T = decltype(tag);
    const Tensor x = make_tensor<T>({3}, {T(1), T(0), T(1)});
    const Tensor y = make_tensor<T>({1}, {T(0)});
    EXPECT_EQ(run_op("Where", 16, {}, {&c, &x, &y})[0].to_int_vector(), (std::vector<int64_t>{1, 0, 1}));
  };
  check(float{});
  check(int32_t{});
  check(int64_t{});
  check(int8_t{});
  check(uint8_t{});
  check(bool{});
}

// Empty tensors (a 0 dim) flow through: the output is empty with the broadcast shape.
TEST(Compare, EmptyTensorsFlowThrough) {
  const Tensor fe(DataType::Float, {0, 3});
  const Tensor f3 = make_tensor<float>({3}, {1, 2, 3});
  const Tensor be(DataType::Bool, {0, 3});
  const Tensor b1 = bool_tensor({1}, {1});
  for (const char* op : {"Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual"}) {
    const Tensor out = run_op(op, 13, {}, {&fe, &f3})[0];
    EXPECT_EQ(shape_str(out.shape()), "[0,3]") << op;
    EXPECT_EQ(out.dtype(), DataType::Bool) << op;
  }
  EXPECT_EQ(shape_str(run_op("Not", 1, {}, {&be})[0].shape()), "[0,3]");
  EXPECT_EQ(shape_str(run_op("And", 7, {}, {&be, &b1})[0].shape()), "[0,3]");
  EXPECT_EQ(shape_str(run_op("Or", 7, {}, {&b1, &be})[0].shape()), "[0,3]");
  EXPECT_EQ(shape_str(run_op("Where", 16, {}, {&be, &f3, &f3})[0].shape()), "[0,3]");
  EXPECT_EQ(shape_str(run_op("Where", 16, {}, {&b1, &fe, &f3})[0].shape()), "[0,3]");
}

TEST(Compare, IncompatibleShapesFail) {
  const Tensor a = make_tensor<float>({2}, {1, 2});
  const Tensor b = make_tensor<float>({3}, {1, 2, 3});
  EXPECT_THROW(run_op("Greater", 13, {}, {&a, &b}), Error);
  const Tensor c = bool_tensor({2}, {1, 0});
  EXPECT_THROW(run_op("Where", 16, {}, {&c, &b, &b}), Error);
}

// The vectorised row loops (every pattern of unit and zero inner strides) against the per-element reference.
TEST(Where, FastLoopsMatchReferenceOnRandomBroadcasts) {
  std::mt19937 rng(5);
  const std::vector<Shape> shapes = {{4, 1, 37}, {1, 6, 37}, {4, 6, 1}, {37}, {1}, {4, 6, 37}, {6, 1}, {}};
  KernelHints fast, ref;
  ref.reference = true;
  int cases = 0;
  for (const Shape& sc : shapes)
    for (const Shape& sx : shapes)
      for (const Shape& sy : shapes) {
        Tensor c(DataType::Bool, sc);
        for (int64_t i = 0; i < c.numel(); ++i) c.data<bool>()[i] = rng() & 1;
        const Tensor x = random_tensor(sx, static_cast<uint32_t>(rng()));
        const Tensor y = random_tensor(sy, static_cast<uint32_t>(rng()));
        const Tensor a = run_op_hinted("Where", 16, {}, {&c, &x, &y}, fast)[0];
        const Tensor b = run_op_hinted("Where", 16, {}, {&c, &x, &y}, ref)[0];
        ASSERT_TRUE(tensors_close(b, a, 0, 0)) << shape_str(sc) << " " << shape_str(sx) << " " << shape_str(sy);
        ++cases;
      }
  EXPECT_EQ(cases, 512);
}

TEST(Compare, FastLoopsMatchReferenceOnRandomBroadcasts) {
  const std::vector<Shape> shapes = {{3, 1, 70000}, {1, 2, 70000}, {3, 2, 1}, {70000}, {1}, {3, 2, 70000}};
  KernelHints fast, ref;
  ref.reference = true;
  uint32_t seed = 1;
  for (const Shape& sa : shapes)
    for (const Shape& sb : shapes) {
      Tensor a = random_tensor(sa, seed++, -2.f, 2.f);
      Tensor b = random_tensor(sb, seed++, -2.f, 2.f);
      a.data<float>()[0] = b.data<float>()[0];  // some equal values
      for (const char* op : {"Greater", "LessOrEqual", "Equal"}) {
        const Tensor f = run_op_hinted(op, 13, {}, {&a, &b}, fast)[0];
        const Tensor r = run_op_hinted(op, 13, {}, {&a, &b}, ref)[0];
        ASSERT_TRUE(tensors_close(r, f, 0, 0)) << op << " " << shape_str(sa) << " " << shape_str(sb);
      }
    }
}

}  // namespace
}  // namespace ssdx::test
