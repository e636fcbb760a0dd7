// Loader tests on hand-made models: storage forms, attributes, opsets, IR versions, external data confinement.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "graph/graph_writer.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "onnx.pb.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/ssdx_parser_XXXXXX";
  const char* d = mkdtemp(tmpl);
  if (!d) fail("mkdtemp failed");
  return d;
}

// x[2,2] -> Add(x, w) -> y, with w an initializer.
onnx::ModelProto add_model() {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2, 2});
  b.add_initializer("w", make_tensor<float>({2, 2}, {1, 2, 3, 4}));
  b.add_node("Add", {"x", "w"}, {"y"});
  b.add_output("y", DataType::Float, {2, 2});
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(b.serialize()));
  return m;
}

Graph load_proto(const onnx::ModelProto& m, const std::string& dir = "") {
  return load_onnx_bytes(m.SerializeAsString(), "model.onnx", dir);
}

std::string load_error(const onnx::ModelProto& m, const std::string& dir = "") {
  try {
    load_proto(m, dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(OnnxParser, ReadsInputsInitializersNodesAndOpsets) {
  onnx::ModelProto m = add_model();
  auto* ms = m.add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  Graph g = load_proto(m);
  EXPECT_EQ(g.opset(""), 13);
  EXPECT_EQ(g.opset("com.microsoft"), 1);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "x");
  ASSERT_EQ(g.nodes.size(), 1u);
  const Tensor* w = g.constant(g.nodes[0].inputs[1]);
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {1, 2, 3, 4}), *w));
}

TEST(OnnxParser, ReadsMetadataPropsAndWritesThemBack) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {2});
  b.set_metadata("ssdx.labels", "face");
  b.set_metadata("other", "1");
  b.set_metadata("other", "2");  // replaces
  Graph g = load_onnx_bytes(b.serialize(), "model.onnx", "");
  EXPECT_EQ(g.metadata, (std::map<std::string, std::string>{{"other", "2"}, {"ssdx.labels", "face"}}));
  EXPECT_EQ(load_onnx_bytes(serialize_graph(g), "again.onnx", "").metadata, g.metadata);
}

TEST(OnnxParser, RejectsDuplicateMetadataKey) {
  onnx::ModelProto m = add_model();
  for (int i = 0; i < 2; ++i) {
    auto* p = m.add_metadata_props();
    p->set_key("k");
    p->set_value(std::to_string(i));
  }
  EXPECT_NE(load_error(m).find("metadata_props key 'k' appears twice"), std::string::npos) << load_error(m);
}

TEST(OnnxParser, ReadsTypedFieldInitializers) {
  onnx::ModelProto m = add_model();
  auto* init = m.mutable_graph()->mutable_initializer(0);
  init->clear_raw_data();
  for (float v : {5.f, 6.f, 7.f, 8.f}) init->add_float_data(v);
  auto* i8 = m.mutable_graph()->add_initializer();
  i8->set_name("small");
  i8->set_data_type(onnx::TensorProto::INT8);
  i8->add_dims(3);
  for (int v : {-128, 0, 127}) i8->add_int32_data(v);
  auto* i64 = m.mutable_graph()->add_initializer();
  i64->set_name("big");
  i64->set_data_type(onnx::TensorProto::INT64);
  i64->add_dims(2);
  i64->add_int64_data(-5);
  i64->add_int64_data(int64_t{1} << 40);
  Graph g = load_proto(m);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {5, 6, 7, 8}), *g.value(g.find_value("w")).constant));
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({3}, {-128, 0, 127}), *g.value(g.find_value("small")).constant));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2}, {-5, int64_t{1} << 40}), *g.value(g.find_value("big")).constant));
}

TEST(OnnxParser, RejectsInitializerWithWrongValueCount) {
  onnx::ModelProto m = add_model();
  auto* init = m.mutable_graph()->mutable_initializer(0);
  init->set_raw_data(std::string(12, '\0'));  // 3 floats for 4 elements
  EXPECT_NE(load_error(m).find("initializer 'w'"), std::string::npos);
  init->clear_raw_data();
  init->add_float_data(1.f);
  EXPECT_NE(load_error(m).find("holds 1 values"), std::string::npos);
}

