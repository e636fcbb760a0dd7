#include "study/feeds.h"

#include <random>

#include "graph/half.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"

namespace ssdx::study {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Tensor load_input_file(const std::string& path) {
  if (ends_with(path, ".npy")) return load_npy(path);
  return load_tensor_pb(path);
}

Tensor random_input(const TensorInfo& info, RandomFill fill, std::mt19937& rng) {
  Shape shape = info.shape;
  for (int64_t& d : shape)
    if (d < 0) d = 1;
  if (is_half_type(info.dtype))  // the same values as a float32 input's, rounded to the input's 16-bit type
    return round_to_half(random_input({info.name, DataType::Float, shape}, fill, rng), info.dtype);
  Tensor t(info.dtype, shape);
  std::uniform_real_distribution<float> uf(-1.f, 1.f);
  std::normal_distribution<float> nf(0.f, 1.f);
  std::uniform_int_distribution<int> ui(0, 9);
  dispatch_dtype(info.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, float>) p[i] = fill == RandomFill::Normal ? nf(rng) : uf(rng);
      else p[i] = static_cast<T>(ui(rng));
    }
  });
  return t;
}

}  // namespace

InputFile parse_input_spec(const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) fail("--input expects NAME=FILE, got '", spec, "'");
  return {spec.substr(0, eq), spec.substr(eq + 1)};
}

TensorMap make_feeds(const Session& session, const std::vector<InputFile>& files, RandomFill fill, unsigned seed) {
  TensorMap feeds;
  for (const InputFile& f : files) {
    if (feeds.count(f.name)) fail("--input '", f.name, "' is given twice");
    feeds[f.name] = load_input_file(f.path);
  }
  std::mt19937 rng(seed);
  for (const TensorInfo& in : session.inputs()) {
    if (feeds.count(in.name)) continue;
    if (fill == RandomFill::None)
      fail("input '", in.name, "' ", dtype_name(in.dtype), " ", shape_str(in.shape), " was not given (use --input ",
           in.name, "=FILE or --random-inputs)");
    feeds[in.name] = random_input(in, fill, rng);
  }
  return feeds;
}

}  // namespace ssdx::study
