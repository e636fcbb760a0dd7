// Embedding ssdx: load a model, print its inputs and outputs, run it once on a seeded fill, print each output's
// shape and first values; with an image as second argument, run the Detector on it too.
//   usage: embed MODEL.onnx [IMAGE.png|jpg]
#include <ssdx/ssdx.h>

#include <cstdio>
#include <random>

namespace api = ssdx::api;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx [IMAGE]\n", argv[0]);
    return 2;
  }
  try {
    std::printf("ssdx %s\n", api::version());
    const api::Session session = api::Session::load(argv[1]);
    api::NamedTensors feeds;
    std::mt19937 rng(1);
    for (const api::TensorInfo& in : session.inputs()) {
      std::printf("input  %s %s %s\n", in.name.c_str(), api::dtype_name(in.dtype), api::shape_string(in.shape).c_str());
      api::Shape shape = in.shape;
      for (int64_t& d : shape) d = d < 0 ? 1 : d;  // run-time dims: 1
      api::Tensor t(in.dtype, shape);               // zeros, then a seeded fill for float inputs
      if (in.dtype == api::DType::Float32)
        for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
      feeds.emplace(in.name, t);
    }
    for (const api::TensorInfo& out : session.outputs())
      std::printf("output %s %s %s\n", out.name.c_str(), api::dtype_name(out.dtype), api::shape_string(out.shape).c_str());

    for (const auto& [name, t] : session.run(feeds)) {
      std::printf("%s %s:", name.c_str(), api::shape_string(t.shape()).c_str());
      for (int64_t i = 0; i < t.numel() && i < 4; ++i)
        if (t.dtype() == api::DType::Float32) std::printf(" %g", t.data<float>()[i]);
        else if (t.dtype() == api::DType::Int64) std::printf(" %lld", static_cast<long long>(t.data<int64_t>()[i]));
      std::printf("\n");
    }
    if (argc > 2) {
      const api::Detector detector = api::Detector::load(argv[1]);
      for (const api::Detection& d : detector.detect_file(argv[2]))
        std::printf("%s %.3f [%.0f %.0f %.0f %.0f]\n", d.class_name.c_str(), d.score, d.x0, d.y0, d.x1, d.y1);
    }
  } catch (const api::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
