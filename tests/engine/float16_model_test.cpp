// float16 and bfloat16: the conversions against values worked out by hand and against the CPU's own F16C
// instruction, the graph's roundings bit for bit against onnxruntime, and float16 models (float16 I/O, and float32
// I/O with Casts at the borders as keep_io_types writes them) against onnxruntime.
#include <cpuid.h>
#include <immintrin.h>

#include <cmath>
#include <limits>

#include "engine/session.h"
#include "graph/half.h"
#include "graph/onnx_builder.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

float f(uint32_t bits) { return float_from_bits(bits); }

TEST(Float16Conversion, HandWorkedValues) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(0.0f), 0x0000);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);   // the largest float16
  EXPECT_EQ(float_to_half(65519.996f), 0x7bff);  // just under half a unit (16) above it
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);    // half a unit above: the tie goes to even, which is inf
  EXPECT_EQ(float_to_half(-1e9f), 0xfc00);
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14)), 0x0400);                           // the smallest normal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -24)), 0x03ff);  // the largest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);                           // the smallest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);      // half of it: a tie, to the even 0
  EXPECT_EQ(float_to_half(f(0x33000001)), 0x0001);              // just above half: up
  EXPECT_EQ(float_to_half(3 * std::ldexp(1.0f, -25)), 0x0002);  // 1.5 units: a tie, to the even 2
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_EQ(float_to_half(-std::ldexp(1.0f, -24)), 0x8001);
  EXPECT_EQ(float_to_half(0.1f), 0x2e66);  // 0.1 = 1.6 * 2^-4: mantissa 0.6 * 1024 = 614.4 -> 614 = 0x266
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // halfway between 1 and 1 + 2^-10: even
  EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // halfway between 0x3c01 and 0x3c02: even
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -23)), 0x3c01);  // past halfway: up
  const uint16_t nan = float_to_half(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0);
  EXPECT_NE(float_to_half(f(0x7f800001)) & 0x03ff, 0);  // a NaN whose payload is below float16's: still NaN

  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x2e66), 0.0999755859375f);  // 1638 * 2^-14
  EXPECT_EQ(half_to_float(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
}

TEST(Float16Conversion, BFloat16HandWorkedValues) {
  EXPECT_EQ(float_to_bfloat16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bfloat16(1.0f / 3), 0x3eab);         // 0x3eaaaaab: the dropped 0xaaab is over half, so up
  EXPECT_EQ(float_to_bfloat16(f(0x3f808000)), 0x3f80);    // a tie with an even mantissa: stays
  EXPECT_EQ(float_to_bfloat16(f(0x3f818000)), 0x3f82);    // a tie with an odd one: up to even
  EXPECT_EQ(float_to_bfloat16(f(0x3f807fff)), 0x3f80);    // under half: down
  EXPECT_EQ(float_to_bfloat16(f(0x7f7fffff)), 0x7f80);    // the largest float rounds up to inf
  EXPECT_EQ(float_to_bfloat16(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_EQ(float_to_bfloat16(std::numeric_limits<float>::quiet_NaN()), 0x7fc0);
  EXPECT_EQ(float_to_bfloat16(f(0x7f800001)), 0x7fc0);    // payload only in the dropped bits: still a NaN
  EXPECT_EQ(float_to_bfloat16(f(0x00000001)), 0x0000);    // bfloat16 keeps float32's subnormals' range
  EXPECT_EQ(bfloat16_to_float(0x3eab), f(0x3eab0000));
  EXPECT_EQ(bfloat16_to_float(0xc000), -2.0f);
}

TEST(Float16Conversion, EveryFloat16SurvivesARoundTrip) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float v = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(v)) {
      EXPECT_EQ(float_to_half(v), h | 0x0200) << h;  // quietened, payload kept
      continue;
    }
    ASSERT_EQ(float_to_half(v), h) << h;
  }
}

// CPUID leaf 1, ECX bit 29 (clang 14 has no "f16c" for __builtin_cpu_supports).
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
}

