#include "study/model_comparison.h"

#include <optional>

#include "app/family_io.h"

#include <algorithm>
#include <memory>
#include <set>

#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "passes/eliminate_dead.h"
#include "app/detector.h"
#include "app/image.h"
#include "app/preprocess.h"

namespace ssdx::study {
namespace {

// Plain copies of the probe tensors as a run computes them (whatever layout and arena place they have there).
class ProbeCollector : public RunObserver {
 public:
  explicit ProbeCollector(const std::vector<const Probe*>& probes) {
    for (const Probe* p : probes) wanted_.insert(p->name);
  }
  void on_step(const StepView& step, const std::vector<const Tensor*>&, const std::vector<Tensor>& outputs) override {
    for (size_t o = 0; o < outputs.size(); ++o) {
      const std::string& name = step.output_name(o);
      if (wanted_.count(name)) seen_[name] = plain_copy(outputs[o]);
    }
  }
  TensorMap take() { return std::move(seen_); }

 private:
  std::set<std::string> wanted_;
  TensorMap seen_;
};

// Runs the session on x, returning its outputs and the probe tensors the observer collected, by name.
TensorMap run_watching(const Session& s, ProbeCollector& probes, const std::string& input, const Tensor& x) {
  TensorMap out = s.run({{input, x}}, nullptr, &probes);
  for (auto& [name, t] : probes.take()) out.emplace(name, std::move(t));
  return out;
}

// The kernel that writes a probe in the optimized session: QLinearConv rather than the QuantizeLinear it absorbed.
std::string kernel_of(const Session& s, const std::string& name) {
  for (const PlannedStep& step : s.plan().steps)
    for (const PlannedOutput& o : step.outputs)
      if (o.name == name) return step.op_type;
  return "input";
}

const Tensor& probe_tensor(const TensorMap& outputs, const Probe& p, const std::string& input_name, const Tensor& input) {
  if (p.name == input_name) return input;
  const auto it = outputs.find(p.name);
  if (it == outputs.end()) fail("compare: tensor '", p.name, "' was not computed by the session");
  return it->second;
}

// Checked before the sessions are built (seconds for a large model).
void check_same_image_size(const Graph& ga, const Graph& gb) {
  if (ga.inputs.size() != 1 || gb.inputs.size() != 1) return;  // app::detector_image_input() says what is wrong
  const Value &a = ga.value(ga.inputs[0]), &b = gb.value(gb.inputs[0]);
  if (a.shape.size() == 4 && b.shape.size() == 4 && (a.shape[2] != b.shape[2] || a.shape[3] != b.shape[3]))
    fail("compare: ", ga.source, " takes images ", shape_str(a.shape), " but ", gb.source, " takes ",
         shape_str(b.shape), "; both must take the same size");
}

}  // namespace

std::unique_ptr<Session> probe_session(Graph g, const std::vector<const Probe*>& probes, SessionOptions opts) {
  for (const Probe* p : probes) opts.keep_values.push_back(p->name);
  return std::make_unique<Session>(std::move(g), opts);
}

Graph load_for_probes(const std::string& path) {
  Graph g = load_onnx(path);
  g.topo_sort();
  g.verify();
  infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::KeepDequantize);
  eliminate_dead_nodes(g);
  return g;
}

