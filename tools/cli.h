#pragma once
// Small argument-parsing helpers shared by the subcommands.
#include <string>
#include <vector>

namespace ssdx::cli {

struct Args {
  std::vector<std::string> items;
  size_t pos = 0;
  bool done() const { return pos >= items.size(); }
  const std::string& peek() const { return items[pos]; }
  std::string next(const std::string& flag);  // the value after `flag`; fails if missing
};

int parse_int(const std::string& s, const std::string& flag, int lo, int hi);
double parse_double(const std::string& s, const std::string& flag, double lo, double hi);

int cmd_run(Args& args);
int cmd_make_model(Args& args);
int cmd_detect(Args& args);
int cmd_bench(Args& args);

}  // namespace ssdx::cli
