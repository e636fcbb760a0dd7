// ssdx add-postprocess: appends a detector family's post-processing as ONNX nodes to a raw-head model file.
#include <iostream>

#include "graph/error.h"
#include "graph/graph_writer.h"
#include "graph/onnx_parser.h"
#include "models/mmdet_postprocess.h"
#include "tools/cli.h"

namespace ssdx::cli {

int cmd_add_postprocess(Args& args) {
  std::string model, family, out;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--family") {
      family = args.next(a);
    } else if (a == "-o" || a == "--output") {
      out = args.next(a);
    } else if (!a.empty() && a[0] == '-') {
      fail("add-postprocess: unknown option '", a, "'");
    } else if (model.empty()) {
      model = a;
    } else {
      fail("add-postprocess: more than one model given ('", model, "', '", a, "')");
    }
  }
  if (model.empty()) fail("add-postprocess: no MODEL given");
  if (family.empty()) fail("add-postprocess: --family is required (mmdet-ssd300)");
  if (family != "mmdet-ssd300") fail("add-postprocess: unknown --family '", family, "' (mmdet-ssd300)");
  if (out.empty()) fail("add-postprocess: -o OUT.onnx is required");
  Graph g = load_onnx(model);
  models::add_mmdet_ssd300_postprocess(g);
  save_graph(g, out);
  std::cout << "wrote " << out << " (dets [N, 200, 5], labels [N, 200])\n";
  return 0;
}

}  // namespace ssdx::cli
