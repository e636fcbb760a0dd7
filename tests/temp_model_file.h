#pragma once
// A model written to a file of its own under the test temp dir and deleted at scope exit: onnxruntime and the
// loaders read files, and ctest runs each test in its own process, in parallel (the pid keeps their files apart).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"

namespace ssdx::test {

// Writes the model to the path it is given: a generator's write_*_model, bound to its options.
using ModelWriter = std::function<void(const std::string& path)>;

struct TempModelFile {
  std::string path;
  TempModelFile(const std::string& name, const ModelWriter& write)
      : path(::testing::TempDir() + "ssdx_" + name + "_" + std::to_string(getpid()) + ".onnx") {
    write(path);
  }
  TempModelFile(const ModelBuilder& b, const std::string& name)
      : TempModelFile(name, [&b](const std::string& p) { b.save(p); }) {}
  ~TempModelFile() { std::remove(path.c_str()); }
  TempModelFile(const TempModelFile&) = delete;
  TempModelFile& operator=(const TempModelFile&) = delete;
};

// The graph of the model `write` writes, read back from its file (removed again).
inline Graph load_written_model(const std::string& name, const ModelWriter& write) {
  return load_onnx(TempModelFile(name, write).path);
}

}  // namespace ssdx::test
