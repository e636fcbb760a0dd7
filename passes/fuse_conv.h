#pragma once
// Convolution rewrites that let one oneDNN primitive do the work of several nodes. Each returns how many nodes it
// removed; removed nodes are marked dead (compact() drops them). They need dtypes and shapes inferred.
#include "graph/graph.h"

namespace ssdx {

// Conv(W, B) -> BatchNormalization  =>  Conv(W', B') with W' = W * a, B' = (B - mean) * a + beta,
// a = scale / sqrt(var + eps) per output channel (float arithmetic, as onnxruntime folds it).
int fold_batchnorm(Graph& g);
// Conv -> Add(·, Z) with Z of the output's shape  =>  FusedConv(X, W, B, Z): the residual joins as a sum post-op.
int fuse_conv_add(Graph& g);
// Conv/FusedConv -> Relu  =>  FusedConv(activation = "Relu").
int fuse_conv_relu(Graph& g);
// Conv/FusedConv -> Clip with constant bounds lo <= hi  =>  FusedConv(activation = "Clip", activation_params = [lo,
// hi]): oneDNN's eltwise_clip post-op (a NaN output becomes lo there; the standalone Clip keeps NaN).
int fuse_conv_clip(Graph& g);
// Identity nodes whose output is not a graph output: consumers read the input directly.
int remove_identity(Graph& g);

}  // namespace ssdx
