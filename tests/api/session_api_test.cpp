// The public Session (include/ssdx/session.h) against the internal one: same results on a hand-built model (also
// checked against values worked out by hand) and on a generated SSD; borrowed inputs read in place; caller output
// buffers filled; wrong names, dtypes, shapes and buffer sizes refused with one line.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <unistd.h>

#include "api/bridge.h"
#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "models/ssd_model.h"
#include "ssdx/ssdx.h"

namespace ssdx {
namespace {

namespace api = ssdx::api;

std::string temp_path(const std::string& name) {
  return std::string(SSDX_BINARY_DIR) + "/api_" + std::to_string(getpid()) + "_" + name + ".onnx";
}

// z = Relu(x + y) * 2 with x [2,3] and y [n,3] (n symbolic, broadcast: n is 1 or 2); k = Cast<int64>(x).
std::string save_small_model() {
  const std::string path = temp_path("small");
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2, 3});
  b.add_input("y", DataType::Float, {-1, 3}, {"n"});
  b.add_initializer("two", make_tensor<float>({}, {2.f}));
  b.add_node("Add", {"x", "y"}, {"sum"});
  b.add_node("Relu", {"sum"}, {"r"});
  b.add_node("Mul", {"r", "two"}, {"z"});
  b.add_node("Cast", {"x"}, {"k"}, Attributes::integer("to", static_cast<int64_t>(DataType::Int64)));
  b.add_output("z", DataType::Float, {2, 3});
  b.add_output("k", DataType::Int64, {2, 3});
  b.save(path);
  return path;
}

const std::vector<float> kX = {1.5f, -2.f, 3.f, -4.f, 5.25f, 0.f};
const std::vector<float> kY = {0.5f, 1.f, -4.f};
const std::vector<float> kZ = {4.f, 0.f, 0.f, 0.f, 12.5f, 0.f};  // by hand: 2 * max(x + y, 0), y broadcast over rows
const std::vector<int64_t> kK = {1, -2, 3, -4, 5, 0};             // Cast truncates towards zero

template <typename T> std::vector<T> values(const api::Tensor& t) {
  const T* p = t.data<T>();
  return std::vector<T>(p, p + t.numel());
}

