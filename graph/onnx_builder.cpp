#include "graph/onnx_builder.h"

#include "graph/tensor_io.h"
#include "onnx.pb.h"

namespace ssdx {

struct ModelBuilder::Impl {
  onnx::ModelProto model;
  std::string external_file;
  size_t external_min_bytes = 0;
};

namespace {

void fill_tensor_proto(onnx::TensorProto* tp, const std::string& name, const Tensor& t) {
  tp->set_name(name);
  tp->set_data_type(static_cast<int32_t>(t.dtype()));
  for (int64_t d : t.shape()) tp->add_dims(d);
  tp->set_raw_data(t.raw(), t.nbytes());
}

void fill_value_info(onnx::ValueInfoProto* vi, const std::string& name, DataType dtype, const Shape* shape,
                     const std::vector<std::string>& dim_names) {
  vi->set_name(name);
  if (dtype == DataType::Undefined && !shape) return;  // no type at all
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  if (dtype != DataType::Undefined) tt->set_elem_type(static_cast<int32_t>(dtype));
  if (!shape) return;
  auto* sh = tt->mutable_shape();
  for (size_t i = 0; i < shape->size(); ++i) {
    auto* d = sh->add_dim();
    if ((*shape)[i] >= 0) d->set_dim_value((*shape)[i]);
    else d->set_dim_param(i < dim_names.size() ? dim_names[i] : "d" + std::to_string(i));
  }
}

void fill_attribute(onnx::AttributeProto* ap, const std::string& name, const Attribute& a) {
  using AP = onnx::AttributeProto;
  ap->set_name(name);
  switch (a.kind) {
    case Attribute::Kind::Float: ap->set_type(AP::FLOAT); ap->set_f(a.f); break;
    case Attribute::Kind::Int: ap->set_type(AP::INT); ap->set_i(a.i); break;
    case Attribute::Kind::String: ap->set_type(AP::STRING); ap->set_s(a.s); break;
    case Attribute::Kind::Tensor: ap->set_type(AP::TENSOR); fill_tensor_proto(ap->mutable_t(), "", a.t); break;
    case Attribute::Kind::Floats: ap->set_type(AP::FLOATS); for (float f : a.floats) ap->add_floats(f); break;
    case Attribute::Kind::Ints: ap->set_type(AP::INTS); for (int64_t i : a.ints) ap->add_ints(i); break;
    case Attribute::Kind::Strings: ap->set_type(AP::STRINGS); for (const auto& s : a.strings) ap->add_strings(s); break;
    case Attribute::Kind::Tensors:
      ap->set_type(AP::TENSORS);
      for (const auto& t : a.tensors) fill_tensor_proto(ap->add_tensors(), "", t);
      break;
    default: fail("attribute '", name, "' of kind ", attribute_kind_name(a.kind), " cannot be written");
  }
}

}  // namespace

ModelBuilder::ModelBuilder(int64_t opset, int64_t ir_version) : impl_(std::make_unique<Impl>()) {
  impl_->model.set_ir_version(ir_version);
  impl_->model.set_producer_name("ssdx");
  impl_->model.mutable_graph()->set_name("ssdx_graph");
  set_opset("", opset);
}

ModelBuilder::~ModelBuilder() = default;

void ModelBuilder::set_metadata(const std::string& key, const std::string& value) {
  for (auto& prop : *impl_->model.mutable_metadata_props())
    if (prop.key() == key) {
      prop.set_value(value);
      return;
    }
  auto* prop = impl_->model.add_metadata_props();
  prop->set_key(key);
  prop->set_value(value);
}

void ModelBuilder::set_opset(const std::string& domain, int64_t version) {
  for (auto& op : *impl_->model.mutable_opset_import())
    if (op.domain() == domain) { op.set_version(version); return; }
  auto* op = impl_->model.add_opset_import();
  op->set_domain(domain);
  op->set_version(version);
}

void ModelBuilder::add_input(const std::string& name, DataType dtype, const Shape& shape,
                             const std::vector<std::string>& dim_names) {
  fill_value_info(impl_->model.mutable_graph()->add_input(), name, dtype, &shape, dim_names);
}

void ModelBuilder::add_input_of_unknown_rank(const std::string& name, DataType dtype) {
  fill_value_info(impl_->model.mutable_graph()->add_input(), name, dtype, nullptr, {});
}

void ModelBuilder::add_output_of_unknown_rank(const std::string& name, DataType dtype) {
  fill_value_info(impl_->model.mutable_graph()->add_output(), name, dtype, nullptr, {});
}

void ModelBuilder::add_output(const std::string& name, DataType dtype, const Shape& shape,
                              const std::vector<std::string>& dim_names) {
  fill_value_info(impl_->model.mutable_graph()->add_output(), name, dtype, &shape, dim_names);
}

void ModelBuilder::add_initializer(const std::string& name, const Tensor& t) {
  fill_tensor_proto(impl_->model.mutable_graph()->add_initializer(), name, t);
}

void ModelBuilder::add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs, const Attributes& attrs, const std::string& name,
                            const std::string& domain, const std::vector<SubgraphAttribute>& subgraphs) {
  auto* n = impl_->model.mutable_graph()->add_node();
  n->set_op_type(op_type);
  n->set_name(name.empty() ? op_type + "_" + std::to_string(impl_->model.graph().node_size()) : name);
  if (!domain.empty()) n->set_domain(domain);
  for (const auto& in : inputs) n->add_input(in);
  for (const auto& out : outputs) n->add_output(out);
  for (const auto& kv : attrs.all()) fill_attribute(n->add_attribute(), kv.first, kv.second);
  for (const SubgraphAttribute& sg : subgraphs) {
    if (!sg.graph) fail("subgraph attribute '", sg.name, "' has no graph");
    auto* ap = n->add_attribute();
    ap->set_name(sg.name);
    ap->set_type(onnx::AttributeProto::GRAPH);
    *ap->mutable_g() = sg.graph->impl_->model.graph();
    ap->mutable_g()->set_name(sg.name);
  }
}

