#pragma once
// What a node costs, from its shapes: the multiply-adds of the convolution family (inspect, bench --vs, the plot).
#include "graph/graph.h"

namespace ssdx::study {

// The ops whose traits name a weight input (Conv, ssdx.FusedConv, ConvInteger, QLinearConv): conv_macs of the weight
// and output shapes, N*M*OH*OW*(C/group)*KH*KW. 0 for other ops or when a shape is unknown.
double node_macs(const Graph& g, const Node& n);

}  // namespace ssdx::study
