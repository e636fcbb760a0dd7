// TF.js weights manifests made by hand: values decoded as the format says (raw, uint8/uint16 affine, float16,
// shards concatenated), and every malformed manifest or shard refused with one line naming the file and tensor.
#include "models/tfjs_weights.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "graph/error.h"

namespace ssdx::models {
namespace {

namespace fs = std::filesystem;

class TfjsWeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("ssdx_tfjs_" + std::to_string(getpid()) + "_" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return (dir_ / name).string();
  }
  std::string manifest(const std::string& json) { return write("manifest.json", json); }

  // The one-line error of loading `path`.
  static std::string load_error(const std::string& path) {
    try {
      TfjsWeights::load(path);
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      return msg;
    }
    ADD_FAILURE() << "loading " << path << " did not fail";
    return "";
  }

  fs::path dir_;
};

template <typename T>
std::string bytes_of(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

TEST_F(TfjsWeightsTest, DecodesEveryStorageAndConcatenatesShards) {
  // Shard 1: a raw float32 [2], a uint8-quantized float [2, 2] and the first byte of a uint16 tensor; shard 2 the rest.
  const std::string raw = bytes_of<float>({1.5f, -2.25f});
  const std::string q8 = bytes_of<uint8_t>({0, 1, 2, 255});
  const std::string q16 = bytes_of<uint16_t>({1000, 65535});
  const std::string half = bytes_of<uint16_t>({0x3c00, 0xc000, 0x0001});  // 1, -2, the smallest subnormal
  const std::string i32 = bytes_of<int32_t>({-7, 123456789});
  const std::string q8int = bytes_of<uint8_t>({3});
  const std::string all = raw + q8 + q16 + half + i32 + q8int;
  write("a.bin", all.substr(0, raw.size() + q8.size() + 1));
  write("b.bin", all.substr(raw.size() + q8.size() + 1));
  const std::string m = manifest(R"([{"paths": ["a.bin", "b.bin"], "weights": [
    {"name": "raw", "shape": [2], "dtype": "float32"},
    {"name": "q8", "shape": [2, 2], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1}},
    {"name": "q16", "shape": [2], "dtype": "float32", "quantization": {"dtype": "uint16", "scale": 0.001, "min": 2}},
    {"name": "half", "shape": [3], "dtype": "float32", "quantization": {"dtype": "float16"}},
    {"name": "i32", "shape": [2], "dtype": "int32"},
    {"name": "scalar", "shape": [], "dtype": "int32", "quantization": {"dtype": "uint8", "scale": 1, "min": 6}}]}])");
  const TfjsWeights w = TfjsWeights::load(m);
  EXPECT_EQ(w.names(), (std::vector<std::string>{"raw", "q8", "q16", "half", "i32", "scalar"}));
  const float* r = w.get("raw", {2}).data<float>();
  EXPECT_EQ(r[0], 1.5f);
  EXPECT_EQ(r[1], -2.25f);
  const float* q = w.get("q8", {2, 2}).data<float>();
  EXPECT_EQ(q[0], -1.f);
  EXPECT_EQ(q[1], -0.5f);
  EXPECT_EQ(q[2], 0.f);
  EXPECT_EQ(q[3], 126.5f);
  const float* q2 = w.get("q16", {2}).data<float>();
  EXPECT_EQ(q2[0], static_cast<float>(1000 * 0.001 + 2));
  EXPECT_EQ(q2[1], static_cast<float>(65535 * 0.001 + 2));
  const float* h = w.get("half", {3}).data<float>();
  EXPECT_EQ(h[0], 1.f);
  EXPECT_EQ(h[1], -2.f);
  EXPECT_EQ(h[2], std::ldexp(1.f, -24));
  const int32_t* i = w.get("i32", {2}).data<int32_t>();
  EXPECT_EQ(i[0], -7);
  EXPECT_EQ(i[1], 123456789);
  EXPECT_EQ(w.get("scalar", {}).data<int32_t>()[0], 9);
}

TEST_F(TfjsWeightsTest, QuantizedValuesAreComputedInDouble) {
  // q * scale + min in float would lose the low bits of min; in double it rounds once, to the nearest float.
  write("a.bin", bytes_of<uint8_t>({200}));
  const TfjsWeights w = TfjsWeights::load(manifest(R"([{"paths": ["a.bin"], "weights": [
    {"name": "t", "shape": [1], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.0026856216729856004, "min": -0.34107395246917127}}]}])"));
  EXPECT_EQ(w.get("t", {1}).data<float>()[0], static_cast<float>(200 * 0.0026856216729856004 - 0.34107395246917127));
}

