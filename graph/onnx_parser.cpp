#include "graph/onnx_parser.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include "graph/file_io.h"
#include "graph/subgraph_depth.h"
#include "graph/tensor_io.h"
#include "onnx.pb.h"

namespace ssdx {
namespace {

constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 10;
// ONNX's default domain is at opset 23 in 2025 and grows by about one a year; 1000 leaves room and refuses nonsense.
constexpr int64_t kMaxOpsetVersion = 1000;
// Subgraphs (If in If ...) nest at most this deep, and hold this many nodes together: each level is compiled and
// inferred by the level around it, so a bomb of nesting must fail here, with one line, rather than in the engine.
constexpr int kMaxSubgraphDepth = 32;
constexpr int64_t kMaxSubgraphNodes = 1000000;

std::string normalize_domain(const std::string& d) { return d == "ai.onnx" ? "" : d; }

std::string dir_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

// The names one graph defines (initializers, inputs, node outputs), and the graph around it: what a subgraph may
// read from outside.
struct Scope {
  std::set<std::string> names;
  const Scope* parent = nullptr;
  bool defines(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent)
      if (s->names.count(name)) return true;
    return false;
  }
};

Scope scope_of(const onnx::GraphProto& gp, const Scope* parent) {
  Scope s;
  s.parent = parent;
  for (const auto& init : gp.initializer()) s.names.insert(init.name());
  for (const auto& in : gp.input()) s.names.insert(in.name());
  for (const auto& n : gp.node())
    for (const auto& out : n.output())
      if (!out.empty()) s.names.insert(out);
  return s;
}

// Loading context: where messages point, where external data lives, how many weight bytes are allowed and taken.
struct Loader {
  std::string source;
  std::string base_dir;
  uint64_t weight_limit;
  uint64_t weight_bytes = 0;
  // Copied into every subgraph (the model's imports hold inside its subgraphs too).
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;
  int64_t subgraph_nodes = 0;  // nodes of every subgraph parsed so far

  // ---- tensors ----

