// Writes the fuzzers' seed corpora: into MODEL_DIR small models in the shapes the engine meets in practice,
//   ssd_postprocess_opset{10,12}.onnx  the generated SSD-ResNet34's post-processing (decode, softmax, NMS, TopK
//                                      chain) with the twelve head outputs as inputs: the backbone cut away
//   int8_{qdq,qdq_per_channel,qoperator}.onnx  a small Conv/Relu/residual Add/MaxPool net quantized by the quantizer
//   float_net.onnx                     the same net in float
// and into IMAGE_DIR small PNGs (gray, gray+alpha, RGB, RGBA) and a JPEG, for the image fuzzer.
// ONNX's node tests and scikit-image's small sample images are added to the corpora by scripts/fuzz.sh.
#include <cstdio>
#include <random>

#include "graph/graph_writer.h"
#include "graph/onnx_builder.h"
#include <stb_image_write.h>
#include <sys/stat.h>

#include "quantizer/calibration.h"
#include "quantizer/quantizer.h"
#include "models/ssd_model.h"

namespace ssdx {
namespace {

void write_ssd_postprocess(int opset, const std::string& path) {
  models::SsdModelOptions o;
  o.size = 385;  // the smallest the generator makes
  o.opset = opset;
  o.fold_bn = true;
  models::write_ssd_postprocess_model(o, path);
}

void write_int8_nets(const std::string& dir) {
  ModelBuilder b(13);
  Attributes conv;
  conv.set_ints("kernel_shape", {3, 3});
  conv.set_ints("pads", {1, 1, 1, 1});
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  auto random = [&](Shape s) {
    Tensor t(DataType::Float, s);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
    return t;
  };
  b.add_input("x", DataType::Float, {1, 3, 16, 16});
  b.add_initializer("w1", random({8, 3, 3, 3}));
  b.add_initializer("b1", random({8}));
  b.add_initializer("w2", random({8, 8, 3, 3}));
  b.add_initializer("b2", random({8}));
  b.add_node("Conv", {"x", "w1", "b1"}, {"c1"}, conv, "conv1");
  b.add_node("Relu", {"c1"}, {"r1"}, {}, "relu1");
  b.add_node("Conv", {"r1", "w2", "b2"}, {"c2"}, conv, "conv2");
  b.add_node("Add", {"c2", "r1"}, {"a"}, {}, "add");
  b.add_node("Relu", {"a"}, {"r2"}, {}, "relu2");
  Attributes pool = Attributes::ints("kernel_shape", {2, 2});
  pool.set_ints("strides", {2, 2});
  b.add_node("MaxPool", {"r2"}, {"y"}, pool, "pool");
  b.add_output("y", DataType::Float, {1, 8, 8, 8});
  const std::string fp32 = dir + "/float_net.onnx";
  b.save(fp32);
  const std::vector<Tensor> calib = {random({1, 3, 16, 16}), random({1, 3, 16, 16})};
  const struct {
    const char* name;
    quantizer::QuantFormat format;
    bool per_channel;
  } forms[] = {{"int8_qdq", quantizer::QuantFormat::QDQ, false},
               {"int8_qdq_per_channel", quantizer::QuantFormat::QDQ, true},
               {"int8_qoperator", quantizer::QuantFormat::QOperator, true}};
  for (const auto& f : forms) {
    Graph g = quantizer::load_for_quantization(fp32);
    const quantizer::RangeMap ranges = quantizer::calibrate(g, quantizer::tensors_to_calibrate(g), calib, quantizer::CalibrationOptions{});
    quantizer::QuantizeOptions q;
    q.format = f.format;
    q.per_channel = f.per_channel;
    quantizer::quantize_graph(g, ranges, q);
    save_graph(g, dir + "/" + f.name + ".onnx");
  }
}

void write_image_seeds(const std::string& dir) {
  mkdir(dir.c_str(), 0755);
  const int w = 13, h = 7;
  std::vector<unsigned char> pixels(static_cast<size_t>(w * h * 4));
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 29 + 3);
  for (int channels = 1; channels <= 4; ++channels) {
    const std::string path = dir + "/seed_" + std::to_string(channels) + "ch.png";
    if (!stbi_write_png(path.c_str(), w, h, channels, pixels.data(), w * channels)) fail("cannot write ", path);
  }
  const std::string jpeg = dir + "/seed.jpg";
  if (!stbi_write_jpg(jpeg.c_str(), w, h, 3, pixels.data(), 90)) fail("cannot write ", jpeg);
}

}  // namespace
}  // namespace ssdx

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ssdx_fuzz_seeds MODEL_DIR IMAGE_DIR\n");
    return 2;
  }
  try {
    const std::string dir = argv[1];
    ssdx::write_ssd_postprocess(10, dir + "/ssd_postprocess_opset10.onnx");
    ssdx::write_ssd_postprocess(12, dir + "/ssd_postprocess_opset12.onnx");
    ssdx::write_int8_nets(dir);
    ssdx::write_image_seeds(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ssdx_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