void ModelBuilder::add_if(const std::string& cond, const std::vector<std::string>& outputs,
                          const ModelBuilder& then_branch, const ModelBuilder& else_branch, const std::string& name) {
  add_node("If", {cond}, outputs, {}, name, "", {{"then_branch", &then_branch}, {"else_branch", &else_branch}});
}

void ModelBuilder::use_external_data(const std::string& data_file, size_t min_bytes) {
  impl_->external_file = data_file;
  impl_->external_min_bytes = min_bytes;
}

std::string ModelBuilder::serialize() const {
  std::string bytes;
  if (!impl_->model.SerializeToString(&bytes)) fail("cannot serialize the model");
  return bytes;
}

void ModelBuilder::save(const std::string& path) const {
  if (impl_->external_file.empty()) {
    write_file_bytes(path, serialize());
    return;
  }
  // Move large initializers into the data file, in order, 64-byte aligned as onnx's own writer does.
  onnx::ModelProto copy = impl_->model;
  std::string blob;
  for (auto& init : *copy.mutable_graph()->mutable_initializer()) {
    if (init.raw_data().size() < impl_->external_min_bytes) continue;
    blob.append((64 - blob.size() % 64) % 64, '\0');
    const size_t offset = blob.size();
    blob += init.raw_data();
    const size_t length = init.raw_data().size();
    init.clear_raw_data();
    init.set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const std::string& k, const std::string& v) {
      auto* e = init.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", impl_->external_file);
    add("offset", std::to_string(offset));
    add("length", std::to_string(length));
  }
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  write_file_bytes(dir + "/" + impl_->external_file, blob);
  std::string bytes;
  if (!copy.SerializeToString(&bytes)) fail("cannot serialize the model");
  write_file_bytes(path, bytes);
}

}  // namespace ssdx
