#include "quantizer/quant_rewrite.h"

#include <cmath>
#include <map>

#include "graph/graph_edit.h"
#include "quantizer/quantizer.h"

namespace ssdx::quantizer {
namespace {


// Builds the quantized graph's node list; shared parameter tensors are made once per value.
class Rewriter {
 public:
  Rewriter(Graph& g, const QuantPlan& p, const RangeMap& ranges, bool per_channel)
      : g_(g),
        p_(p),
        ranges_(ranges),
        per_channel_(per_channel),
        scale_(g.values.size(), kNoValue),
        zp_(g.values.size(), kNoValue),
        remap_(g.values.size()),
        qversion_(g.values.size(), kNoValue) {
    for (size_t v = 0; v < remap_.size(); ++v) remap_[v] = static_cast<int>(v);
  }

  std::vector<Node> qdq() {
    for (int v : g_.inputs) qdq_pair(v);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (g_.nodes[i].dead || p_.removed[i]) continue;
      Node n = g_.nodes[i];
      for (int& in : n.inputs)
        if (in != kNoValue) in = remap_[static_cast<size_t>(in)];
      if (p_.qnode[i] && is_default_op(n, "Conv")) {
        const int x = g_.nodes[i].inputs[0];
        const ConvWeights w = conv_weights(g_.nodes[i], x);
        n.inputs[1] = dequantize_constant(w.w_q, w.w_scale, w.w_zp, g_.value(n.inputs[1]).name);
        if (n.has_input(2)) n.inputs[2] = dequantize_constant(w.b_q, w.b_scale, w.b_zp, g_.value(n.inputs[2]).name);
      }
      if (p_.writes[i] != kNoValue) n.outputs[0] = p_.writes[i];
      // A Conv or Add writing a graph output (a detection head's conv) writes it under a new name and a Q/DQ pair
      // writes the output itself, as onnxruntime's quantizer does: the int8 kernels then run it too. (A MaxPool
      // has nothing to gain: it keeps its input's quantization.)
      std::vector<std::pair<int, int>> renamed;  // graph output, what the node writes instead
      const bool requantizes = p_.qnode[i] && !is_default_op(n, "MaxPool");
      for (int& v : n.outputs)
        if (requantizes && v != kNoValue && p_.qvalue[static_cast<size_t>(v)] && g_.value(v).is_graph_output) {
          const Value val = g_.value(v);  // a copy: adding values moves them
          const int in = add_fresh_value(g_, val.name + "_QuantizeLinear_Input", DataType::Float, val.shape,
                                         val.shape_known);
          renamed.emplace_back(v, in);
          v = in;
        }
      out_.push_back(n);
      for (int v : n.outputs)
        if (v != kNoValue && static_cast<size_t>(v) < p_.qvalue.size()) qdq_pair(v);  // the renamed ones are new
      for (const auto& [v, in] : renamed) qdq_output(v, in);
    }
    return std::move(out_);
  }

  std::vector<Node> qoperator(bool uint8_maxpool) {
    qop_.assign(g_.nodes.size(), 0);
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      qop_[i] = p_.qnode[i] && (uint8_maxpool || !is_default_op(g_.nodes[i], "MaxPool"));
    for (int v : g_.inputs) quantize_border(v);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (n.dead || p_.removed[i]) continue;
      if (!qop_[i]) {
        out_.push_back(n);
        for (int v : n.outputs)
          if (v != kNoValue) quantize_border(v);
        continue;
      }
      const int y = p_.writes[i] != kNoValue ? p_.writes[i] : n.outputs[0];
      Node q = n;  // name and attributes (Conv's carry over to QLinearConv)
      if (is_default_op(n, "Conv")) {
        q.name = n.name + "_quant";
        const int x = n.inputs[0];
        const ConvWeights w = conv_weights(n, x);
        q.op_type = "QLinearConv";
        q.inputs = {qversion(x), scale(x), zero_point(x), w.w_q, w.w_scale, w.w_zp, scale(y), zero_point(y)};
        if (w.b_q != kNoValue) q.inputs.push_back(w.b_q);
      } else if (is_default_op(n, "Add")) {
        const int a = n.inputs[0], b = n.inputs[1];
        q.name = n.name + "_quant";
        q.op_type = "QLinearAdd";
        q.domain = kMicrosoftDomain;
        q.inputs = {qversion(a), scale(a),      zero_point(a), qversion(b),
                    scale(b),    zero_point(b), scale(y),      zero_point(y)};
      } else {  // MaxPool: exact on the uint8 values
        q.inputs[0] = qversion(n.inputs[0]);
      }
      q.outputs = {qversion(y)};
      out_.push_back(std::move(q));
      if (needs_float(y)) {
        Node dq = make_node("DequantizeLinear", g_.value(y).name + "_DequantizeLinear",
                            {qversion(y), scale(y), zero_point(y)}, y);
        out_.push_back(std::move(dq));
      }
    }
    return std::move(out_);
  }