TEST(OnnxParser, ReadsEveryAttributeKind) {
  onnx::ModelProto m = add_model();
  auto* node = m.mutable_graph()->mutable_node(0);
  auto add = [&](const std::string& name) { auto* a = node->add_attribute(); a->set_name(name); return a; };
  auto* f = add("f"); f->set_type(onnx::AttributeProto::FLOAT); f->set_f(0.5f);
  auto* i = add("i"); i->set_type(onnx::AttributeProto::INT); i->set_i(-3);
  auto* s = add("s"); s->set_type(onnx::AttributeProto::STRING); s->set_s("SAME_UPPER");
  auto* fs = add("fs"); fs->set_type(onnx::AttributeProto::FLOATS); fs->add_floats(1); fs->add_floats(2);
  auto* is = add("is"); is->set_type(onnx::AttributeProto::INTS); is->add_ints(7);
  auto* ss = add("ss"); ss->set_type(onnx::AttributeProto::STRINGS); ss->add_strings("a");
  auto* t = add("t"); t->set_type(onnx::AttributeProto::TENSOR);
  t->mutable_t()->set_data_type(onnx::TensorProto::FLOAT); t->mutable_t()->add_float_data(2.5f);
  auto* ts = add("ts"); ts->set_type(onnx::AttributeProto::TENSORS);
  ts->add_tensors()->set_data_type(onnx::TensorProto::INT64); ts->mutable_tensors(0)->add_int64_data(9);
  auto* g_attr = add("g"); g_attr->set_type(onnx::AttributeProto::GRAPH); g_attr->mutable_g()->set_name("body");
  auto* untyped = add("legacy"); untyped->set_i(4);  // no type: pre-IR-2 files
  Graph g = load_proto(m);
  const Attributes& a = g.nodes[0].attrs;
  EXPECT_FLOAT_EQ(a.get_float("f", 0), 0.5f);
  EXPECT_EQ(a.get_int("i", 0), -3);
  EXPECT_EQ(a.get_string("s", ""), "SAME_UPPER");
  EXPECT_EQ(a.get_floats("fs"), (std::vector<float>{1, 2}));
  EXPECT_EQ(a.get_ints("is"), (std::vector<int64_t>{7}));
  EXPECT_EQ(a.at("ss").strings, (std::vector<std::string>{"a"}));
  EXPECT_FLOAT_EQ(a.get_tensor("t").data<float>()[0], 2.5f);
  EXPECT_EQ(a.at("ts").tensors[0].data<int64_t>()[0], 9);
  EXPECT_EQ(a.at("g").kind, Attribute::Kind::Graph);
  EXPECT_EQ(a.get_int("legacy", 0), 4);
  EXPECT_THROW(a.get_int("f", 0), Error);  // wrong kind is an error, not a silent default
}

TEST(OnnxParser, AcceptsIrVersions3To10Only) {
  onnx::ModelProto m = add_model();
  for (int ir : {3, 7, 10}) {
    m.set_ir_version(ir);
    EXPECT_EQ(load_error(m), "") << "IR " << ir;
  }
  for (int ir : {2, 11}) {
    m.set_ir_version(ir);
    EXPECT_NE(load_error(m).find("IR version"), std::string::npos) << "IR " << ir;
  }
}

TEST(OnnxParser, InitializerListedAsGraphInputIsAConstant) {
  onnx::ModelProto m = add_model();
  auto* in = m.mutable_graph()->add_input();  // IR < 4 exporters list initializers as inputs too
  in->set_name("w");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  Graph g = load_proto(m);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_TRUE(g.value(g.find_value("w")).constant != nullptr);
}

TEST(OnnxParser, NormalizesAiOnnxDomainAndKeepsSymbolicDims) {
  ModelBuilder b(12);
  b.add_input("x", DataType::Float, {-1, 4}, {"batch"});
  b.add_node("Relu", {"x"}, {"y"}, {}, "relu", "ai.onnx");
  b.add_output("y", DataType::Float, {-1, 4});
  Graph g = load_onnx_bytes(b.serialize(), "m", "");
  EXPECT_EQ(g.nodes[0].domain, "");
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{kUnknownDim, 4}));
}

TEST(OnnxParser, RejectsGarbageTruncationAndMissingPieces) {
  const std::string good = add_model().SerializeAsString();
  EXPECT_THROW(load_onnx_bytes("", "m", ""), Error);
  EXPECT_THROW(load_onnx_bytes("this is plain text, not a model", "m", ""), Error);
  for (size_t cut : {size_t{1}, good.size() / 3, good.size() / 2, good.size() - 1})
    EXPECT_THROW(load_onnx_bytes(good.substr(0, cut), "m", ""), Error) << "cut at " << cut;
  onnx::ModelProto m = add_model();
  m.mutable_graph()->mutable_node(0)->set_input(1, "nowhere");
  EXPECT_NE(load_error(m).find("'nowhere'"), std::string::npos);
  onnx::ModelProto no_opset = add_model();
  no_opset.clear_opset_import();
  EXPECT_NE(load_error(no_opset).find("opset"), std::string::npos);
}