__attribute__((target("f16c"))) uint16_t f16c_round(float x) {
  return static_cast<uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// The x86 F16C instruction rounds to nearest even by IEEE 754's rules: an oracle independent of graph/half.h.
TEST(Float16Conversion, MatchesTheCpusF16cOnA16MillionFloatSample) {
  if (!cpu_has_f16c()) GTEST_SKIP() << "no F16C on this CPU";
  int64_t differ = 0;
  for (uint64_t k = 0; k < (uint64_t{1} << 32); k += 251) {  // every 251st bit pattern: all exponents, both signs
    const float x = float_from_bits(static_cast<uint32_t>(k));
    if (float_to_half(x) != f16c_round(x) && differ++ < 5)
      ADD_FAILURE() << std::hex << "float 0x" << k << ": 0x" << float_to_half(x) << " != F16C's 0x" << f16c_round(x);
  }
  EXPECT_EQ(differ, 0);
}

// ---- the graph's own casts, bit for bit against onnxruntime ----

Tensor edge_floats() {
  return make_tensor<float>({16}, {1.0f, 65504.0f, 65519.0f, 65520.0f, -70000.0f, std::ldexp(1.0f, -24),
                                   std::ldexp(1.0f, -25), 3 * std::ldexp(1.0f, -25), 0.1f, 1.0f / 3,
                                   std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity(),
                                   f(0x3f808000), f(0x3f818000), 1.0f + std::ldexp(1.0f, -11), -0.0f});
}

TEST(Float16Model, CastToFloat16MatchesOnnxruntimeBitForBit) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {16});
  b.add_output("y", DataType::Float16, {16});
  b.add_node("Cast", {"x"}, {"y"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float16)));
  const TempModelFile file(b, "cast_f16");
  const TensorMap feeds = {{"x", edge_floats()}};
  const Tensor ours = Session::load(file.path)->run(feeds).at("y");
  EXPECT_TRUE(same_bits(run_ort(file.path, feeds).at("y"), ours));
  EXPECT_EQ(static_cast<const uint16_t*>(ours.raw())[8], 0x2e66);  // 0.1
}

// bfloat16 cannot cross onnxruntime-node's boundary, so the graph rounds and widens again: a float32 output whose
// bits are the bfloat16 ones. The inputs include ONNX's own test_cast_FLOAT_to_BFLOAT16 values.
TEST(Float16Model, CastToBfloat16MatchesOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {28});
  b.add_output("y", DataType::Float, {28});
  b.add_node("Cast", {"x"}, {"b"}, Attributes::integer("to", static_cast<int64_t>(DataType::BFloat16)));
  b.add_node("Cast", {"b"}, {"y"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float)));
  const TempModelFile file(b, "cast_bf16");
  Tensor x(DataType::Float, {28});
  const Tensor edges = edge_floats();
  const float onnx_values[] = {0.47892547f, 0.48033667f, 0.49968487f, 0.81910545f, 0.47031248f, 0.816468f,
                               0.21087195f, 0.7229038f, 0.0f, 1e-39f, -3.4e38f, 3.39e38f};
  for (int i = 0; i < 16; ++i) x.data<float>()[i] = edges.data<float>()[i];
  for (int i = 0; i < 12; ++i) x.data<float>()[16 + i] = onnx_values[i];
  const TensorMap feeds = {{"x", x}};
  const Tensor ours = Session::load(file.path)->run(feeds).at("y");
  EXPECT_TRUE(same_bits(run_ort(file.path, feeds).at("y"), ours));
  EXPECT_EQ(float_bits(ours.data<float>()[9]), 0x3eab0000u);  // 1/3
}

// A graph's float -> float16 -> float must still round: the pass keeps it as ssdx.CastRoundTrip.
TEST(Float16Model, AGraphsRoundTripThroughFloat16StillRounds) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {16});
  b.add_output("y", DataType::Float, {16});
  b.add_node("Cast", {"x"}, {"h"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float16)));
  b.add_node("Cast", {"h"}, {"y"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float)));
  const TempModelFile file(b, "cast_round_trip");
  const auto s = Session::load(file.path);
  const TensorMap feeds = {{"x", edge_floats()}};
  const Tensor ours = s->run(feeds).at("y");
  EXPECT_TRUE(same_bits(run_ort(file.path, feeds).at("y"), ours));
  EXPECT_EQ(ours.data<float>()[8], 0.0999755859375f);
  EXPECT_EQ(ours.data<float>()[3], std::numeric_limits<float>::infinity());
  bool round_trip = false;
  for (const PlannedStep& p : s->plan().steps) round_trip = round_trip || p.op_type == "CastRoundTrip";
  EXPECT_TRUE(round_trip);
}

// ---- float16 models ----

// The values of a float16 tensor drawn uniform in [lo, hi) (rounded to float16).
Tensor random_half(Shape shape, uint32_t seed, float lo, float hi) {
  return round_to_half(random_tensor(std::move(shape), seed, lo, hi), DataType::Float16);
}