TEST_F(TfjsWeightsTest, RefusesBadManifestsAndShards) {
  const std::string four = bytes_of<float>({1, 2, 3, 4});
  write("w.bin", four);
  auto one = [&](const std::string& weight, const std::string& paths = R"(["w.bin"])") {
    return "[{\"paths\": " + paths + ", \"weights\": [" + weight + "]}]";
  };
  const std::string good = R"({"name": "t", "shape": [2, 2], "dtype": "float32"})";
  struct Case {
    std::string what, json, expect;
  };
  std::vector<Case> cases;
  cases.push_back({"not JSON", "[{\"paths\": [\"w.bin\"], ", "not JSON"});
  cases.push_back({"not an array", R"({"paths": []})", "expected a JSON array"});
  cases.push_back({"group without weights", R"([{"paths": ["w.bin"]}])", "'paths' and 'weights'"});
  cases.push_back({"unknown dtype", one(R"({"name": "t", "shape": [4], "dtype": "complex64"})"), "tensor 't': unknown dtype 'complex64'"});
  cases.push_back({"unknown quantization", one(R"({"name": "t", "shape": [4], "dtype": "float32", "quantization": {"dtype": "int4"}})"),
                   "unknown quantization dtype 'int4'"});
  cases.push_back({"negative dim", one(R"({"name": "t", "shape": [-1, 4], "dtype": "float32"})"), "tensor 't': shape dim -1"});
  cases.push_back({"overflowing shape", one(R"({"name": "t", "shape": [4294967296, 4294967296, 4294967296], "dtype": "float32"})"),
                   "tensor 't': shape"});
  cases.push_back({"fractional dim", one(R"({"name": "t", "shape": [2.5], "dtype": "float32"})"), "is not an integer"});
  cases.push_back({"truncated shard", one(R"({"name": "t", "shape": [5], "dtype": "float32"})"), "tensor 't' needs bytes 0..20"});
  cases.push_back({"extra bytes", one(R"({"name": "t", "shape": [3], "dtype": "float32"})"), "hold 16 bytes but its tensors take 12"});
  cases.push_back({"missing shard", one(good, R"(["nothere.bin"])"), "nothere.bin"});
  cases.push_back({"path escape", one(good, R"(["../w.bin"])"), "shard path '../w.bin' is not a plain file name"});
  cases.push_back({"absolute path", one(good, R"(["/etc/passwd"])"), "shard path '/etc/passwd'"});
  cases.push_back({"duplicate name", one(R"({"name": "t", "shape": [2], "dtype": "float32"}, {"name": "t", "shape": [2], "dtype": "float32"})"),
                   "tensor 't' appears twice"});
  cases.push_back({"no name", one(R"({"shape": [4], "dtype": "float32"})"), "'name' is missing"});
  cases.push_back({"no scale", one(R"({"name": "t", "shape": [16], "dtype": "float32", "quantization": {"dtype": "uint8", "min": 0}})"),
                   "quantization.scale is not a number"});
  for (const Case& c : cases) {
    const std::string msg = load_error(manifest(c.json));
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.what << ": " << msg;
    EXPECT_NE(msg.find("manifest.json"), std::string::npos) << c.what << ": " << msg;
  }
}

TEST_F(TfjsWeightsTest, HostileSizesFailBeforeAllocating) {
  // 2^38 float32 elements (1 TiB) against a 16-byte shard: refused by the byte count, nothing allocated.
  write("w.bin", bytes_of<float>({1, 2, 3, 4}));
  const std::string msg = load_error(manifest(R"([{"paths": ["w.bin"], "weights": [
    {"name": "huge", "shape": [262144, 1048576], "dtype": "float32"}]}])"));
  EXPECT_NE(msg.find("tensor 'huge' needs bytes"), std::string::npos) << msg;
}

TEST_F(TfjsWeightsTest, HostileJsonFailsInOneLine) {
  // Nested two million deep: parsed and freed without recursion, then refused as not a manifest.
  const std::string deep = std::string(2'000'000, '[') + std::string(2'000'000, ']');
  EXPECT_NE(load_error(manifest(deep)).find("group 0: not an object"), std::string::npos);
  // A manifest larger than any real one is refused by its size, before parsing.
  EXPECT_NE(load_error(manifest("[" + std::string(9 << 20, ' ') + "]")).find("manifest.json"), std::string::npos);
}

TEST_F(TfjsWeightsTest, GetChecksNameAndShape) {
  write("w.bin", bytes_of<float>({1, 2, 3, 4}));
  const TfjsWeights w = TfjsWeights::load(manifest(R"([{"paths": ["w.bin"], "weights": [
    {"name": "t", "shape": [2, 2], "dtype": "float32"}]}])"));
  EXPECT_TRUE(w.has("t"));
  try {
    w.get("missing", {2, 2});
    ADD_FAILURE() << "no error for a missing tensor";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'missing' is missing"), std::string::npos) << e.what();
  }
  try {
    w.get("t", {4});
    ADD_FAILURE() << "no error for a wrong shape";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 't' has shape [2,2], expected [4]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ssdx::models