TEST(OnnxParser, RejectsCyclesNamingANode) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Add", {"x", "b"}, {"a"}, {}, "first");
  b.add_node("Relu", {"a"}, {"b"}, {}, "second");
  b.add_output("b", DataType::Float, {2});
  try {
    load_onnx_bytes(b.serialize(), "cyclic.onnx", "");
    FAIL() << "cycle accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos) << e.what();
  }
}

TEST(OnnxParser, RejectsTwoProducersOfOneValue) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {2});
  EXPECT_THROW(load_onnx_bytes(b.serialize(), "m", ""), Error);
}

TEST(OnnxParser, ExternalDataLoadsFromTheModelFolder) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2, 2});
  b.add_initializer("w", make_tensor<float>({2, 2}, {1, 2, 3, 4}));
  b.add_initializer("v", make_tensor<float>({3}, {7, 8, 9}));
  b.add_node("Add", {"x", "w"}, {"y"});
  b.add_node("Relu", {"v"}, {"z"});
  b.add_output("y", DataType::Float, {2, 2});
  b.add_output("z", DataType::Float, {3});
  b.use_external_data("weights.bin");
  b.save(dir + "/model.onnx");
  Graph g = load_onnx(dir + "/model.onnx");
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {1, 2, 3, 4}), *g.value(g.find_value("w")).constant));
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {7, 8, 9}), *g.value(g.find_value("v")).constant));
}

class ExternalDataEscape : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir();
    mkdir((dir_ + "/model").c_str(), 0755);
    write_file_bytes(dir_ + "/secret.bin", std::string(16, 'x'));
    write_file_bytes(dir_ + "/model/ok.bin", std::string(16, '\0'));
  }
  std::string error_for(const std::string& location, const std::string& offset = "0") {
    onnx::ModelProto m = add_model();
    auto* init = m.mutable_graph()->mutable_initializer(0);
    init->clear_raw_data();
    init->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* loc = init->add_external_data(); loc->set_key("location"); loc->set_value(location);
    auto* off = init->add_external_data(); off->set_key("offset"); off->set_value(offset);
    return load_error(m, dir_ + "/model");
  }
  std::string dir_;
};

TEST_F(ExternalDataEscape, ConfinesPathsToTheModelFolder) {
  EXPECT_EQ(error_for("ok.bin"), "");
  EXPECT_NE(error_for("../secret.bin").find("leaves the model's folder"), std::string::npos);
  EXPECT_NE(error_for(dir_ + "/secret.bin").find("must be relative"), std::string::npos);
  ASSERT_EQ(symlink((dir_ + "/secret.bin").c_str(), (dir_ + "/model/link.bin").c_str()), 0);
  EXPECT_NE(error_for("link.bin").find("outside the model's folder"), std::string::npos);
  EXPECT_NE(error_for("missing.bin").find("not found"), std::string::npos);
  EXPECT_NE(error_for("ok.bin", "9").find("beyond the end"), std::string::npos);
  EXPECT_NE(error_for("ok.bin", "99999999999999999999").find("bad external data"), std::string::npos);
}

TEST(TensorIo, PbAndNpyRoundTrip) {
  const std::string dir = temp_dir();
  Tensor t = make_tensor<int64_t>({2, 3}, {1, -2, 3, -4, 5, 1 << 20});
  save_tensor_pb(t, "t", dir + "/t.pb");
  std::string name;
  EXPECT_TRUE(tensors_close(t, load_tensor_pb(dir + "/t.pb", &name)));
  EXPECT_EQ(name, "t");
  Tensor f = make_tensor<float>({4}, {0.5f, -1, 2, 3});
  save_npy(f, dir + "/f.npy");
  EXPECT_TRUE(tensors_close(f, load_npy(dir + "/f.npy")));
  Tensor scalar = make_tensor<float>({}, {7});
  save_npy(scalar, dir + "/s.npy");
  EXPECT_TRUE(tensors_close(scalar, load_npy(dir + "/s.npy")));
  write_file_bytes(dir + "/bad.npy", "\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'");
  EXPECT_THROW(load_npy(dir + "/bad.npy"), Error);
}

}  // namespace
}  // namespace ssdx::test