// Conv (float16 weights) -> Relu -> Add -> MaxPool -> Softmax over channels, concatenated with the pooled values,
// reshaped flat. `io` is the dtype of the graph's input and output: float16, or float32 with Casts at the borders
// (onnxconverter-common's keep_io_types).
void add_float16_body(ModelBuilder& b, DataType io) {
  b.add_input("x", io, {1, 3, 12, 12});
  b.add_output("y", io, {1, 576});
  b.add_initializer("w", random_half({8, 3, 3, 3}, 11, -0.5f, 0.5f));
  b.add_initializer("bias", random_half({8}, 12, -0.2f, 0.2f));
  b.add_initializer("shift", random_half({1, 8, 1, 1}, 13, -1.f, 1.f));
  b.add_initializer("flat", make_tensor<int64_t>({2}, {1, -1}));
  std::string x = "x";
  if (io == DataType::Float) {
    b.add_node("Cast", {"x"}, {"x16"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float16)));
    x = "x16";
  }
  Attributes conv;
  conv.set_ints("kernel_shape", {3, 3});
  conv.set_ints("pads", {1, 1, 1, 1});
  b.add_node("Conv", {x, "w", "bias"}, {"c"}, conv);
  b.add_node("Relu", {"c"}, {"r"});
  b.add_node("Add", {"r", "shift"}, {"a"});
  Attributes pool;
  pool.set_ints("kernel_shape", {2, 2});
  pool.set_ints("strides", {2, 2});
  b.add_node("MaxPool", {"a"}, {"p"}, pool);
  b.add_node("Softmax", {"p"}, {"s"}, Attributes::integer("axis", 1));
  b.add_node("Concat", {"s", "p"}, {"cat"}, Attributes::integer("axis", 1));
  const std::string out = io == DataType::Float ? "y16" : "y";
  b.add_node("Reshape", {"cat", "flat"}, {out});
  if (io == DataType::Float)
    b.add_node("Cast", {"y16"}, {"y"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float)));
}

// Tolerance: both engines compute the chain in float32 and round the output to float16, so they agree bit for bit
// but where their float32 results (summation order, exp) differ by ~1e-6 across a float16 rounding boundary: one
// float16 step, at most 2^-10 of the value (2^-24 absolute for subnormals).
constexpr double kHalfRtol = 1.0 / 1024, kHalfAtol = 1e-7;

TEST(Float16Model, Float16InputsAndOutputsMatchOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  add_float16_body(b, DataType::Float16);
  const TensorMap feeds = {{"x", random_half({1, 3, 12, 12}, 5, -2.f, 2.f)}};
  expect_same_as_ort(b, "float16_io", feeds, kHalfAtol, kHalfRtol);
  const TempModelFile file(b, "float16_io_sig");
  const auto s = Session::load(file.path);
  EXPECT_EQ(s->inputs()[0].dtype, DataType::Float16);  // the signature keeps its dtypes
  EXPECT_EQ(s->outputs()[0].dtype, DataType::Float16);
}

// The inputs are float16 values: onnxruntime drops the rounding of a graph's Cast to float16 when the next op has
// no float16 kernel (it merges that Cast with the one back to float32 it puts before the op), ssdx keeps it, as
// ONNX says; on float16 values the rounding changes nothing and the engines can be compared.
TEST(Float16Model, KeepIoTypesFormMatchesOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  add_float16_body(b, DataType::Float);
  const TensorMap feeds = {{"x", widen_to_float32(random_half({1, 3, 12, 12}, 6, -2.f, 2.f))}};
  expect_same_as_ort(b, "float16_keep_io", feeds, kHalfAtol, kHalfRtol);
  // The graph's last Cast reads a float16 value: the float32 output holds float16 values only.
  const TempModelFile file(b, "float16_keep_io_own");
  const Tensor y = Session::load(file.path)->run(feeds).at("y");
  ASSERT_EQ(y.dtype(), DataType::Float);
  for (int64_t i = 0; i < y.numel(); ++i) ASSERT_EQ(half_to_float(float_to_half(y.data<float>()[i])), y.data<float>()[i]) << i;
}

// A Cast to int64 of a value the graph computes in float16 sees the float16 value: 2048 + 1 = 2049 is a tie between
// the float16 values 2048 and 2050 and goes to the even 2048, as ONNX defines the float16 Add. Worked out by hand:
// onnxruntime 1.30 gives 2049 here, having merged the Cast to float16 it puts after its float32 Add with the graph's
// Cast to int64 (docs/float16_models.md).
TEST(Float16Model, CastToIntegerSeesTheFloat16Value) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {3});
  b.add_output("k", DataType::Int64, {3});
  b.add_initializer("one", round_to_half(make_tensor<float>({1}, {1.f}), DataType::Float16));
  b.add_node("Cast", {"x"}, {"h"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float16)));
  b.add_node("Add", {"h", "one"}, {"s"});
  b.add_node("Cast", {"s"}, {"k"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int64)));
  const TensorMap feeds = {{"x", make_tensor<float>({3}, {2048.f, 2050.f, -3.19921875f})}};
  const TempModelFile file(b, "cast_to_int");
  const Tensor k = Session::load(file.path)->run(feeds).at("k");
  // 2050 + 1 = 2051: a tie between 2050 and 2052, to 2052 (even mantissa); -3.19921875 + 1 = -2.19921875, a
  // float16 value, truncated to -2.
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {2048, 2052, -2}), k));
}

