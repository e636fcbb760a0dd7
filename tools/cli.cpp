#include "tools/cli.h"

#include <iostream>

#include "engine/shape_specialization.h"
#include "graph/error.h"
#include "ops/cpu_isa.h"

namespace ssdx::cli {

std::string Args::next(const std::string& flag) {
  if (pos >= items.size()) fail(flag, " needs a value");
  return items[pos++];
}

int parse_int(const std::string& s, const std::string& flag, int lo, int hi) {
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(s, &used);
  } catch (...) {
    used = 0;
  }
  if (used != s.size() || s.empty() || v < lo || v > hi) fail(flag, " expects an integer in [", lo, ", ", hi, "], got '", s, "'");
  return static_cast<int>(v);
}

double parse_double(const std::string& s, const std::string& flag, double lo, double hi) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (...) {
    used = 0;
  }
  if (used != s.size() || s.empty() || !(v >= lo && v <= hi)) fail(flag, " expects a number in [", lo, ", ", hi, "], got '", s, "'");
  return v;
}

Precision parse_precision(const std::string& s, const std::string& flag) {
  if (s == "fp32") return Precision::Fp32;
  if (s != "bf16") fail(flag, " expects fp32 or bf16, got '", s, "'");
  if (bf16_convolutions_supported()) return Precision::Bf16;
  std::cerr << "bf16 not supported on this CPU (needs AVX512_BF16 or AMX): running fp32\n";
  return Precision::Fp32;
}

bool parse_session_option(const std::string& flag, Args& args, SessionOptions& opts) {
  if (flag == "--threads") opts.threads = parse_int(args.next(flag), flag, 1, kMaxThreads);
  else if (flag == "--direct-conv") opts.winograd = false;
  else if (flag == "--precision") opts.precision = parse_precision(args.next(flag), flag);
  else if (flag == "--no-optimize") opts.optimize = false;
  else if (flag == "--dump-passes") opts.dump_passes = &std::cerr;
  else if (flag == "--reference-kernels") opts.reference_kernels = true;
  else if (flag == "--input-shape") {
    auto [name, shape] = parse_input_shape(args.next(flag));
    if (!opts.input_shapes.emplace(name, shape).second) fail("--input-shape gives '", name, "' twice");
  }
  else if (flag == "--max-weights-mb") opts.max_weight_bytes = uint64_t(parse_int(args.next(flag), flag, 1, 1 << 24)) << 20;
  else if (flag == "--max-arena-mb") opts.max_arena_bytes = uint64_t(parse_int(args.next(flag), flag, 1, 1 << 24)) << 20;
  else return false;
  return true;
}

}  // namespace ssdx::cli