Comparison compare_models(const std::string& model_a, const std::string& model_b,
                          const std::vector<std::string>& images, float threshold, const SessionOptions& opts_a,
                          const SessionOptions& opts_b) {
  if (images.empty()) fail("compare: no images (ssdx compare MODEL_A MODEL_B IMAGE...)");
  Comparison c;
  c.model_a = model_a;
  c.model_b = model_b;
  c.threshold = threshold;
  c.image_count = images.size();
  Graph ga = load_for_probes(model_a), gb = load_for_probes(model_b);
  check_same_image_size(ga, gb);
  std::vector<app::Image> decoded;  // before the sessions: a bad image fails before seconds of kernel creation
  for (const std::string& path : images) decoded.push_back(app::load_image(path));
  const std::vector<Probe> pa = find_probes(ga), pb = find_probes(gb);
  c.probes_a = pa.size();
  c.probes_b = pb.size();
  const std::vector<ProbePair> pairs = match_probes(ga, pa, gb, pb);
  std::vector<const Probe*> expose_a, expose_b;
  for (const ProbePair& p : pairs) {
    expose_a.push_back(&p.a);
    expose_b.push_back(&p.b);
  }
  const auto sa = probe_session(std::move(ga), expose_a, opts_a);
  const auto sb = probe_session(std::move(gb), expose_b, opts_b);
  ProbeCollector watch_a(expose_a), watch_b(expose_b);
  // Both take the same image, laid out as model A wants it (an int8 model keeps its float model's metadata).
  const app::ModelSpec spec_a = app::parse_model_spec(sa->graph().metadata, model_a);
  const app::ModelSpec spec_b = app::parse_model_spec(sb->graph().metadata, model_b);
  auto image_of = [](const Session& s, const app::ModelSpec& spec, const std::string& model) {
    if (s.inputs().size() != 1) fail(model, ": compare needs one image input; the model has ", s.inputs().size());
    const TensorInfo& in = s.inputs()[0];
    return app::image_input(in, app::detect_layout(in, spec.input.layout, model), model);
  };
  const app::ImageInput in_a = image_of(*sa, spec_a, model_a), in_b = image_of(*sb, spec_b, model_b);
  if (in_a.width != in_b.width || in_a.height != in_b.height || in_a.layout != in_b.layout)
    fail("compare: ", model_a, " takes images ", shape_str(sa->inputs()[0].shape), " but ", model_b, " takes ",
         shape_str(sb->inputs()[0].shape), "; both must take the same size and layout");
  c.input = sa->inputs()[0].shape;
  const std::string& name_a = sa->inputs()[0].name, &name_b = sb->inputs()[0].name;
  // Detections are compared when both models' outputs are a family detect reads (raw heads are not).
  std::optional<app::Family> fam_a, fam_b;
  try {
    fam_a = app::detect_family(sa->outputs(), spec_a.family, model_a);
    fam_b = app::detect_family(sb->outputs(), spec_b.family, model_b);
    app::check_family_outputs(*fam_a, sa->outputs(), model_a);
    app::check_family_outputs(*fam_b, sb->outputs(), model_b);
  } catch (const Error&) {
    fam_a = fam_b = std::nullopt;
  }
  c.detections = fam_a.has_value();
  for (const ProbePair& p : pairs) c.layers.push_back({p, kernel_of(*sa, p.a.name), kernel_of(*sb, p.b.name), {}});
  for (size_t i = 0; i < images.size(); ++i) {
    const app::Image& image = decoded[i];
    const int width = in_a.width ? in_a.width : image.width, height = in_a.height ? in_a.height : image.height;
    const Tensor x = app::stack_images({app::preprocess(image, width, height, spec_a.input)}, in_a.layout);
    const app::BoxMapping boxes = app::box_mapping(
        image.width, image.height, width, height, app::place_image(image.width, image.height, width, height, spec_a.input.resize));
    const TensorMap out_a = run_watching(*sa, watch_a, name_a, x);
    const TensorMap out_b = run_watching(*sb, watch_b, name_b, x);
    for (LayerComparison& l : c.layers)
      accumulate(l.error, probe_tensor(out_a, l.pair.a, name_a, x), l.pair.a, probe_tensor(out_b, l.pair.b, name_b, x),
                 l.pair.b);
    if (!c.detections) continue;
    const app::DetectionAgreement agreement = app::match_detections(
        app::read_family_detections(*fam_a, out_a, 0, width, height, boxes, threshold, model_a),
        app::read_family_detections(*fam_b, out_b, 0, width, height, boxes, threshold, model_b));
    c.images.push_back({images[i], agreement});
    c.total.add(agreement);
  }
  return c;
}

}  // namespace ssdx::study
