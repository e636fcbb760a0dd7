// ssdx make-model: writes an SSD-ResNet34 model with the zoo files' architecture and synthetic weights.
#include <iostream>

#include "graph/error.h"

#include "tools/cli.h"
#include "models/ssd_model.h"

namespace ssdx::cli {

int cmd_make_model(Args& args) {
  models::SsdModelOptions o;
  std::string out;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--size") o.size = parse_int(args.next(a), a, 1, 1 << 20);
    else if (a == "--opset") o.opset = parse_int(args.next(a), a, 1, 100);
    else if (a == "--seed") o.seed = static_cast<uint32_t>(parse_int(args.next(a), a, 0, 1 << 30));
    else if (a == "--fold-bn") o.fold_bn = true;
    else if (a == "--constant-shapes") o.constant_view_shapes = true;
    else if (!a.empty() && a[0] == '-') fail("make-model: unknown option '", a, "'");
    else if (out.empty()) out = a;
    else fail("make-model: unexpected argument '", a, "'");
  }
  if (out.empty()) fail("make-model: no output file given (ssdx make-model OUT.onnx ...)");
  models::write_ssd_model(o, out);
  std::cout << "wrote " << out << ": SSD-ResNet34 " << o.size << "x" << o.size << ", opset " << o.opset
            << (o.fold_bn ? ", BatchNormalization folded" : ", 29 BatchNormalization nodes")
            << (o.constant_view_shapes ? ", constant head views" : ", dynamic head views") << ", seed " << o.seed << "\n";
  return 0;
}

}  // namespace ssdx::cli