template <typename F> std::string one_line_error(F&& f) {
  try {
    f();
  } catch (const api::Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an api::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

class SmallModel : public ::testing::Test {
 protected:
  void SetUp() override { path_ = save_small_model(); }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(SmallModel, InputsAndOutputsDescribeTheModel) {
  const api::Session s = api::Session::load(path_);
  ASSERT_EQ(s.inputs().size(), 2u);
  EXPECT_EQ(s.inputs()[0].name, "x");
  EXPECT_EQ(s.inputs()[0].dtype, api::DType::Float32);
  EXPECT_EQ(s.inputs()[0].shape, (api::Shape{2, 3}));
  EXPECT_EQ(s.inputs()[1].name, "y");
  EXPECT_EQ(s.inputs()[1].shape, (api::Shape{-1, 3}));
  ASSERT_EQ(s.outputs().size(), 2u);
  EXPECT_EQ(s.outputs()[0].name, "z");
  EXPECT_EQ(s.outputs()[1].name, "k");
  EXPECT_EQ(s.outputs()[1].dtype, api::DType::Int64);
  EXPECT_STREQ(api::version(), SSDX_VERSION_STRING);
}

TEST_F(SmallModel, OwnedResultsEqualTheInternalSessionAndTheHandValues) {
  const api::Session s = api::Session::load(path_);
  const api::NamedTensors out =
      s.run({{"x", api::Tensor::from<float>({2, 3}, kX)}, {"y", api::Tensor::from<float>({1, 3}, kY)}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(values<float>(out.at("z")), kZ);
  EXPECT_EQ(values<int64_t>(out.at("k")), kK);
  EXPECT_FALSE(out.at("z").borrowed());

  const auto internal = Session::load(path_);
  const TensorMap ref = internal->run({{"x", make_tensor<float>({2, 3}, kX)}, {"y", make_tensor<float>({1, 3}, kY)}});
  const Tensor& z = ref.at("z");
  EXPECT_EQ(out.at("z").shape(), z.shape());
  EXPECT_EQ(std::memcmp(out.at("z").raw(), z.raw(), z.nbytes()), 0);
  EXPECT_EQ(std::memcmp(out.at("k").raw(), ref.at("k").raw(), ref.at("k").nbytes()), 0);
}

TEST_F(SmallModel, BorrowedInputsAreReadInPlace) {
  std::vector<float> x = kX, y = {kY[0], kY[1], kY[2], kY[0], kY[1], kY[2]};  // y as [2,3]
  const api::Tensor bx = api::Tensor::borrow<float>({2, 3}, static_cast<const float*>(x.data()), x.size());
  EXPECT_TRUE(bx.borrowed());
  EXPECT_TRUE(bx.read_only());
  EXPECT_EQ(bx.raw(), x.data());
  // What the engine is handed is the caller's memory itself.
  const Tensor handed = api::bridge::borrow_internal(bx);
  EXPECT_EQ(handed.raw(), static_cast<const void*>(x.data()));
  EXPECT_EQ(handed.shape(), (Shape{2, 3}));
  const api::Session s = api::Session::load(path_);
  const api::NamedTensors out = s.run({{"x", bx}, {"y", api::Tensor::borrow<float>({2, 3}, y.data(), y.size())}});
  EXPECT_EQ(values<float>(out.at("z")), kZ);
  // Changing the caller's bytes changes the next run: nothing was kept from the first.
  x[0] = -10.f;
  const api::NamedTensors again = s.run({{"x", bx}, {"y", api::Tensor::from<float>({1, 3}, kY)}});
  EXPECT_EQ(again.at("z").data<float>()[0], 0.f);
  EXPECT_EQ(again.at("k").data<int64_t>()[0], -10);
  EXPECT_EQ(x, (std::vector<float>{-10.f, -2.f, 3.f, -4.f, 5.25f, 0.f}));  // inputs are never written
}

TEST_F(SmallModel, CallerBuffersReceiveTheOutputs) {
  const api::Session s = api::Session::load(path_);
  std::vector<float> z(6, -1.f);
  api::NamedTensors outputs = {{"z", api::Tensor::borrow<float>({2, 3}, z.data(), z.size())}};
  s.run({{"x", api::Tensor::from<float>({2, 3}, kX)}, {"y", api::Tensor::from<float>({1, 3}, kY)}}, outputs);
  EXPECT_EQ(z, kZ);
  EXPECT_EQ(outputs.at("z").raw(), z.data());  // the buffer itself, not a replacement
  ASSERT_EQ(outputs.count("k"), 1u);           // not given: added, owned
  EXPECT_FALSE(outputs.at("k").borrowed());
  EXPECT_EQ(values<int64_t>(outputs.at("k")), kK);

  // Owned buffers given by the caller are written too.
  api::NamedTensors owned = {{"k", api::Tensor(api::DType::Int64, {2, 3})}};
  const void* k_storage = owned.at("k").raw();
  s.run({{"x", api::Tensor::from<float>({2, 3}, kX)}, {"y", api::Tensor::from<float>({2, 3}, std::vector<float>(6, 0.f))}}, owned);
  EXPECT_EQ(owned.at("k").raw(), k_storage);
  EXPECT_EQ(values<int64_t>(owned.at("k")), kK);
}

TEST_F(SmallModel, WrongFeedsAndBuffersFailWithOneLine) {
  const api::Session s = api::Session::load(path_);
  const api::Tensor x = api::Tensor::from<float>({2, 3}, kX), y = api::Tensor::from<float>({1, 3}, kY);
  EXPECT_NE(one_line_error([&] { s.run({{"x", x}, {"y", y}, {"w", y}}); }).find("no input named 'w'"), std::string::npos);
  EXPECT_NE(one_line_error([&] { s.run({{"x", x}}); }).find("'y' was not provided"), std::string::npos);
  EXPECT_NE(one_line_error([&] { s.run({{"x", api::Tensor(api::DType::Int64, {2, 3})}, {"y", y}}); })
                .find("input 'x' must be float32, got int64"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] { s.run({{"x", api::Tensor(api::DType::Float32, {3, 2})}, {"y", y}}); })
                .find("'x' must have shape [2,3], got [3,2]"),
            std::string::npos);
  std::vector<float> small(5);
  EXPECT_NE(one_line_error([&] { api::Tensor::borrow<float>({2, 3}, small.data(), small.size()); })
                .find("needs 24 bytes, the buffer has 20"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] { api::Tensor(api::DType::Float32, {2, -1}); }).find("negative"), std::string::npos);
  EXPECT_NE(one_line_error([&] { api::Tensor::from<float>({2, 2}, kX); }).find("6 values"), std::string::npos);
  EXPECT_NE(one_line_error([&] { x.data<int64_t>(); }).find("float32 accessed as int64"), std::string::npos);

  // Output buffers: nothing is written when any of them is wrong.
  std::vector<float> z(6, -1.f);
  auto run_into = [&](api::NamedTensors outputs) { s.run({{"x", x}, {"y", y}}, outputs); };
  const api::Tensor good_z = api::Tensor::borrow<float>({2, 3}, z.data(), z.size());
  EXPECT_NE(one_line_error([&] { run_into({{"z", good_z}, {"q", api::Tensor(api::DType::Float32, {1})}}); })
                .find("no output named 'q'"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] { run_into({{"z", good_z}, {"k", api::Tensor(api::DType::Int32, {2, 3})}}); })
                .find("output 'k' is int64, its buffer int32"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] { run_into({{"z", good_z}, {"k", api::Tensor(api::DType::Int64, {6})}}); })
                .find("output 'k' has shape [2,3], its buffer [6]"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] { run_into({{"z", api::Tensor::borrow<float>({2, 3}, static_cast<const float*>(z.data()), 6)}}); })
                .find("const pointer"),
            std::string::npos);
  EXPECT_EQ(z, std::vector<float>(6, -1.f));
  EXPECT_NE(one_line_error([&] { api::Session::load(temp_path("missing")); }).find("missing"), std::string::npos);
}