  // Opens an external-data location inside base_dir one component at a time from the folder's descriptor, refusing
  // absolute paths, '..' and every symbolic link: what was checked is what is read, whatever changes on disk meanwhile.
  RegularFile open_external(const std::string& location, const std::string& what) const {
    if (base_dir.empty()) fail(source, ": ", what, " uses external data, which is not allowed here");
    if (location.empty() || location[0] == '/') fail(source, ": ", what, ": external data path '", location, "' must be relative");
    std::vector<std::string> parts;
    for (size_t start = 0; start <= location.size();) {
      size_t end = location.find('/', start);
      if (end == std::string::npos) end = location.size();
      const std::string part = location.substr(start, end - start);
      if (part == "..") fail(source, ": ", what, ": external data path '", location, "' leaves the model's folder");
      if (!part.empty() && part != ".") parts.push_back(part);
      start = end + 1;
    }
    if (parts.empty()) fail(source, ": ", what, ": external data path '", location, "' names no file");
    FileDescriptor dir(::open(base_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) fail(source, ": cannot open the model's folder: ", std::strerror(errno));
    for (size_t i = 0; i < parts.size(); ++i) {
      const bool last = i + 1 == parts.size();
      const int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (last ? O_NONBLOCK | O_NOCTTY : O_DIRECTORY);
      FileDescriptor next(::openat(dir.get(), parts[i].c_str(), flags));
      if (next.get() < 0) {
        const int err = errno;
        struct stat st;
        if (fstatat(dir.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
          fail(source, ": ", what, ": external data path '", location, "' goes through the symbolic link '", parts[i],
               "' (refused: a link may point outside the model's folder)");
        if (err == ENOENT || err == ENOTDIR) fail(source, ": ", what, ": external data file '", location, "' not found");
        fail(source, ": ", what, ": cannot open external data file '", location, "': ", std::strerror(err));
      }
      dir = std::move(next);
    }
    return as_regular_file(std::move(dir), source + ": " + what + ": '" + location + "'");
  }

  // External data for a tensor of `need` bytes: the file, opened and checked before the tensor is allocated.
  struct ExternalSource {
    RegularFile file;
    uint64_t offset = 0;
  };
  ExternalSource external_source(const onnx::TensorProto& tp, uint64_t need, const Shape& shape, const std::string& what) const {
    std::string location;
    uint64_t offset = 0, length = UINT64_MAX;
    for (const auto& kv : tp.external_data()) {
      auto to_u64 = [&](const std::string& s) -> uint64_t {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19)
          fail(source, ": ", what, ": bad external data ", kv.key(), " '", s, "'");
        return std::stoull(s);
      };
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = to_u64(kv.value());
      else if (kv.key() == "length") length = to_u64(kv.value());
    }
    if (length != UINT64_MAX && length != need)
      fail(source, ": ", what, ": external data length ", length, " does not match the ", need, " bytes of shape ", shape_str(shape));
    ExternalSource src{open_external(location, what), offset};
    const uint64_t size = src.file.size;
    if (offset > size || need > size - offset)
      fail(source, ": ", what, ": external data [", offset, ", +", need, ") lies beyond the end of '", location, "' (", size, " bytes)");
    return src;
  }

  template <typename Src, typename Dst>
  static void copy_field(const Src& field, Dst* dst) {
    for (int i = 0; i < field.size(); ++i) dst[i] = static_cast<Dst>(field.Get(i));
  }

  // How many values the typed field that holds `dtype` carries.
  int64_t typed_count(const onnx::TensorProto& tp, DataType dtype, const std::string& what) const {
    switch (dtype) {
      case DataType::Float: return tp.float_data_size();
      case DataType::Double: return tp.double_data_size();
      case DataType::Int64: return tp.int64_data_size();
      case DataType::Int32: case DataType::Int8: case DataType::UInt8: case DataType::Bool:
      case DataType::Int16: case DataType::UInt16: case DataType::Float16: case DataType::BFloat16:
        return tp.int32_data_size();
      case DataType::UInt32: case DataType::UInt64: return tp.uint64_data_size();
      default: fail(source, ": ", what, ": unsupported data type ", dtype_name(dtype));
    }
  }

  static void copy_typed(const onnx::TensorProto& tp, Tensor& t) {
    switch (t.dtype()) {
      case DataType::Float: copy_field(tp.float_data(), t.data<float>()); break;
      case DataType::Double: copy_field(tp.double_data(), t.data<double>()); break;
      case DataType::Int64: copy_field(tp.int64_data(), t.data<int64_t>()); break;
      case DataType::Int32: copy_field(tp.int32_data(), t.data<int32_t>()); break;
      case DataType::Int8: copy_field(tp.int32_data(), t.data<int8_t>()); break;
      case DataType::UInt8: copy_field(tp.int32_data(), t.data<uint8_t>()); break;
      case DataType::Bool: copy_field(tp.int32_data(), t.data<bool>()); break;
      case DataType::Int16: case DataType::UInt16: case DataType::Float16: case DataType::BFloat16:
        copy_field(tp.int32_data(), static_cast<uint16_t*>(t.raw()));
        break;
      case DataType::UInt32: copy_field(tp.uint64_data(), static_cast<uint32_t*>(t.raw())); break;
      case DataType::UInt64: copy_field(tp.uint64_data(), static_cast<uint64_t*>(t.raw())); break;
      default: break;  // typed_count refused it
    }
  }

  // Every check that can fail comes before the tensor is allocated: the declared dims are only believed once the
  // data present (raw bytes, typed values or the external file) is known to fill them, and within the budget.
  Tensor tensor(const onnx::TensorProto& tp, const std::string& what) {
    if (!dtype_is_known(tp.data_type())) fail(source, ": ", what, " has unknown data type code ", tp.data_type());
    const DataType dtype = static_cast<DataType>(tp.data_type());
    if (dtype == DataType::String) fail(source, ": ", what, ": string tensors are not supported");
    Shape shape(tp.dims().begin(), tp.dims().end());
    for (int64_t d : shape)
      if (d < 0) fail(source, ": ", what, " has negative dimension ", d, " in ", shape_str(shape));
    int64_t numel;
    try {
      numel = shape_numel(shape);
    } catch (const Error& e) {
      fail(source, ": ", what, ": ", e.what());
    }
    const uint64_t bytes = static_cast<uint64_t>(numel) * dtype_size(dtype);
    if (numel != 0 && bytes / static_cast<uint64_t>(numel) != dtype_size(dtype)) fail(source, ": ", what, " is too large");

    if (tp.data_location() == onnx::TensorProto::EXTERNAL) {
      ExternalSource src = external_source(tp, bytes, shape, what);
      charge(bytes, what);
      Tensor t(dtype, shape);
      read_exactly(src.file.fd.get(), src.offset, t.raw(), bytes, source + ": " + what + ": external data");
      return t;
    }
    if (tp.has_raw_data()) {
      if (tp.raw_data().size() != bytes)
        fail(source, ": ", what, " has ", tp.raw_data().size(), " raw bytes but shape ", shape_str(shape), " needs ", bytes);
      charge(bytes, what);
      Tensor t(dtype, shape);
      if (bytes) std::memcpy(t.raw(), tp.raw_data().data(), bytes);
      return t;
    }
    const int64_t n = typed_count(tp, dtype, what);
    if (n != numel) fail(source, ": ", what, " holds ", n, " values but shape ", shape_str(shape), " needs ", numel);
    charge(bytes, what);  // typed values widen (a 1-byte varint can become 8 bytes): they count as what they become
    Tensor t(dtype, shape);
    copy_typed(tp, t);
    return t;
  }

  // The same for a message discarded afterwards: its raw bytes are freed as soon as they are copied, so an
  // initializer's data is held twice for one tensor at a time, not for the whole model.
  Tensor take_tensor(onnx::TensorProto& tp, const std::string& what) {
    Tensor t = tensor(tp, what);
    std::string().swap(*tp.mutable_raw_data());
    return t;
  }

  // Every tensor the file makes us hold counts against the weight ceiling.
  void charge(uint64_t bytes, const std::string& what) {
    if (bytes > weight_limit || weight_bytes > weight_limit - bytes)
      fail(source, ": ", what, ": the tensors loaded so far take ", bytes_str(weight_bytes + bytes),
           ", over the weight limit of ", bytes_str(weight_limit));
    weight_bytes += bytes;
  }

  // ---- types and attributes ----

  // Reads a value's declared tensor type; returns false for non-tensor types (sequences, maps, optionals).
  bool value_type(const onnx::ValueInfoProto& vi, Value& v) {
    if (!vi.has_type()) return true;
    const auto& type = vi.type();
    if (!type.has_tensor_type()) return false;
    const auto& tt = type.tensor_type();
    if (tt.elem_type() != 0) {
      if (!dtype_is_known(tt.elem_type())) fail(source, ": value '", vi.name(), "' has unknown element type ", tt.elem_type());
      v.dtype = static_cast<DataType>(tt.elem_type());
    }
    if (tt.has_shape()) {
      v.shape.clear();
      for (const auto& d : tt.shape().dim()) {
        if (d.has_dim_value()) {
          if (d.dim_value() < 0) fail(source, ": value '", vi.name(), "' has negative dimension ", d.dim_value());
          v.shape.push_back(d.dim_value());
        } else {
          v.shape.push_back(kUnknownDim);
        }
      }
      v.shape_known = true;
    }
    return true;
  }

  // `scope` is the graph the attribute's node belongs to: a subgraph resolves the names it does not define there.
  Attribute attribute(onnx::AttributeProto& ap, const std::string& where, const Scope& scope, int depth) {
    Attribute a;
    using AP = onnx::AttributeProto;
    AP::AttributeType type = ap.type();
    if (type == AP::UNDEFINED) {  // files older than IR 2 leave the type out; infer it from the field set
      if (ap.has_f()) type = AP::FLOAT;
      else if (ap.has_i()) type = AP::INT;
      else if (ap.has_s()) type = AP::STRING;
      else if (ap.has_t()) type = AP::TENSOR;
      else if (ap.has_g()) type = AP::GRAPH;
      else if (ap.floats_size()) type = AP::FLOATS;
      else if (ap.ints_size()) type = AP::INTS;
      else if (ap.strings_size()) type = AP::STRINGS;
      else if (ap.tensors_size()) type = AP::TENSORS;
      else if (ap.graphs_size()) type = AP::GRAPHS;
      else fail(source, ": ", where, ": attribute '", ap.name(), "' has no type and no value");
    }
    const std::string what = where + " attribute '" + ap.name() + "'";
    switch (type) {
      case AP::FLOAT: a.kind = Attribute::Kind::Float; a.f = ap.f(); break;
      case AP::INT: a.kind = Attribute::Kind::Int; a.i = ap.i(); break;
      case AP::STRING: a.kind = Attribute::Kind::String; a.s = ap.s(); break;
      case AP::TENSOR: a.kind = Attribute::Kind::Tensor; a.t = tensor(ap.t(), what); break;
      case AP::FLOATS: a.kind = Attribute::Kind::Floats; a.floats.assign(ap.floats().begin(), ap.floats().end()); break;
      case AP::INTS: a.kind = Attribute::Kind::Ints; a.ints.assign(ap.ints().begin(), ap.ints().end()); break;
      case AP::STRINGS: a.kind = Attribute::Kind::Strings; a.strings.assign(ap.strings().begin(), ap.strings().end()); break;
      case AP::TENSORS:
        a.kind = Attribute::Kind::Tensors;
        for (const auto& t : ap.tensors()) a.tensors.push_back(tensor(t, what));
        break;
      case AP::GRAPH:
        if (!ap.has_g()) fail(source, ": ", what, " is a graph attribute without a graph");
        a.kind = Attribute::Kind::Graph;
        a.graph = subgraph(*ap.mutable_g(), what, scope, depth + 1);
        break;
      case AP::GRAPHS:
        a.kind = Attribute::Kind::Graphs;
        for (int k = 0; k < ap.graphs_size(); ++k)
          a.graphs.push_back(subgraph(*ap.mutable_graphs(k), what + " graph " + std::to_string(k), scope, depth + 1));
        break;
      default: a.kind = Attribute::Kind::Opaque; break;  // sparse tensors, type protos: kept, never read
    }
    return a;
  }

  // ---- the graph ----

  // Consumes `model`'s initializer bytes (each freed once it is a tensor); the rest of the message is only read.
  Graph graph(onnx::ModelProto& model) {
    Graph g;
    g.source = source;
    g.ir_version = model.ir_version();
    if (g.ir_version < kMinIrVersion || g.ir_version > kMaxIrVersion)
      fail(source, ": IR version ", g.ir_version, " is not supported (", kMinIrVersion, " to ", kMaxIrVersion, ")");
    for (const auto& op : model.opset_import()) {
      if (op.version() < 1 || op.version() > kMaxOpsetVersion)
        fail(source, ": opset import for domain '", op.domain(), "' has version ", op.version(), " (1 to ",
             kMaxOpsetVersion, " accepted)");
      if (!g.opsets.emplace(normalize_domain(op.domain()), op.version()).second)
        fail(source, ": opset for domain '", op.domain(), "' is imported twice");
    }
    if (!g.opsets.count("")) fail(source, ": the model imports no opset for the default ONNX domain");
    for (const auto& prop : model.metadata_props())
      if (!g.metadata.emplace(prop.key(), prop.value()).second)
        fail(source, ": metadata_props key '", prop.key(), "' appears twice");
    ir_version = g.ir_version;
    opsets = g.opsets;
    onnx::GraphProto& gp = *model.mutable_graph();
    const Scope scope = scope_of(gp, nullptr);
    body(gp, g, scope, 0, "");
    if (g.outputs.empty()) fail(source, ": the graph has no outputs");
    g.link();
    g.verify();
    g.topo_sort();
    return g;
  }

  // A subgraph (If's branches, Loop's body) as a Graph of its own. Names it reads but does not define are looked up
  // in the enclosing graphs, innermost first, and become its captured values; a name defined nowhere fails here.
  std::shared_ptr<const Graph> subgraph(onnx::GraphProto& gp, const std::string& where, const Scope& outer, int depth) {
    if (depth > kMaxSubgraphDepth)
      fail(source, ": ", where, ": subgraphs nested more than ", kMaxSubgraphDepth, " deep (the limit)");
    subgraph_nodes += gp.node_size();
    if (subgraph_nodes > kMaxSubgraphNodes)
      fail(source, ": ", where, ": the subgraphs hold more than ", kMaxSubgraphNodes, " nodes together (the limit)");
    auto sg = std::make_shared<Graph>();
    sg->source = source;
    sg->ir_version = ir_version;
    sg->opsets = opsets;
    const Scope scope = scope_of(gp, &outer);
    const std::string context = where + ": ";
    body(gp, *sg, scope, depth, context);
    for (size_t id = 0; id < sg->values.size(); ++id) {
      Value& v = sg->values[id];
      if (v.constant || v.is_graph_input || v.producer == -2) continue;
      if (!outer.defines(v.name)) {
        std::string reader = "an output";
        for (const Node& n : sg->nodes)
          if (std::find(n.inputs.begin(), n.inputs.end(), static_cast<int>(id)) != n.inputs.end()) {
            reader = "node '" + n.name + "' (" + n.op_type + ")";
            break;
          }
        fail(source, ": ", context, reader, " reads '", v.name,
             "', which neither the subgraph nor an enclosing graph defines");
      }
      v.is_graph_input = true;  // an outer-scope value: provided from outside, like an input
      sg->captured.push_back(static_cast<int>(id));
    }
    try {
      sg->link();
      sg->verify();
      sg->topo_sort();
    } catch (const Error& e) {
      fail(context, e.what());
    }
    return sg;
  }

  // Initializers, inputs, nodes, value_info and outputs of one graph. `context` prefixes messages in subgraphs.
  void body(onnx::GraphProto& gp, Graph& g, const Scope& scope, int depth, const std::string& context) {
    const bool nested = depth > 0;
    for (auto& init : *gp.mutable_initializer()) {
      if (init.name().empty()) fail(source, ": ", context, "an initializer has no name");
      if (g.find_value(init.name()) >= 0) fail(source, ": ", context, "initializer '", init.name(), "' is defined twice");
      g.add_constant(init.name(), take_tensor(init, context + "initializer '" + init.name() + "'"));
    }
    if (gp.sparse_initializer_size()) fail(source, ": ", context, "sparse initializers are not supported");

    std::set<std::string> listed_inputs;
    for (const auto& in : gp.input()) {
      if (!listed_inputs.insert(in.name()).second) fail(source, ": ", context, "graph input '", in.name(), "' is listed twice");
      int id = g.find_value(in.name());
      if (id >= 0 && g.value(id).constant) continue;  // an initializer listed as input (IR < 4 style): a constant
      if (id >= 0) fail(source, ": ", context, "graph input '", in.name(), "' is declared twice");
      id = g.add_value(in.name());
      Value& v = g.value(id);
      if (!value_type(in, v)) fail(source, ": ", context, "graph input '", in.name(), "' is not a tensor");
      // A subgraph's formal inputs (Loop's body) may leave their types to the op.
      if (v.dtype == DataType::Undefined && !nested)
        fail(source, ": ", context, "graph input '", in.name(), "' has no element type");
      v.is_graph_input = true;
      g.inputs.push_back(id);
    }

    for (auto& np : *gp.mutable_node()) {
      Node n;
      n.name = np.name();
      n.op_type = np.op_type();
      n.domain = normalize_domain(np.domain());
      const std::string where = context + "node '" + n.name + "' (" + n.op_type + ")";
      if (n.op_type.empty()) fail(source, ": ", where, " has no op_type");
      for (auto& ap : *np.mutable_attribute()) {
        if (n.attrs.has(ap.name())) fail(source, ": ", where, ": attribute '", ap.name(), "' appears twice");
        n.attrs.set(ap.name(), attribute(ap, where, scope, depth));
      }
      for (const auto& in : np.input()) n.inputs.push_back(in.empty() ? kNoValue : g.value_for(in));
      // The outer-scope names its subgraphs read become implicit inputs: values of this graph (or, captured in
      // turn, of an enclosing one).
      for (const auto& kv : n.attrs.all()) {
        std::vector<const Graph*> graphs;
        if (kv.second.graph) graphs.push_back(kv.second.graph.get());
        for (const auto& sg : kv.second.graphs) graphs.push_back(sg.get());
        for (const Graph* sg : graphs)
          for (int id : sg->captured) {
            const std::string& name = sg->value(id).name;
            if (std::find(n.implicit_names.begin(), n.implicit_names.end(), name) != n.implicit_names.end()) continue;
            n.implicit_names.push_back(name);
            n.inputs.push_back(g.value_for(name));
          }
      }
      for (const auto& out : np.output()) {
        if (out.empty()) { n.outputs.push_back(kNoValue); continue; }
        int id = g.find_value(out);
        if (id >= 0 && g.value(id).producer == -2)
          fail(source, ": ", context, "value '", out, "' is produced by more than one node (second: ", where, ")");
        if (id >= 0 && (g.value(id).constant || g.value(id).is_graph_input))
          fail(source, ": ", where, " writes '", out, "', which is a graph input or initializer");
        id = g.value_for(out);
        g.value(id).producer = -2;  // marks "has a producer" until link() assigns real ids
        n.outputs.push_back(id);
      }
      g.add_node(std::move(n));
    }

    for (const auto& vi : gp.value_info()) {
      int id = g.find_value(vi.name());
      if (id >= 0 && !g.value(id).constant) value_type(vi, g.value(id));
    }
    for (const auto& out : gp.output()) {
      int id = g.find_value(out.name());
      if (id < 0 && !nested) fail(source, ": graph output '", out.name(), "' is not produced by any node");
      if (id < 0) id = g.add_value(out.name());  // an outer-scope value the subgraph returns as it is
      Value& v = g.value(id);
      if (v.is_graph_output) fail(source, ": ", context, "graph output '", out.name(), "' is listed twice");
      Value declared;
      if (!value_type(out, declared))
        fail(source, ": ", context, "graph output '", out.name(),
             "' is not a tensor (sequences, maps and optionals are not supported)");
      if (v.dtype != DataType::Undefined && declared.dtype != DataType::Undefined && v.dtype != declared.dtype)
        fail(source, ": ", context, "graph output '", out.name(), "' is declared ", dtype_name(declared.dtype), " but is ",
             dtype_name(v.dtype), " elsewhere in the file");
      if (v.shape_known && declared.shape_known && !shapes_agree(v.shape, declared.shape))
        fail(source, ": ", context, "graph output '", out.name(), "' is declared with shape ", shape_str(declared.shape),
             " but is ", shape_str(v.shape), " elsewhere in the file");
      if (v.dtype == DataType::Undefined) v.dtype = declared.dtype;
      if (!v.shape_known && declared.shape_known) { v.shape = declared.shape; v.shape_known = true; }
      v.is_graph_output = true;
      g.outputs.push_back(id);
    }
  }
};

// Past the levels kMaxSubgraphDepth subgraphs take (node, attribute, graph: three messages each), room for type
// protos (value_info -> type -> tensor_type -> shape -> dim) and sequences of sequences.
constexpr int kProtobufRecursionLimit = 3 * kMaxSubgraphDepth + 40;

// On a failed parse: a model nested past the limit gets its own message (protobuf only says it failed).
void check_model_proto(const onnx::ModelProto& model, bool parsed, const std::string& source, const ByteReader& read,
                       uint64_t size) {
  if (!parsed) {
    const int depth = subgraph_nesting_depth(read, size);
    if (depth > kMaxSubgraphDepth)
      fail(source, ": subgraphs nested ", depth, " deep, over the limit of ", kMaxSubgraphDepth);
    fail(source, ": not a valid ONNX model (protobuf parse failed: truncated or not an .onnx file)");
  }
  if (!model.has_graph() || model.ir_version() == 0)
    fail(source, ": not an ONNX model (no graph or no IR version)");
}

bool parse_coded(onnx::ModelProto& model, google::protobuf::io::CodedInputStream& in) {
  in.SetRecursionLimit(kProtobufRecursionLimit);
  return model.ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
}

void parse_model_proto(onnx::ModelProto& model, const std::string& bytes, const std::string& source) {
  if (bytes.empty()) fail(source, ": file is empty, not an ONNX model");
  if (bytes.size() > static_cast<size_t>(INT_MAX)) fail(source, ": file is larger than 2 GiB; use external data");
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  const bool parsed = parse_coded(model, in);
  const ByteReader read = [&](uint64_t offset, void* dst, size_t n) {
    const size_t k = offset >= bytes.size() ? 0 : std::min(n, bytes.size() - static_cast<size_t>(offset));
    std::memcpy(dst, bytes.data() + offset, k);
    return k;
  };
  check_model_proto(model, parsed, source, read, bytes.size());
}

// The real path of an opened file (the file itself, not whatever its name points to by now).
std::string opened_path(int fd, const std::string& path) {
  char real[PATH_MAX];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(link.c_str(), real, sizeof real - 1);
  if (n > 0 && real[0] == '/') return std::string(real, static_cast<size_t>(n));
  if (!realpath(path.c_str(), real)) fail(path, ": cannot resolve the model's path: ", std::strerror(errno));
  return real;
}

}  // namespace

Graph load_onnx_bytes(const std::string& bytes, const std::string& source_name, const std::string& base_dir,
                      const LoadOptions& opts) {
  onnx::ModelProto model;
  parse_model_proto(model, bytes, source_name);
  Loader loader{source_name, base_dir, opts.max_weight_bytes};
  return loader.graph(model);
}

// The model's own folder holds its external data: a symbolic link to a model elsewhere loads that model with its
// weights, as if it had been named by its real path. Refused by size before a byte is read, and parsed from the
// descriptor through protobuf's small stream buffer: the file's bytes are never held whole beside the message.
Graph load_onnx(const std::string& path, const LoadOptions& opts) {
  RegularFile file = open_regular_file(path);
  if (file.size == 0) fail(path, ": file is empty, not an ONNX model");
  if (file.size > static_cast<uint64_t>(INT_MAX))
    fail(path, ": file is ", file.size, " bytes, larger than protobuf's 2 GiB limit; keep the weights as external data");
  const std::string real = opened_path(file.fd.get(), path);
  onnx::ModelProto model;
  bool parsed;
  {
    google::protobuf::io::FileInputStream stream(file.fd.get());
    google::protobuf::io::CodedInputStream in(&stream);
    parsed = parse_coded(model, in);
  }
  const ByteReader read = [&](uint64_t offset, void* dst, size_t n) -> size_t {
    const ssize_t k = ::pread(file.fd.get(), dst, n, static_cast<off_t>(offset));
    return k > 0 ? static_cast<size_t>(k) : 0;
  };
  check_model_proto(model, parsed, path, read, file.size);
  Loader loader{path, dir_of(real), opts.max_weight_bytes};
  return loader.graph(model);
}

Tensor parse_tensor_pb(const std::string& bytes, const std::string& source_name, std::string* name) {
  onnx::TensorProto tp;
  if (bytes.size() > static_cast<size_t>(INT_MAX) || !tp.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    fail(source_name, ": not a valid serialized TensorProto");
  if (!tp.has_data_type()) fail(source_name, ": TensorProto has no data type");
  if (name) *name = tp.name();
  Loader loader{source_name, "", max_tensor_bytes()};
  return loader.tensor(tp, "tensor");
}

Tensor load_tensor_pb(const std::string& path, std::string* name) {
  // A tensor's bytes plus its name, dims and field tags: a file much larger cannot be one tensor we accept.
  return parse_tensor_pb(read_regular_file(path, max_tensor_bytes() + (uint64_t{1} << 20)), path, name);
}

void save_tensor_pb(const Tensor& t, const std::string& name, const std::string& path) {
  onnx::TensorProto tp;
  tp.set_name(name);
  tp.set_data_type(static_cast<int32_t>(t.dtype()));
  for (int64_t d : t.shape()) tp.add_dims(d);
  tp.set_raw_data(t.raw(), t.nbytes());
  std::string bytes;
  if (!tp.SerializeToString(&bytes)) fail(path, ": cannot serialize tensor '", name, "'");
  write_file_bytes(path, bytes);
}

}  // namespace ssdx
