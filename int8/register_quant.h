#pragma once
// The int8 op families. Called by OpRegistry::global() (engine/op_registry.cpp) after the families of ops/.
#include "ops/registry.h"

namespace ssdx {

// Every family of int8/, in a visible list (int8/register_quant.cpp).
void register_quant_ops(OpRegistry& r);

// One per family file (int8/<family>.cpp).
void register_quantize_linear_ops(OpRegistry& r);
void register_qlinear_conv_ops(OpRegistry& r);
void register_qlinear_binary_ops(OpRegistry& r);
void register_qlinear_matmul_ops(OpRegistry& r);
void register_qlinear_lookup_ops(OpRegistry& r);
void register_qlinear_pool_ops(OpRegistry& r);
void register_table_lookup_ops(OpRegistry& r);  // ssdx.TableLookup, made by the QDQ pass

// Domain of onnxruntime's contrib ops (QLinearAdd, QLinearMul, QLinearConcat, QLinearLeakyRelu, QLinearSigmoid,
// QLinearAveragePool, QLinearGlobalAveragePool).
constexpr const char* kMicrosoftDomain = "com.microsoft";

}  // namespace ssdx
