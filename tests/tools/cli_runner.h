#pragma once
// Runs the real `ssdx` binary as a user would and checks its one-line errors; shared by the CLI test files.
#include <gtest/gtest.h>
#include <dirent.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "graph/tensor_io.h"

namespace ssdx::test {

inline const std::string kSsdx = std::string(SSDX_BINARY_DIR) + "/tools/ssdx";

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// `env` is put before the command: assignments such as "PATH=/nonexistent", or shell commands ending in ';' such
// as "ulimit -f 64;". `stdout_to` replaces the captured standard output (then `out` stays empty), e.g. "/dev/full".
inline CommandResult run_command(const std::string& args, const std::string& env = "",
                                 const std::string& stdout_to = "") {
  char tmpl[] = "/tmp/ssdx_cli_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string out = stdout_to.empty() ? dir + "/out" : stdout_to;
  const std::string cmd = (env.empty() ? "" : env + " ") + kSsdx + " " + args + " >" + out + " 2>" + dir + "/err";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (stdout_to.empty()) r.out = read_file_bytes(dir + "/out");
  r.err = read_file_bytes(dir + "/err");
  return r;
}

// How many times `needle` occurs in `s` (overlaps counted).
inline size_t count_of(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

// The names in folder `dir`, sorted, without "." and "..".
inline std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string temp_dir() {
  char tmpl[] = "/tmp/ssdx_cli_case_XXXXXX";
  return mkdtemp(tmpl);
}

// A failure is exit code 1 and exactly one line on stderr, "ssdx: error: ..." containing `needle`.
inline void expect_one_line_error(const CommandResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("ssdx: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "missing '" << needle << "' in: " << r.err;
}

}  // namespace ssdx::test
