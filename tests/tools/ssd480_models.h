#pragma once
// The generated 480x480 SSD and its int8 forms (QDQ per-channel, QOperator per-tensor), made with the real CLI and
// shared by the inspect, compare and bench --vs tests. ctest runs each test in its own process, so the models are
// kept in the build tree and made again only when the ssdx binary changed (its size and mtime are the stamp). The
// int8 forms are calibrated on two real photos, so their callers start with SSDX_NEED_PHOTOS.
#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "graph/tensor_io.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {

inline void run_or_throw(const std::string& cmd) {
  const CommandResult r = run_command(cmd);
  if (r.exit_code != 0) throw std::runtime_error("ssdx " + cmd + " failed: " + r.err);
}

inline std::string binary_stamp() {
  struct stat st {};
  if (stat(kSsdx.c_str(), &st) != 0) throw std::runtime_error("no ssdx binary at " + kSsdx);
  return std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

// `name` in the shared folder, made by `make(tmp_path)` unless a copy stamped with this binary exists. Made under a
// private name and renamed into place, so parallel test processes never see half a file.
template <typename Make>
std::string cached_model(const std::string& name, const std::string& stamp, Make make) {
  const std::string dir = std::string(SSDX_BINARY_DIR) + "/tests/ssd480-models";
  mkdir(dir.c_str(), 0755);
  const std::string path = dir + "/" + name, stamp_path = path + ".stamp";
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && stat(stamp_path.c_str(), &st) == 0 && read_file_bytes(stamp_path) == stamp)
    return path;
  const std::string tmp = temp_dir() + "/" + name;
  make(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {  // another file system: copy
    write_file_bytes(path + ".part", read_file_bytes(tmp));
    std::rename((path + ".part").c_str(), path.c_str());
  }
  write_file_bytes(stamp_path, stamp);
  return path;
}

inline const std::string& ssd480_fp32() {
  static const std::string path = cached_model("ssd480.onnx", binary_stamp(), [](const std::string& out) {
    run_or_throw("make-model " + out + " --size 480");
  });
  return path;
}

struct Ssd480Int8 {
  std::string qdq, qoperator;
};

inline const Ssd480Int8& ssd480_int8(const std::string& photos) {
  static const Ssd480Int8 models = [&] {
    const std::string stamp = binary_stamp() + " " + photos;
    const std::string calib = " --calib " + photos + "/astronaut.png " + photos + "/coffee.png";
    auto quantize = [&](const std::string& format) {
      return [&, format](const std::string& out) { run_or_throw("quantize " + ssd480_fp32() + calib + format + " -o " + out); };
    };
    return Ssd480Int8{cached_model("ssd480-qdq.onnx", stamp, quantize(" --format qdq --per-channel")),
                      cached_model("ssd480-qop.onnx", stamp, quantize(" --format qoperator"))};
  }();
  return models;
}

}  // namespace ssdx::test
