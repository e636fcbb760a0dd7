// ssdx: the command-line front end. Every failure prints one line "ssdx: error: ..." and exits non-zero.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "graph/error.h"
#include "graph/printable.h"
#include "tools/cli.h"

namespace {

const char* kUsage =
    "usage: ssdx <command> [options]\n"
    "commands:\n"
    "  run MODEL [--input NAME=FILE]... [--random-inputs] [--seed N] [--output-dir DIR] [engine options]\n"
    "      run a model; FILE is a TensorProto (.pb) or NumPy (.npy) file; outputs go to DIR/<name>.pb, the name\n"
    "      %XX-encoded except [A-Za-z0-9_.-] (a leading '.' too), cut at 200 bytes as <start>~<output index>\n"
    "  make-model OUT.onnx [--size S] [--opset 10|12] [--seed N] [--fold-bn] [--constant-shapes]\n"
    "      write an SSD-ResNet34 model (ssd-10/ssd-12 architecture) with synthetic weights\n"
    "  make-model --arch face-ssd-mobilenetv1 --weights DIR OUT.onnx [--fold-bn] [--opset 10..13]\n"
    "      import face-api's trained SSD-MobileNetV1 face detector from its TF.js weights in DIR\n"
    "      (scripts/fetch_face_weights.sh fetches them)\n"
    "  make-model --arch mmdet-ssd300 OUT.onnx [--seed N] [--static-batch]\n"
    "      write mmdetection's SSD300 (VGG16) as IGIE exports it (dynamic batch, 12 raw head outputs)\n"
    "  make-model --arch gluon-ssd_300_vgg16_atrous|gluon-ssd_512_vgg16_atrous|gluon-ssd_512_resnet50_v1|\n"
    "             gluon-ssd_512_mobilenet1.0 OUT.onnx [--classes 20|80] [--export-block] [--seed N]\n"
    "      write gluon-cv's SSD as MXNet 1.9's exporter writes it (in-graph decode and NMS, ids/scores/bboxes\n"
    "      [1, 100, .] padded with -1); --export-block: NHWC 0..255 input with the normalisation in the graph\n"
    "  make-model --arch mmdeploy-ssd300 OUT.onnx [--seed N]\n"
    "      write mmdetection's SSD300 as mmdeploy exports it end to end (batch 1, dets and labels)\n"
    "  add-postprocess MODEL --family mmdet-ssd300 -o OUT.onnx\n"
    "      append mmdetection's SSD300 post-processing (dets [N, 200, 5], labels [N, 200]) to its raw heads\n"
    "  detect MODEL IMAGE... [--threshold T] [--json] [--draw OUT.png] [--labels FILE] [--letterbox | --stretch]\n"
    "         [--resize bilinear|pillow-bilinear] [engine options]\n"
    "      detect objects in PNG/JPEG images: one line per object scoring >= T (default: the model's\n"
    "      ssdx.detect.min_score, else 0.3), boxes in pixels; preprocessing and labels from the model's metadata\n"
    "  bench MODEL [engine options] [--runs N] [--warmup N] [--input NAME=FILE]... [--profile TRACE.json] [--json]\n"
    "        [--top N] [--seed N] [--peak-per-core GFLOPS] [--vs MODEL_B [--precision-b fp32|bf16]]\n"
    "      time a model (default 2 warm-up + 10 runs, random inputs unless given): latency percentiles, throughput,\n"
    "      top-N nodes and op types by time with GFLOP/s; --profile writes a Chrome trace of the last run;\n"
    "      --vs MODEL_B: both models on the same input, per-layer times side by side with the speed-up (runs\n"
    "      interleaved; --precision-b: B's precision, e.g. a model against itself in bf16)\n"
    "  quantize MODEL --calib IMAGE... --format qdq|qoperator [--per-channel] [--method minmax|percentile|entropy]\n"
    "        [--percentile P] [--opset N] [--threads N] [--qdq-style absorbed|ort] -o OUT.onnx\n"
    "      static int8 quantization calibrated on PNG/JPEG images: uint8 activations, int8 weights (per tensor or\n"
    "      per output channel), QDQ pairs or QLinearConv/QLinearAdd; post-processing stays float; --qdq-style ort:\n"
    "      a Relu after an Add stays float with a Q/DQ pair on each side, as onnxruntime's quantizer writes\n"
    "  inspect MODEL [--plan] [--json] [--dot OUT.dot] [--svg OUT.svg] [--collapse-post] [engine options]\n"
    "      the model as written (ops, inputs/outputs, parameters, GMAC per node); --plan: the kernels ssdx runs after\n"
    "      its passes (what each was fused from, precision, layout, implementation, quantization parameters, arena);\n"
    "      --dot/--svg: that plan as a Graphviz picture (--svg needs Graphviz's dot); --collapse-post: one box for\n"
    "      the post-processing\n"
    "  compare MODEL_A MODEL_B IMAGE... [--threshold T] [--json] [--plot OUT.svg] [--precision-b fp32|bf16]\n"
    "          [engine options]\n"
    "      run two detectors (e.g. fp32 and its int8 form) on the same images: per-layer SQNR, max/mean absolute error\n"
    "      and int8 saturation of the tensors both graphs have, then how the detections agree; --plot: SQNR by layer;\n"
    "      --precision-b: B's precision (default --precision's), e.g. one model against itself in bf16\n"
    "engine options: --threads N, --direct-conv (no Winograd 3x3 convolutions), --precision fp32|bf16 (bf16: the\n"
    "  float convolutions take bfloat16 inputs and weights, accumulate in fp32; needs AVX512_BF16 or AMX, else fp32),\n"
    "  --no-optimize (no BN folding or conv fusion: run the graph as written), --reference-kernels (every op's\n"
    "  plain reference loop: slow; to tell a fast-kernel bug from a model problem), --max-weights-mb N /\n"
    "  --max-arena-mb N (weights, folded constants included / activations of one run, arena and run-time tensors:\n"
    "  fail with one line rather than allocate more; default 8 GiB each; SSDX_MAX_TENSOR_BYTES=N bytes caps any\n"
    "  one tensor, default 8 GiB), --dump-passes (the graph after each optimization pass, on stderr)\n";

// Every error is one line on stderr: names and paths in it come from models and users, so its control bytes and
// invalid UTF-8 are escaped, and a model cannot make it longer than a few terminal screens.
constexpr size_t kMaxErrorBytes = 2000;
int report_error(const std::string& message) {
  std::cerr << "ssdx: error: " << ssdx::printable_capped(message, kMaxErrorBytes) << "\n";
  return 1;
}

int run_command(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  ssdx::cli::Args args;
  for (int i = 2; i < argc; ++i) args.items.emplace_back(argv[i]);
  const std::string cmd = argv[1];
  try {
    if (cmd == "run") return ssdx::cli::cmd_run(args);
    if (cmd == "make-model") return ssdx::cli::cmd_make_model(args);
    if (cmd == "detect") return ssdx::cli::cmd_detect(args);
    if (cmd == "bench") return ssdx::cli::cmd_bench(args);
    if (cmd == "quantize") return ssdx::cli::cmd_quantize(args);
    if (cmd == "inspect") return ssdx::cli::cmd_inspect(args);
    if (cmd == "compare") return ssdx::cli::cmd_compare(args);
    if (cmd == "add-postprocess") return ssdx::cli::cmd_add_postprocess(args);
    report_error("unknown command '" + cmd + "'");
    std::cerr << kUsage;
    return 2;
  } catch (const std::bad_alloc&) {
    return report_error("out of memory");
  } catch (const std::exception& e) {
    return report_error(e.what());
  }
}

// What a command printed is its result: lost on a full disk or a closed pipe, the command failed.
int check_stdout(int code) {
  errno = 0;
  std::cout.flush();  // through to stdio's buffer, and stdio's flush: the first failure sets errno
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && std::cout.good() && !std::ferror(stdout)) return code;
  if (code != 0) return code;  // the command's own error was reported
  return report_error(std::string("cannot write to standard output") + (error ? ": " : "") +
                      (error ? std::strerror(error) : ""));
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file size limit (ulimit -f) writes then fail with EFBIG, which the writers report, instead of a signal.
  std::signal(SIGXFSZ, SIG_IGN);
  return check_stdout(run_command(argc, argv));
}
