#pragma once
// Where `ssdx compare` reads two models' activations and which tensor of one stands for which of the other.
//
// A probe is a tensor at a layer's end: in a float graph the output of a Conv/BatchNormalization/Relu/Add/MaxPool/
// Concat/Softmax chain (not a Conv whose only reader is its BatchNormalization or Relu), in an int8 graph the 8-bit
// tensor at an int8 kernel's boundary (a QuantizeLinear, QLinearConv or QLinearAdd output, or an 8-bit MaxPool's)
// with the scale and zero point that turn it back into floats. Float tensors a QuantizeLinear reads are never
// probes: reading them would keep the QDQ fusion from building the int8 kernel that is being studied.
#include <string>
#include <vector>

#include "graph/graph.h"

namespace ssdx::study {

struct Probe {
  int value = kNoValue;    // in the model's graph
  std::string name;        // the tensor read (made a graph output)
  std::string float_name;  // the float tensor it stands for: its own name, a QuantizeLinear's input, or a
                           // DequantizeLinear's output
  std::string op;          // the producing op (or "input")
  Shape shape;
  bool quantized = false;  // then value = (q - zero_point) * scale
  DataType qtype = DataType::Undefined;
  float scale = 1;
  int32_t zero_point = 0;
};

// The probes of a graph whose dtypes and shapes are inferred, in graph order.
std::vector<Probe> find_probes(const Graph& g);

struct ProbePair {
  Probe a, b;
  std::string matched_by;  // "name" or "structure"
};

// Pairs probes of two graphs: by float name first, then (for an int8 graph against a float one) through the int8
// kernels' inputs: an int8 kernel whose inputs are matched corresponds to the float node of the same kind reading
// the matched tensors (convolutions also by weight shape), taken to the end of its BatchNormalization/Relu chain.
// Pairs whose shapes differ are dropped. In the order of `pa`.
std::vector<ProbePair> match_probes(const Graph& ga, const std::vector<Probe>& pa, const Graph& gb,
                                    const std::vector<Probe>& pb);

}  // namespace ssdx::study