TEST_F(SmallModel, ReferenceKernelOptionIsHonouredOrRefused) {
  api::Options o;
  o.reference_kernels = true;
  try {
    const api::Session s = api::Session::load(path_, o);
    EXPECT_EQ(values<float>(s.run({{"x", api::Tensor::from<float>({2, 3}, kX)}, {"y", api::Tensor::from<float>({1, 3}, kY)}}).at("z")), kZ);
  } catch (const api::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no reference-kernel mode"), std::string::npos) << e.what();
  }
}

// Options::input_shapes fixes y's free dim at load: inputs() says so, the hand values come out, another n fails; a
// bad override fails at load. With it absent (and any shape_cache), each n gives the same hand values.
TEST_F(SmallModel, InputShapesFixFreeDimsAtLoad) {
  api::Options o;
  o.input_shapes["y"] = {1, 3};
  const api::Session s = api::Session::load(path_, o);
  EXPECT_EQ(s.inputs()[1].shape, (api::Shape{1, 3}));
  const api::Tensor x = api::Tensor::from<float>({2, 3}, kX);
  EXPECT_EQ(values<float>(s.run({{"x", x}, {"y", api::Tensor::from<float>({1, 3}, kY)}}).at("z")), kZ);
  EXPECT_NE(one_line_error([&] { s.run({{"x", x}, {"y", api::Tensor::from<float>({2, 3}, {0, 0, 0, 0, 0, 0})}}); })
                .find("input 'y' must have shape [1,3], got [2,3]"), std::string::npos);
  o.input_shapes["y"] = {1, 4};
  EXPECT_NE(one_line_error([&] { api::Session::load(path_, o); }).find("input 'y' has dim 1 fixed at 3"), std::string::npos);
  for (int cache : {0, 1, 4}) {
    api::Options dynamic;
    dynamic.shape_cache = cache;
    const api::Session d = api::Session::load(path_, dynamic);
    EXPECT_EQ(d.inputs()[1].shape, (api::Shape{-1, 3}));
    for (int round = 0; round < 2; ++round) {
      EXPECT_EQ(values<float>(d.run({{"x", x}, {"y", api::Tensor::from<float>({1, 3}, kY)}}).at("z")), kZ) << cache;
      std::vector<float> y2 = kY;
      y2.insert(y2.end(), kY.begin(), kY.end());
      EXPECT_EQ(values<float>(d.run({{"x", x}, {"y", api::Tensor::from<float>({2, 3}, y2)}}).at("z")), kZ) << cache;
    }
  }
}

