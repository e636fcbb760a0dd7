// ssdx run: feed inputs from files (or random data), run, write and summarize the outputs.
#include <sys/stat.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <random>

#include "engine/session.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "tools/cli.h"

namespace ssdx::cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Tensor load_input_file(const std::string& path) {
  if (ends_with(path, ".npy")) return load_npy(path);
  return load_tensor_pb(path);
}

// Random data for an input: unknown dims become 1; floats uniform in [-1, 1), integers in [0, 10).
Tensor random_input(const TensorInfo& info, std::mt19937& rng) {
  Shape shape = info.shape;
  for (int64_t& d : shape)
    if (d < 0) d = 1;
  Tensor t(info.dtype, shape);
  std::uniform_real_distribution<float> uf(-1.f, 1.f);
  std::uniform_int_distribution<int> ui(0, 9);
  dispatch_dtype(info.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, float>) p[i] = uf(rng);
      else p[i] = static_cast<T>(ui(rng));
    }
  });
  return t;
}

void print_summary(const std::string& name, const Tensor& t) {
  std::cout << name << ": " << dtype_name(t.dtype()) << " " << shape_str(t.shape()) << " [";
  const int64_t shown = std::min<int64_t>(t.numel(), 8);
  for (int64_t i = 0; i < shown; ++i) {
    if (i) std::cout << ", ";
    if (t.dtype() == DataType::Float) std::cout << std::setprecision(6) << t.float_at(i);
    else std::cout << t.int_at(i);
  }
  std::cout << (t.numel() > shown ? ", ...]" : "]") << "\n";
}

}  // namespace

int cmd_run(Args& args) {
  std::string model, output_dir;
  std::vector<std::pair<std::string, std::string>> input_files;
  bool random_inputs = false;
  SessionOptions opts;
  unsigned seed = 0;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--input") {
      const std::string spec = args.next(a);
      const size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0) fail("--input expects NAME=FILE, got '", spec, "'");
      input_files.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    } else if (a == "--random-inputs") {
      random_inputs = true;
    } else if (a == "--seed") {
      seed = static_cast<unsigned>(parse_int(args.next(a), a, 0, 1 << 30));
    } else if (a == "--output-dir") {
      output_dir = args.next(a);
    } else if (a == "--threads") {
      opts.threads = parse_int(args.next(a), a, 1, 1024);
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

  TensorMap feeds;
  for (const auto& [name, file] : input_files) feeds[name] = load_input_file(file);
  std::mt19937 rng(seed);
  for (const TensorInfo& in : session->inputs()) {
    if (feeds.count(in.name)) continue;
    if (!random_inputs) fail("input '", in.name, "' ", dtype_name(in.dtype), " ", shape_str(in.shape), " was not given (use --input ", in.name, "=FILE or --random-inputs)");
    feeds[in.name] = random_input(in, rng);
  }

  auto t2 = std::chrono::steady_clock::now();
  TensorMap outputs = session->run(feeds);
  auto t3 = std::chrono::steady_clock::now();

  if (!output_dir.empty()) {
    mkdir(output_dir.c_str(), 0755);
    struct stat st;
    if (stat(output_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) fail(output_dir, ": cannot create output folder");
  }
  for (const TensorInfo& out : session->outputs()) {
    const Tensor& t = outputs.at(out.name);
    print_summary(out.name, t);
    if (!output_dir.empty()) save_tensor_pb(t, out.name, output_dir + "/" + out.name + ".pb");
  }
  using ms = std::chrono::duration<double, std::milli>;
  std::cout << std::fixed << std::setprecision(1) << "load " << ms(t1 - t0).count() << " ms, run "
            << ms(t3 - t2).count() << " ms (" << session->graph().nodes.size() << " nodes, "
            << session->folded_nodes() << " folded at load)\n";
  return 0;
}

}  // namespace ssdx::cli
