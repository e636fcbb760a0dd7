// ssdx run: feed inputs from files (or random data), run, write and summarize the outputs.
#include <sys/stat.h>

#include <chrono>
#include <iomanip>
#include <iostream>

#include "engine/session.h"
#include "graph/printable.h"
#include "graph/onnx_parser.h"
#include "tools/cli.h"
#include "study/feeds.h"
#include "tools/output_file_name.h"

namespace ssdx::cli {
namespace {

void print_summary(const std::string& name, const Tensor& t) {
  std::cout << printable(name) << ": " << dtype_name(t.dtype()) << " " << shape_str(t.shape()) << " [";
  const int64_t shown = std::min<int64_t>(t.numel(), 8);
  for (int64_t i = 0; i < shown; ++i) {
    if (i) std::cout << ", ";
    if (t.dtype() == DataType::Float || t.dtype() == DataType::Float16 || t.dtype() == DataType::BFloat16 ||
        t.dtype() == DataType::Double)
      std::cout << std::setprecision(6) << t.float_at(i);
    else std::cout << t.int_at(i);
  }
  std::cout << (t.numel() > shown ? ", ...]" : "]") << "\n";
}

}  // namespace

int cmd_run(Args& args) {
  std::string model, output_dir;
  std::vector<study::InputFile> input_files;
  bool random_inputs = false;
  SessionOptions opts;
  unsigned seed = 0;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--input") {
      input_files.push_back(study::parse_input_spec(args.next(a)));
    } else if (a == "--random-inputs") {
      random_inputs = true;
    } else if (a == "--seed") {
      seed = static_cast<unsigned>(parse_int(args.next(a), a, 0, 1 << 30));
    } else if (a == "--output-dir") {
      output_dir = args.next(a);
    } else if (parse_session_option(a, args, opts)) {
    } else if (!a.empty() && a[0] == '-') {
      fail("run: unknown option '", a, "'");
    } else if (model.empty()) {
      model = a;
    } else {
      fail("run: unexpected argument '", a, "'");
    }
  }
  if (model.empty()) fail("run: no model given (ssdx run MODEL ...)");

  auto t0 = std::chrono::steady_clock::now();
  auto session = Session::load(model, opts);
  auto t1 = std::chrono::steady_clock::now();

  const TensorMap feeds = study::make_feeds(*session, input_files, random_inputs ? study::RandomFill::Uniform : study::RandomFill::None, seed);

  auto t2 = std::chrono::steady_clock::now();
  TensorMap outputs = session->run(feeds);
  auto t3 = std::chrono::steady_clock::now();

  if (!output_dir.empty()) {
    mkdir(output_dir.c_str(), 0755);
    struct stat st;
    if (stat(output_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail(output_dir, ": cannot create output folder");
  }
  for (size_t i = 0; i < session->outputs().size(); ++i) {
    const TensorInfo& out = session->outputs()[i];
    const Tensor& t = outputs.at(out.name);
    print_summary(out.name, t);
    if (!output_dir.empty()) save_tensor_pb(t, out.name, output_dir + "/" + output_file_name(out.name, i));
  }
  using ms = std::chrono::duration<double, std::milli>;
  std::cout << std::fixed << std::setprecision(1) << "load " << ms(t1 - t0).count() << " ms, run "
            << ms(t3 - t2).count() << " ms (" << session->plan().steps.size() << " nodes, "
            << session->plan().folded << " folded and " << session->plan().fused << " fused at load, arena "
            << std::setprecision(1) << session->plan().arena_bytes / 1048576.0 << " MiB)\n";
  return 0;
}

}  // namespace ssdx::cli