 private:
  struct ConvWeights {
    int w_q = kNoValue, w_scale = kNoValue, w_zp = kNoValue;
    int b_q = kNoValue, b_scale = kNoValue, b_zp = kNoValue;
  };

  ActivationParams params(int v) {
    const std::string& name = g_.value(p_.params_of[static_cast<size_t>(v)]).name;
    auto it = ranges_.find(name);
    if (it == ranges_.end()) fail("quantize: no calibrated range for tensor '", name, "'");
    if (!std::isfinite(it->second.rmin) || !std::isfinite(it->second.rmax))
      fail("quantize: tensor '", name, "' has a non-finite range [", it->second.rmin, ", ", it->second.rmax, "]");
    return activation_params(it->second);
  }
  int scale(int v) {
    int& id = scale_[static_cast<size_t>(v)];
    if (id == kNoValue)
      id = add_fresh_constant(g_, g_.value(v).name + "_scale", make_tensor<float>({}, {params(v).scale}));
    return id;
  }
  int zero_point(int v) {
    int& id = zp_[static_cast<size_t>(v)];
    if (id == kNoValue)
      id = add_fresh_constant(g_, g_.value(v).name + "_zero_point", make_tensor<uint8_t>({}, {params(v).zero_point}));
    return id;
  }
  // The uint8 version of activation v (QOperator).
  int qversion(int v) {
    int& id = qversion_[static_cast<size_t>(v)];
    if (id == kNoValue) {
      const Value& val = g_.value(v);
      id = add_fresh_value(g_, val.name + "_quantized", DataType::UInt8, val.shape, val.shape_known);
    }
    return id;
  }

  Node make_node(const std::string& op, const std::string& name, std::vector<int> inputs, int output) {
    Node n;
    n.op_type = op;
    n.name = name;
    n.inputs = std::move(inputs);
    n.outputs = {output};
    return n;
  }

  // QDQ: v -> QuantizeLinear -> DequantizeLinear, and every later reader of v reads the dequantized copy. Graph
  // outputs stay as they are.
  void qdq_pair(int v) {
    if (!p_.qvalue[static_cast<size_t>(v)] || g_.value(v).is_graph_output) return;
    const Value val = g_.value(v);
    const int q = add_fresh_value(g_, val.name + "_QuantizeLinear_Output", DataType::UInt8, val.shape, val.shape_known);
    const int dq =
        add_fresh_value(g_, val.name + "_DequantizeLinear_Output", DataType::Float, val.shape, val.shape_known);
    out_.push_back(make_node("QuantizeLinear", val.name + "_QuantizeLinear", {v, scale(v), zero_point(v)}, q));
    out_.push_back(make_node("DequantizeLinear", val.name + "_DequantizeLinear", {q, scale(v), zero_point(v)}, dq));
    remap_[static_cast<size_t>(v)] = dq;
  }

  // QDQ for a graph output v whose producer now writes `in`: Q reads that, DQ writes v, with v's calibrated range.
  void qdq_output(int v, int in) {
    const Value val = g_.value(v);
    const int q = add_fresh_value(g_, val.name + "_QuantizeLinear_Output", DataType::UInt8, val.shape, val.shape_known);
    out_.push_back(make_node("QuantizeLinear", val.name + "_QuantizeLinear", {in, scale(v), zero_point(v)}, q));
    out_.push_back(make_node("DequantizeLinear", val.name + "_DequantizeLinear", {q, scale(v), zero_point(v)}, v));
  }

