// libFuzzer target for TF.js weight manifests, the untrusted input of `ssdx make-model --arch face-ssd-mobilenetv1`:
// the bytes up to the first NUL are the manifest (model-weights_manifest.json), the rest is the one shard file
// "shard.bin" beside it; the reader parses, checks sizes and paths, and dequantizes. ssdx::Error (the one-line
// refusals) is expected; a crash, sanitizer report, allocation beyond the shard's size or other exception is a bug.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "graph/error.h"
#include "models/tfjs_weights.h"

namespace {

const std::string& scratch_dir() {
  static const std::string dir = [] {
    const std::string d = "/tmp/ssdx_tfjs_fuzz_" + std::to_string(getpid());
    mkdir(d.c_str(), 0700);
    return d;
  }();
  return dir;
}

bool write_file(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t manifest_size = nul ? static_cast<size_t>(nul - data) : size;
  const std::string manifest = scratch_dir() + "/model-weights_manifest.json";
  if (!write_file(manifest, data, manifest_size)) return 0;
  const size_t shard_offset = nul ? manifest_size + 1 : size;
  if (!write_file(scratch_dir() + "/shard.bin", data + shard_offset, size - shard_offset)) return 0;
  try {
    const ssdx::models::TfjsWeights w = ssdx::models::TfjsWeights::load(manifest);
    for (const std::string& name : w.names()) (void)w.has(name);
  } catch (const ssdx::Error&) {
  }
  return 0;
}
