#pragma once
// Graph -> ONNX: writes the IR back as a model file (what `ssdx quantize` produces), through ModelBuilder.
#include <string>

#include "graph/graph.h"

namespace ssdx {

// The model as ONNX bytes: the graph's IR version and opset imports, graph inputs and outputs with dtype and shape
// (unknown dims become symbolic, an unknown rank leaves the shape out), every constant a live node or a graph output
// reads as an initializer, and the live nodes in order with their subgraphs (If branches), written the same way;
// implicit inputs are left to ONNX's name scoping. Fails on a value without a name or an attribute that cannot be
// written (a GRAPHS list).
std::string serialize_graph(const Graph& g);
void save_graph(const Graph& g, const std::string& path);

}  // namespace ssdx
