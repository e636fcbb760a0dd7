#pragma once
// What a node costs, from its shapes: the multiply-adds of the convolution family (inspect, bench --vs, the plot).
#include "graph/graph.h"

namespace ssdx::study {

// Conv, ssdx.FusedConv, ConvInteger and QLinearConv: N*M*OH*OW*(C/group)*KH*KW multiply-adds, i.e. the output's
// element count times the weight's elements per output channel. 0 for other ops or when a shape is unknown.
double node_macs(const Graph& g, const Node& n);

// The convolution family above (their time is what int8 is meant to save).
bool is_conv_op(const Node& n);

}  // namespace ssdx::study
