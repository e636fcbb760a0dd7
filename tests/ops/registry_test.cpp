// The op registry's contract (version ranges) and the op traits tools read instead of op names, checked against
// the ONNX operator signatures and hand-counted multiply-adds.
#include <gtest/gtest.h>

#include "ops/conv.h"
#include "ops/registry.h"

namespace ssdx::test {
namespace {

OpDef def_of(const char* op, int64_t since, int64_t end) {
  OpDef d;
  d.op_type = op;
  d.since_version = since;
  d.end_version = end;
  return d;
}

TEST(OpRegistry, PicksTheEntryCoveringTheOpsetAndRefusesOverlaps) {
  OpRegistry r;
  r.add(def_of("Op", 1, 10));
  r.add(def_of("Op", 13, 15));
  EXPECT_EQ(r.find("", "Op", 1)->since_version, 1);
  EXPECT_EQ(r.find("", "Op", 10)->since_version, 1);
  EXPECT_EQ(r.find("", "Op", 11), nullptr);  // the gap between the ranges
  EXPECT_EQ(r.find("", "Op", 14)->since_version, 13);
  EXPECT_EQ(r.find("", "Op", 16), nullptr);
  EXPECT_THROW(r.add(def_of("Op", 5, 12)), Error);   // overlaps [1, 10]
  EXPECT_THROW(r.add(def_of("Op", 15, 20)), Error);  // overlaps [13, 15] at 15
  EXPECT_THROW(r.add(def_of("Op", 12, 11)), Error);  // empty range
  EXPECT_NO_THROW(r.add(def_of("Op", 11, 12)));      // fills the gap exactly
}

// ONNX's QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
TEST(OpTraits, QuantizationSlotsFollowTheOnnxSignatures) {
  const OpRegistry& r = OpRegistry::global();
  const OpTraits& conv = r.find("", "QLinearConv", 10)->traits;
  ASSERT_EQ(conv.quant_slots.size(), 3u);
  EXPECT_EQ(conv.quant_slots[0].tensor, 0);
  EXPECT_EQ(conv.quant_slots[0].scale, 1);
  EXPECT_EQ(conv.quant_slots[0].zero_point, 2);
  EXPECT_EQ(conv.quant_slots[1].tensor, 3);
  EXPECT_EQ(conv.quant_slots[1].scale, 4);
  EXPECT_EQ(conv.quant_slots[1].zero_point, 5);
  EXPECT_EQ(conv.quant_slots[2].tensor, QuantSlot::kOutput0);
  EXPECT_EQ(conv.quant_slots[2].scale, 6);
  EXPECT_EQ(conv.quant_slots[2].zero_point, 7);
  EXPECT_EQ(conv.weight_input, 3);
  // com.microsoft QLinearAdd: A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale, C_zero_point.
  const OpTraits& add = r.find(kMicrosoftDomain, "QLinearAdd", 1)->traits;
  ASSERT_EQ(add.quant_slots.size(), 3u);
  EXPECT_EQ(add.quant_slots[1].tensor, 3);
  EXPECT_EQ(add.quant_slots[2].scale, 6);
  // QuantizeLinear(x, y_scale, y_zero_point) writes the 8-bit tensor; DequantizeLinear reads it as input 0.
  for (int64_t opset : {10, 13}) {
    EXPECT_TRUE(r.find("", "QuantizeLinear", opset)->traits.quantizes());
    EXPECT_FALSE(r.find("", "QuantizeLinear", opset)->traits.dequantizes());
    EXPECT_TRUE(r.find("", "DequantizeLinear", opset)->traits.dequantizes());
  }
  EXPECT_EQ(r.find("", "Conv", 11)->traits.weight_input, 1);
  EXPECT_EQ(r.find(kInternalDomain, "FusedConv", 1)->traits.weight_input, 1);
  EXPECT_EQ(r.find("", "ConvInteger", 10)->traits.weight_input, 1);
  EXPECT_TRUE(r.find("", "Relu", 14)->traits.quant_slots.empty());
}

TEST(OpTraits, DataMovementKeepsQuantizationArithmeticDoesNot) {
  const OpRegistry& r = OpRegistry::global();
  for (const char* op : {"MaxPool", "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Slice", "Identity"})
    EXPECT_TRUE(r.find("", op, 13)->traits.keeps_quantization) << op;
  for (const char* op : {"Add", "Relu", "Concat", "Softmax", "Conv"})
    EXPECT_FALSE(r.find("", op, 13)->traits.keeps_quantization) << op;
}

TEST(ConvMacs, CountsOutputElementsTimesTapsPerGroup) {
  // 1x64x38x38 output of a 3x3 convolution over 32 input channels in 2 groups: 16 channels x 9 taps each.
  EXPECT_DOUBLE_EQ(conv_macs({64, 16, 3, 3}, {1, 64, 38, 38}), 1.0 * 64 * 38 * 38 * 16 * 9);
  // A 1x1 convolution, batch 2.
  EXPECT_DOUBLE_EQ(conv_macs({256, 1024, 1, 1}, {2, 256, 19, 19}), 2.0 * 256 * 19 * 19 * 1024);
}

}  // namespace
}  // namespace ssdx::test
