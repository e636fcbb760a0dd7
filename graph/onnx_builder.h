#pragma once
// Builds ONNX models in memory and writes them: used by the model generator and by tests that need hand-made
// (including deliberately broken) models. Keeps the protobuf classes private.
#include <memory>
#include <string>
#include <vector>

#include "graph/attributes.h"
#include "graph/tensor.h"

namespace ssdx {

class ModelBuilder;

// A graph-valued attribute of a node (If's then_branch, Loop's body): the graph `graph` holds, i.e. its inputs,
// outputs, initializers and nodes (its opsets, IR version and metadata belong to the model and are not written).
// Names the subgraph reads without defining them are the enclosing graph's values, as ONNX scoping says.
struct SubgraphAttribute {
  std::string name;
  const ModelBuilder* graph;
};

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 12, int64_t ir_version = 7);
  ~ModelBuilder();
  ModelBuilder(const ModelBuilder&) = delete;
  ModelBuilder& operator=(const ModelBuilder&) = delete;

  void set_opset(const std::string& domain, int64_t version);
  // One metadata_props entry (a second call with the same key replaces the value).
  void set_metadata(const std::string& key, const std::string& value);
  // Dims < 0 become symbolic dims named `dim_names[i]` (or "d<i>").
  void add_input(const std::string& name, DataType dtype, const Shape& shape,
                 const std::vector<std::string>& dim_names = {});
  void add_output(const std::string& name, DataType dtype, const Shape& shape,
                  const std::vector<std::string>& dim_names = {});
  // Without a shape (rank unknown); DataType::Undefined also leaves the element type out (allowed in subgraphs).
  void add_input_of_unknown_rank(const std::string& name, DataType dtype);
  void add_output_of_unknown_rank(const std::string& name, DataType dtype);
  void add_initializer(const std::string& name, const Tensor& t);
  void add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                const std::vector<std::string>& outputs, const Attributes& attrs = {}, const std::string& name = "",
                const std::string& domain = "", const std::vector<SubgraphAttribute>& subgraphs = {});
  // An If node: `cond` picks the outputs of `then_branch` or of `else_branch` (builders holding one graph each).
  void add_if(const std::string& cond, const std::vector<std::string>& outputs, const ModelBuilder& then_branch,
              const ModelBuilder& else_branch, const std::string& name = "");
  // Moves every initializer of at least `min_bytes` into `data_file` (written next to the model by save()).
  void use_external_data(const std::string& data_file, size_t min_bytes = 0);

  std::string serialize() const;
  void save(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssdx
