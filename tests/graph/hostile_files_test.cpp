// Hostile files at the loaders (issue 12, items 4, 8, 9, 10, 13, 14): each refused with one clear error before any
// memory is committed to what it declares, special files refused without reading or blocking, .npy headers parsed
// exactly, external data read through descriptors opened component by component.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "graph/file_io.h"
#include "graph/npy_header.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "onnx.pb.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::string scratch_dir() {
  char tmpl[] = "/tmp/ssdx_hostile_files_XXXXXX";
  const char* d = mkdtemp(tmpl);
  if (!d) fail("mkdtemp failed");
  return d;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

constexpr uint64_t kMiB = uint64_t{1} << 20;

// How much more than this process holds now `f` makes resident at its peak: run in a forked child, so that an
// earlier test's peak cannot hide it.
uint64_t extra_peak_memory(const std::function<void()>& f) {
  long pages = 0, resident = 0;
  if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(statm);
  }
  const uint64_t now = static_cast<uint64_t>(resident) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      f();
    } catch (...) {
    }
    _exit(0);
  }
  int status = 0;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return UINT64_MAX;
  const uint64_t peak = static_cast<uint64_t>(ru.ru_maxrss) * 1024;
  return peak > now ? peak - now : 0;
}

// x[2] -> Add(x, w) -> y, with w an initializer whose dims and data the test sets.
onnx::ModelProto model_with_w() {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_initializer("w", make_tensor<float>({2}, {1, 2}));
  b.add_node("Add", {"x", "w"}, {"y"});
  b.add_output("y", DataType::Float, {2});
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(b.serialize()));
  return m;
}

std::string load_error(const onnx::ModelProto& m, const std::string& dir = "", uint64_t max_weights = uint64_t{8} << 30) {
  LoadOptions opts;
  opts.max_weight_bytes = max_weights;
  return error_of([&] { load_onnx_bytes(m.SerializeAsString(), "model.onnx", dir, opts); });
}

// ---- item 4: declared dims are believed only once the data present fills them ----

TEST(HostileFiles, TypedValuesAreCountedBeforeTheTensorIsAllocated) {
  onnx::ModelProto m = model_with_w();
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->clear_dims();
  w->add_dims(int64_t{1} << 40);  // 4 TiB of floats: allocating first would fail on the tensor limit instead
  w->add_float_data(1.f);
  EXPECT_NE(load_error(m).find("holds 1 values but shape [1099511627776] needs 1099511627776"), std::string::npos)
      << load_error(m);
  // 1 GiB of floats declared, within every ceiling: refused without touching that memory.
  w->set_dims(0, int64_t{1} << 28);
  EXPECT_NE(load_error(m).find("holds 1 values"), std::string::npos);
  EXPECT_LT(extra_peak_memory([&] { load_error(m); }), 256 * kMiB);
}

TEST(HostileFiles, ExternalDataIsCheckedAgainstTheFileBeforeTheTensorIsAllocated) {
  const std::string dir = scratch_dir();
  write_file_bytes(dir + "/w.bin", std::string(64, '\0'));
  onnx::ModelProto m = model_with_w();
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->set_dims(0, int64_t{1} << 28);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("w.bin");
  EXPECT_NE(load_error(m, dir).find("lies beyond the end of 'w.bin'"), std::string::npos) << load_error(m, dir);
  EXPECT_LT(extra_peak_memory([&] { load_error(m, dir); }), 256 * kMiB);
}

// Typed values widen as they are stored (a one-byte varint becomes an 8-byte int64): inline tensors count against
// the weight ceiling as what they become, like external ones.
TEST(HostileFiles, InlineTensorsCountAgainstTheWeightCeiling) {
  onnx::ModelProto m = model_with_w();
  auto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->set_dims(0, 300000);
  for (int i = 0; i < 300000; ++i) w->add_float_data(0.f);
  EXPECT_NE(load_error(m, "", kMiB).find("take 1.1 MiB, over the weight limit of 1.0 MiB"), std::string::npos) << load_error(m, "", kMiB);
  EXPECT_EQ(load_error(m, "", 2 * kMiB), "");
}

// A 128-byte .npy declaring far more than it holds.
std::string npy_file(const std::string& dict, int major = 1, const std::string& data = "") {
  std::string header = dict;
  const size_t prelude = major == 1 ? 10 : 12;
  header.append((64 - (prelude + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < prelude - 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string npy_error(const std::string& bytes) {
  const std::string path = scratch_dir() + "/t.npy";
  write_file_bytes(path, bytes);
  return error_of([&] { load_npy(path); });
}

TEST(HostileFiles, NpyDataSizeIsCheckedBeforeTheArrayIsAllocated) {
  EXPECT_NE(npy_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776,), }"))
                .find("holds 0 data bytes, shape [1099511627776] needs 4398046511104"),
            std::string::npos);
  const std::string gib = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (268435456,), }");
  EXPECT_NE(npy_error(gib).find("holds 0"), std::string::npos);
  EXPECT_LT(extra_peak_memory([&] { npy_error(gib); }), 256 * kMiB);
}

// ---- item 10: the header dict, parsed exactly ----

TEST(HostileFiles, NpyHeaderIsParsedExactly) {
  const std::string f4x2(8, '\0');
  auto ok = [&](const std::string& dict, int major = 1) { return npy_error(npy_file(dict, major, f4x2)); };
  EXPECT_EQ(ok("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"), "");
  EXPECT_EQ(ok("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 2), "");
  EXPECT_EQ(ok("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 3), "");
  EXPECT_EQ(ok("{'shape': (2,), \"fortran_order\": False, 'descr': '<f4'}"), "");  // any order, either quote
  EXPECT_EQ(ok("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1), }"), "");
  auto refused = [&](const std::string& dict, const std::string& why) {
    const std::string e = ok(dict);
    EXPECT_NE(e.find(why), std::string::npos) << dict << " -> '" << e << "'";
  };
  // A float in the shape (was read as 1), a bare (2) (a number in Python, not a tuple), signs, blanks.
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (1e3, 2), }", "shape");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", "comma");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "whole number");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }", "whole number");
  // A decoy 'descr' inside another string (was taken for the dtype: float64 data read as float32).
  refused("{\"'descr': '<f4'\": 0, 'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", "unexpected key");
  refused("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "twice");
  refused("{'descr': '<f4', 'shape': (2,), }", "no 'fortran_order'");
  refused("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "True or False");
  refused("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "must be a string");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "newline");
  refused("{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", "expected ',' or '}'");
  refused("{'descr': '<f\\4', 'fortran_order': False, 'shape': (2,), }", "unexpected byte");
  std::string bad_version = npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 1, f4x2);
  bad_version[7] = 1;
  EXPECT_NE(npy_error(bad_version).find("version 1.1"), std::string::npos);
}

// ---- items 8 and 9: sizes before reading, regular files only ----

TEST(HostileFiles, OversizedModelIsRefusedBeforeItIsRead) {
  const std::string path = scratch_dir() + "/big.onnx";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, (int64_t{2} << 30) + (int64_t{200} << 20)), 0);  // 2.2 GB, sparse: takes no disk
  ::close(fd);
  const std::string e = error_of([&] { load_onnx(path); });
  EXPECT_NE(e.find("larger than protobuf's 2 GiB limit"), std::string::npos) << e;
  EXPECT_LT(extra_peak_memory([&] { load_onnx(path); }), 256 * kMiB);  // reading it took the file twice, before
  unlink(path.c_str());
}

TEST(HostileFiles, SpecialFilesAreRefusedWithoutReadingOrBlocking) {
  const std::string fifo = scratch_dir() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  for (const std::string& path : {std::string("/dev/zero"), fifo}) {
    EXPECT_NE(error_of([&] { load_npy(path); }).find("not a regular file"), std::string::npos) << path;
    EXPECT_NE(error_of([&] { load_tensor_pb(path); }).find("not a regular file"), std::string::npos) << path;
    EXPECT_NE(error_of([&] { load_onnx(path); }).find("not a regular file"), std::string::npos) << path;
    EXPECT_NE(error_of([&] { read_regular_file(path, 100); }).find("not a regular file"), std::string::npos) << path;
    EXPECT_NE(error_of([&] { std::fclose(fopen_regular_file(path)); }).find("not a regular file"), std::string::npos);
  }
  const std::string small = scratch_dir() + "/small.bin";
  write_file_bytes(small, std::string(101, 'x'));
  EXPECT_NE(error_of([&] { read_regular_file(small, 100); }).find("more than the 100"), std::string::npos);
  EXPECT_EQ(read_regular_file(small, 101).size(), 101u);
}

// ---- item 13: external data opened component by component, no symbolic link followed ----

class ExternalDataWalk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir();
    mkdir((dir_ + "/model").c_str(), 0755);
    mkdir((dir_ + "/model/real").c_str(), 0755);
    write_file_bytes(dir_ + "/model/real/w.bin", std::string(8, '\0'));
  }
  std::string error_for(const std::string& location) {
    onnx::ModelProto m = model_with_w();
    auto* w = m.mutable_graph()->mutable_initializer(0);
    w->clear_raw_data();
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* loc = w->add_external_data();
    loc->set_key("location");
    loc->set_value(location);
    return load_error(m, dir_ + "/model");
  }
  std::string dir_;
};

TEST_F(ExternalDataWalk, FollowsNoSymbolicLinkEvenOneThatStaysInside) {
  EXPECT_EQ(error_for("real/w.bin"), "");
  EXPECT_EQ(error_for("./real//w.bin"), "");
  // A folder link inside the model's folder: realpath() passed it, and a swap after that check read elsewhere.
  ASSERT_EQ(symlink("real", (dir_ + "/model/linked").c_str()), 0);
  EXPECT_NE(error_for("linked/w.bin").find("goes through the symbolic link 'linked'"), std::string::npos)
      << error_for("linked/w.bin");
  ASSERT_EQ(symlink("w.bin", (dir_ + "/model/real/alias.bin").c_str()), 0);
  EXPECT_NE(error_for("real/alias.bin").find("symbolic link 'alias.bin'"), std::string::npos);
  EXPECT_NE(error_for("real/missing.bin").find("not found"), std::string::npos);
  EXPECT_NE(error_for("real/w.bin/x").find("not found"), std::string::npos);
  EXPECT_NE(error_for("real").find("not a regular file"), std::string::npos);
  EXPECT_NE(error_for("./").find("names no file"), std::string::npos);
  const std::string fifo = dir_ + "/model/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_NE(error_for("fifo").find("not a regular file"), std::string::npos);
}

// ---- item 14: opsets, duplicates, a model reached through a symbolic link ----

TEST(HostileFiles, OpsetVersionsAreBounded) {
  onnx::ModelProto m = model_with_w();
  m.mutable_opset_import(0)->set_version(1000000000000);
  EXPECT_NE(load_error(m).find("has version 1000000000000 (1 to 1000 accepted)"), std::string::npos) << load_error(m);
  m.mutable_opset_import(0)->set_version(13);
  *m.add_opset_import() = m.opset_import(0);
  EXPECT_NE(load_error(m).find("imported twice"), std::string::npos);
}

TEST(HostileFiles, GraphInputsAndOutputsAreListedOnce) {
  onnx::ModelProto m = model_with_w();
  for (int i = 0; i < 3; ++i) *m.mutable_graph()->add_output() = m.graph().output(0);
  EXPECT_NE(load_error(m).find("graph output 'y' is listed twice"), std::string::npos) << load_error(m);
  m = model_with_w();
  *m.mutable_graph()->add_input() = m.graph().input(0);
  EXPECT_NE(load_error(m).find("'x' is listed twice"), std::string::npos) << load_error(m);
}

TEST(HostileFiles, DeclaredOutputTypeMustAgreeWithValueInfo) {
  onnx::ModelProto m = model_with_w();
  auto* vi = m.mutable_graph()->add_value_info();
  *vi = m.graph().output(0);
  vi->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_value(3);
  EXPECT_NE(load_error(m).find("graph output 'y' is declared with shape [2] but is [3]"), std::string::npos)
      << load_error(m);
  vi->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("n");  // symbolic: fine
  EXPECT_EQ(load_error(m), "");
}

TEST(HostileFiles, ModelThroughASymbolicLinkFindsItsExternalDataNextToTheRealFile) {
  const std::string real = scratch_dir(), elsewhere = scratch_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_initializer("w", make_tensor<float>({2}, {1, 2}));
  b.add_node("Add", {"x", "w"}, {"y"});
  b.add_output("y", DataType::Float, {2});
  b.use_external_data("weights.bin");
  b.save(real + "/model.onnx");
  ASSERT_EQ(symlink((real + "/model.onnx").c_str(), (elsewhere + "/link.onnx").c_str()), 0);
  Graph g = load_onnx(elsewhere + "/link.onnx");
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {1, 2}), *g.value(g.find_value("w")).constant));
}

}  // namespace
}  // namespace ssdx::test