// bfloat16 compute with float32 I/O: onnxruntime-node cannot carry bfloat16 tensors. The values are worked out by
// hand: x rounds to bfloat16 (8 significant bits), the bfloat16 weights are exact, the sum is rounded at the end.
TEST(Float16Model, Bfloat16ComputeRoundsAtTheGraphsCasts) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {4});
  b.add_output("y", DataType::Float, {4});
  b.add_initializer("w", round_to_half(make_tensor<float>({4}, {0.5f, 1.f, 3.f, -1.f}), DataType::BFloat16));
  b.add_node("Cast", {"x"}, {"xb"}, Attributes::integer("to", static_cast<int64_t>(DataType::BFloat16)));
  b.add_node("Mul", {"xb", "w"}, {"m"});
  b.add_node("Relu", {"m"}, {"r"});
  b.add_node("Cast", {"r"}, {"y"}, Attributes::integer("to", static_cast<int64_t>(DataType::Float)));
  const TempModelFile file(b, "bf16_compute");
  const auto s = Session::load(file.path);
  const Tensor y = s->run({{"x", make_tensor<float>({4}, {1.0f / 3, 257.f, 1.01f, 2.f})}}).at("y");
  // 1/3 -> 0x3eab = 0.333984375, * 0.5 exact; 257 -> 256 (a tie, to even); 1.01 -> 1.0078125, * 3 = 3.0234375, a tie
  // between 3.015625 (mantissa 65/128) and 3.03125 (66/128) in bfloat16's steps of 2^-6 there: to the even 3.03125;
  // -2 -> 0.
  EXPECT_TRUE(same_bits(make_tensor<float>({4}, {0.1669921875f, 256.f, 3.03125f, 0.f}), y));
}

// If branches compute in float16 too: then x + k (k a float16 initializer of the branch), else x * w (w one of the
// main graph), x a float16 input read from the outer scope, the If's output a float16 graph output.
TEST(Float16Model, IfBranchesInFloat16MatchOnnxruntime) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float16, {2, 3});
  b.add_input("cond", DataType::Bool, {});
  b.add_output("y", DataType::Float16, {2, 3});
  b.add_initializer("w", round_to_half(make_tensor<float>({3}, {2, -1, 0.3f}), DataType::Float16));
  ModelBuilder then_b, else_b;
  then_b.add_initializer("k", round_to_half(make_tensor<float>({}, {0.1f}), DataType::Float16));
  then_b.add_node("Add", {"x", "k"}, {"then_y"}, {}, "then_add");
  then_b.add_output("then_y", DataType::Float16, {2, 3});
  else_b.add_node("Mul", {"x", "w"}, {"else_y"}, {}, "else_mul");
  else_b.add_output("else_y", DataType::Float16, {2, 3});
  b.add_if("cond", {"y"}, then_b, else_b, "if1");
  for (bool c : {true, false}) {
    SCOPED_TRACE(c ? "then" : "else");
    const TensorMap feeds = {{"x", random_half({2, 3}, 3, -4.f, 4.f)}, {"cond", make_tensor<bool>({}, {c})}};
    expect_same_as_ort(b, "float16_if", feeds, kHalfAtol, kHalfRtol);
  }
}

// A free batch dim: each batch size met is compiled from the model as loaded, float16 pass included.
TEST(Float16Model, FreeBatchDimCompilesEachShape) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float16, {-1, 2}, {"batch"});
  b.add_output("y", DataType::Float16, {-1, 2}, {"batch"});
  b.add_node("Relu", {"x"}, {"y"});
  const TempModelFile file(b, "float16_batch");
  const auto s = Session::load(file.path);
  for (int64_t batch : {2, 3}) {
    Tensor x = random_half({batch, 2}, static_cast<uint32_t>(batch), -1.f, 1.f);
    Tensor expected = x.clone();
    auto* e = static_cast<uint16_t*>(expected.raw());
    for (int64_t i = 0; i < expected.numel(); ++i)
      if (e[i] & 0x8000) e[i] = 0;  // Relu on the bits: negatives (and -0) become +0
    EXPECT_TRUE(same_bits(expected, s->run({{"x", x}}).at("y")));
  }
  EXPECT_EQ(s->compiled_shapes().size(), 2u);
}

}  // namespace
}  // namespace ssdx::test