TEST(ApiTensor, DTypesAndOwnership) {
  EXPECT_EQ(api::dtype_size(api::DType::Float32), 4u);
  EXPECT_EQ(api::dtype_size(api::DType::Int64), 8u);
  EXPECT_EQ(api::dtype_size(api::DType::Bool), 1u);
  EXPECT_EQ(api::dtype_size(api::DType::Float16), 2u);
  EXPECT_EQ(api::dtype_size(api::DType::Unknown), 0u);
  EXPECT_EQ(api::dtype_size(static_cast<api::DType>(14)), 0u);  // complex64: ONNX has it, the API does not
  EXPECT_STREQ(api::dtype_name(api::DType::Int64), "int64");
  EXPECT_STREQ(api::dtype_name(static_cast<api::DType>(8)), "unknown");  // string
  EXPECT_NE(one_line_error([] { api::Tensor(static_cast<api::DType>(14), {1}); }).find("code 14"), std::string::npos);
  EXPECT_EQ(api::shape_string({1, -1, 4}), "[1,?,4]");

  api::Tensor a = api::Tensor::from<int32_t>({2}, {7, 8});
  const api::Tensor shared = a, deep = a.clone();
  a.data<int32_t>()[0] = 9;
  EXPECT_EQ(shared.data<int32_t>()[0], 9);  // copies share the bytes
  EXPECT_EQ(deep.data<int32_t>()[0], 7);    // clone() does not
  EXPECT_EQ(api::Tensor(api::DType::Float32, {0, 3}).nbytes(), 0u);
}

// A generated SSD at a small size: every output bit-identical to the internal Session on the same seeded image, and
// the profile names the same nodes in the same order.
TEST(ApiSsd, ResultsAndProfileEqualTheInternalSession) {
  const std::string path = temp_path("ssd");
  models::write_ssd_model({480, 12, 7, false, false}, path);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  std::vector<float> image(3 * 480 * 480);
  for (float& v : image) v = dist(rng);

  const api::Session s = api::Session::load(path);
  const auto internal = Session::load(path);
  ASSERT_EQ(s.inputs().size(), 1u);
  const std::string in = s.inputs()[0].name;
  api::Profile profile;
  const api::NamedTensors out = s.run({{in, api::Tensor::borrow<float>({1, 3, 480, 480}, image.data(), image.size())}}, &profile);
  RunProfile ref_profile;
  const TensorMap ref = internal->run({{in, make_tensor<float>({1, 3, 480, 480}, image)}}, &ref_profile);
  std::remove(path.c_str());

  ASSERT_EQ(out.size(), ref.size());
  for (const auto& [name, t] : ref) {
    ASSERT_EQ(out.count(name), 1u) << name;
    const api::Tensor& got = out.at(name);
    EXPECT_EQ(got.shape(), t.shape()) << name;
    EXPECT_EQ(static_cast<int32_t>(got.dtype()), static_cast<int32_t>(t.dtype())) << name;
    ASSERT_EQ(got.nbytes(), t.nbytes()) << name;
    EXPECT_EQ(std::memcmp(got.raw(), t.raw(), t.nbytes()), 0) << name;
  }
  ASSERT_EQ(profile.nodes.size(), ref_profile.nodes.size());
  for (size_t i = 0; i < profile.nodes.size(); ++i) {
    EXPECT_EQ(profile.nodes[i].name, ref_profile.nodes[i].name);
    EXPECT_EQ(profile.nodes[i].op_type, ref_profile.nodes[i].op_type);
    EXPECT_EQ(profile.nodes[i].impl, ref_profile.nodes[i].impl);
    EXPECT_GE(profile.nodes[i].duration_us, 0);
  }
  EXPECT_GT(profile.total_us, 0);
  EXPECT_GT(profile.threads, 0);
}

}  // namespace
}  // namespace ssdx
