#pragma once
// Small argument-parsing helpers shared by the subcommands.
#include <string>
#include <vector>

#include "engine/options.h"

namespace ssdx::cli {

struct Args {
  std::vector<std::string> items;
  size_t pos = 0;
  bool done() const { return pos >= items.size(); }
  const std::string& peek() const { return items[pos]; }
  std::string next(const std::string& flag);  // the value after `flag`; fails if missing
};

int parse_int(const std::string& s, const std::string& flag, int lo, int hi);
// fp32 or bf16; bf16 on a CPU without native bf16 convolutions prints one line on stderr and gives fp32.
Precision parse_precision(const std::string& s, const std::string& flag);

// The engine options every model-running command takes: --threads N, --direct-conv (no Winograd), --precision
// fp32|bf16 (the float convolutions in bfloat16; on a CPU without native bf16 one stderr line says fp32 runs), --no-optimize
// (run the graph as written: no BatchNormalization folding or fusion), --max-weights-mb / --max-arena-mb (memory
// ceilings: loading fails instead of allocating more), --reference-kernels (every op's plain reference loop, to
// tell a fast-kernel bug from a model problem), --dump-passes (the graph after each optimization pass, on stderr),
// --input-shape NAME=D0xD1x... (fixes an input's free dims at load; repeatable).
// True if `flag` was one of them.
bool parse_session_option(const std::string& flag, Args& args, SessionOptions& opts);
constexpr const char* kSessionOptionsUsage =
    "[--threads N] [--direct-conv] [--precision fp32|bf16] [--no-optimize] [--reference-kernels] [--max-weights-mb N] [--max-arena-mb N] "
    "[--dump-passes] [--input-shape NAME=D0xD1x...]";
double parse_double(const std::string& s, const std::string& flag, double lo, double hi);

int cmd_run(Args& args);
int cmd_make_model(Args& args);
int cmd_detect(Args& args);
int cmd_bench(Args& args);
int cmd_quantize(Args& args);
int cmd_inspect(Args& args);
int cmd_compare(Args& args);
int cmd_add_postprocess(Args& args);

}  // namespace ssdx::cli
