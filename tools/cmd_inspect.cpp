// ssdx inspect: the model as written (ops, tensors, parameters, cost) and, with --plan / --dot / --svg, what ssdx
// will execute after its passes: fused kernels and what they came from, precision, layout, implementation, arena,
// quantization parameters.
#include <iostream>

#include "graph/tensor_io.h"
#include "tools/cli.h"
#include "study/inspect_report.h"
#include "study/plan_dot.h"

namespace ssdx::cli {

int cmd_inspect(Args& args) {
  std::string model, dot_path, svg_path;
  bool plan = false, json = false;
  study::DotOptions dot;
  SessionOptions opts;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--plan") plan = true;
    else if (a == "--json") json = true;
    else if (a == "--dot") dot_path = args.next(a);
    else if (a == "--svg") svg_path = args.next(a);
    else if (a == "--collapse-post") dot.collapse_post = true;
    else if (parse_session_option(a, args, opts)) continue;
    else if (!a.empty() && a[0] == '-') fail("inspect: unknown option '", a, "'");
    else if (model.empty()) model = a;
    else fail("inspect: unexpected argument '", a, "'");
  }
  if (model.empty()) fail("inspect: no model given (ssdx inspect MODEL [--plan] [--json] [--dot OUT.dot] [--svg OUT.svg])");

  const study::ModelSummary summary = study::summarize_model(model, opts.input_shapes);
  study::ExecPlan exec;
  const bool need_plan = plan || !dot_path.empty() || !svg_path.empty();
  if (need_plan) exec = study::describe_plan(*Session::load(model, opts));
  if (!dot_path.empty() || !svg_path.empty()) {
    dot.title = model;
    const std::string text = study::plan_to_dot(exec, dot);
    if (!dot_path.empty()) write_file_bytes(dot_path, text);
    if (!svg_path.empty()) study::render_svg(text, svg_path);
  }
  if (json) std::cout << study::inspect_json(summary, plan ? &exec : nullptr);
  else std::cout << study::summary_text(summary) << (plan ? study::plan_text(exec) : "");
  return 0;
}

}  // namespace ssdx::cli
