#pragma once
// `ssdx inspect --dot/--svg`: the execution plan as a Graphviz graph. One box per kernel (so a QDQ group is the one
// int8 kernel it became), filled by precision, sized and labelled by cost; edges are activations.
#include <string>

#include "study/exec_plan.h"

namespace ssdx::study {

struct DotOptions {
  // Kernels from which no convolution can be reached (the SSD's decode, softmax, NMS and their shape arithmetic)
  // drawn as one box: the full SSD graph stays readable.
  bool collapse_post = false;
  std::string title;
};

std::string plan_to_dot(const ExecPlan& plan, const DotOptions& opts);

// Renders DOT text to SVG with Graphviz's `dot`; fails with one line when `dot` is not on PATH or fails.
void render_svg(const std::string& dot_text, const std::string& svg_path);

}  // namespace ssdx::study