  // QOperator: a float tensor that a quantized node reads is quantized once, where it is produced.
  void quantize_border(int v) {
    if (!p_.qvalue[static_cast<size_t>(v)]) return;
    bool quantized_reader = false;
    for (int c : p_.uses[static_cast<size_t>(v)]) quantized_reader = quantized_reader || qop_[static_cast<size_t>(c)];
    if (!quantized_reader) return;
    out_.push_back(
        make_node("QuantizeLinear", g_.value(v).name + "_QuantizeLinear", {v, scale(v), zero_point(v)}, qversion(v)));
  }

  // Whether a float reader (a float node or the graph's output list) needs v in float.
  bool needs_float(int v) const {
    if (g_.value(v).is_graph_output) return true;
    for (int c : p_.uses[static_cast<size_t>(v)])
      if (!qop_[static_cast<size_t>(c)] && !p_.removed[static_cast<size_t>(c)]) return true;
    return false;
  }

  // QDQ: DequantizeLinear of a quantized constant (per-channel: along axis 0), emitted before its first reader.
  int dequantize_constant(int q, int s, int zp, std::string name) {  // name by value: adding values moves them
    const int dq = add_fresh_value(g_, name + "_DequantizeLinear_Output", DataType::Float, g_.value(q).shape, true);
    Node n = make_node("DequantizeLinear", name + "_DequantizeLinear", {q, s, zp}, dq);
    if (per_channel_) n.attrs.set_int("axis", 0);
    out_.push_back(std::move(n));
    return dq;
  }

  // Weights once per weight tensor (shared by convs reading the same one); bias per conv (its scale has x's).
  ConvWeights conv_weights(const Node& conv, int x) {
    ConvWeights r;
    const int w_id = conv.inputs[1];
    const Tensor& w = *g_.constant(w_id);
    const std::string wname = g_.value(w_id).name;  // a copy: adding constants moves the values
    auto it = weights_.find(w_id);
    if (it == weights_.end()) {
      const std::vector<float> ws = weight_scales(w, per_channel_);
      const Shape ps = per_channel_ ? Shape{w.dim(0)} : Shape{};
      ConvWeights cw;
      cw.w_q = add_fresh_constant(g_, wname + "_quantized", quantize_weights(w, ws));
      cw.w_scale = add_fresh_constant(g_, wname + "_scale", make_tensor<float>(ps, ws));
      cw.w_zp =
          add_fresh_constant(g_, wname + "_zero_point", make_tensor<int8_t>(ps, std::vector<int8_t>(ws.size(), 0)));
      it = weights_.emplace(w_id, cw).first;
      w_scales_[w_id] = ws;
    }
    r = it->second;
    if (!conv.has_input(2)) return r;
    const int b_id = conv.inputs[2];
    const std::string bname = g_.value(b_id).name;
    const float xs = params(x).scale;
    const std::vector<float>& ws = w_scales_.at(w_id);
    std::vector<float> bs;
    for (float s : ws) bs.push_back(xs * s);
    const Shape ps = per_channel_ ? Shape{w.dim(0)} : Shape{};
    r.b_q = add_fresh_constant(g_, bname + "_quantized", quantize_bias(*g_.constant(b_id), xs, ws));
    r.b_scale = add_fresh_constant(g_, bname + "_quantized_scale", make_tensor<float>(ps, bs));
    r.b_zp = add_fresh_constant(g_, bname + "_quantized_zero_point",
                                make_tensor<int32_t>(ps, std::vector<int32_t>(bs.size(), 0)));
    return r;
  }

  Graph& g_;
  const QuantPlan& p_;
  const RangeMap& ranges_;
  const bool per_channel_;
  std::vector<int> scale_, zp_, remap_, qversion_;
  std::vector<char> qop_;
  std::map<int, ConvWeights> weights_;
  std::map<int, std::vector<float>> w_scales_;
  std::vector<Node> out_;
};

}  // namespace

std::vector<Node> rewrite_qdq(Graph& g, const QuantPlan& p, const RangeMap& ranges, bool per_channel) {
  return Rewriter(g, p, ranges, per_channel).qdq();
}

std::vector<Node> rewrite_qoperator(Graph& g, const QuantPlan& p, const RangeMap& ranges, bool per_channel,
                                    bool uint8_maxpool) {
  return Rewriter(g, p, ranges, per_channel).qoperator(uint8_maxpool);
}

}  // namespace ssdx::quantizer
