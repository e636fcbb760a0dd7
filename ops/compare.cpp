// Comparisons, boolean logic and Where, all with numpy broadcasting; bool tensors hold one byte (0 or 1) per value.
//   Greater, Less 7-8: float32;  9+: float32, int32, int64, int8, uint8 (13 adds bfloat16).
//   Equal 7-10: bool, int32, int64;  11+: also float32, int8, uint8.
//   GreaterOrEqual, LessOrEqual 12+: float32, int32, int64, int8, uint8 (16 adds bfloat16).
//   Not 1+, And 7+, Or 7+: bool.
//   Where 9+: bool condition, X and Y of one dtype (float32, int32, int64, bool, uint8, int8), three-way broadcast.
// IEEE compares: any compare with NaN is false (NaN == NaN too), -0 == +0.
#include "ops/broadcast.h"
#include "ops/registry.h"

namespace ssdx {
namespace {

enum class CompareOp { Greater, Less, Equal, GreaterOrEqual, LessOrEqual };
enum class LogicOp { And, Or };

void infer_binary_bool_out(OpContext& ctx, std::initializer_list<DataType> dtypes) {
  ctx.require_inputs(2, 2);
  ctx.require_dtype(0, dtypes);
  ctx.require_dtype(1, dtypes);
  if (ctx.input_dtype(0) != ctx.input_dtype(1))
    fail("inputs have different dtypes: ", dtype_name(ctx.input_dtype(0)), " and ", dtype_name(ctx.input_dtype(1)));
  if (ctx.input_shape_known(0) && ctx.input_shape_known(1))
    ctx.set_output(0, DataType::Bool, broadcast_shapes(ctx.input_shape(0), ctx.input_shape(1)));
  else
    ctx.set_output_dtype(0, DataType::Bool);
}

template <CompareOp Op, typename T>
bool compare(T a, T b) {
  if constexpr (Op == CompareOp::Greater) return a > b;
  if constexpr (Op == CompareOp::Less) return a < b;
  if constexpr (Op == CompareOp::Equal) return a == b;
  if constexpr (Op == CompareOp::GreaterOrEqual) return a >= b;
  if constexpr (Op == CompareOp::LessOrEqual) return a <= b;
}

template <typename T, typename F>
void bool_out_map(const Tensor& a, const Tensor& b, Tensor& out, F f, bool reference) {
  if (reference) broadcast_binary_map_ref<T, T, bool>(a, b, out, f);
  else broadcast_binary_map<T, T, bool>(a, b, out, f);
}

template <CompareOp Op>
CreateFn create_compare() {
  return [](const OpContext& ctx) {
    const bool reference = ctx.hints().reference;
    return make_kernel([reference](KernelContext& kc) {
      const Tensor& a = kc.input(0);
      const Tensor& b = kc.input(1);
      if (a.dtype() != b.dtype()) fail("inputs have different dtypes: ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
      dispatch_dtype(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        bool_out_map<T>(a, b, kc.output(0), [](T x, T y) { return compare<Op>(x, y); }, reference);
      });
    }, reference ? "ref" : "elementwise");
  };
}

template <LogicOp Op>
std::unique_ptr<Kernel> create_logic(const OpContext& ctx) {
  const bool reference = ctx.hints().reference;
  return make_kernel([reference](KernelContext& kc) {
    // Bitwise on the 0/1 bytes (no short-circuit), so the loops vectorise.
    bool_out_map<bool>(kc.input(0), kc.input(1), kc.output(0), [](bool x, bool y) {
      return Op == LogicOp::And ? static_cast<bool>(x & y) : static_cast<bool>(x | y);
    }, reference);
  }, reference ? "ref" : "elementwise");
}

void infer_not(OpContext& ctx) {
  ctx.require_inputs(1, 1);
  ctx.require_dtype(0, {DataType::Bool});
  if (ctx.input_shape_known(0)) ctx.set_output(0, DataType::Bool, ctx.input_shape(0));
  else ctx.set_output_dtype(0, DataType::Bool);
}

std::unique_ptr<Kernel> create_not(const OpContext& ctx) {
  return make_kernel([](KernelContext& kc) {
    map_elements<bool, bool>(kc.input(0), kc.output(0), [](bool v) { return static_cast<bool>(v ^ true); });
  }, ctx.hints().reference ? "ref" : "elementwise");
}

// ---- Where ----

void infer_where(OpContext& ctx) {
  ctx.require_inputs(3, 3);
  ctx.require_dtype(0, {DataType::Bool});
  ctx.require_dtype(1, {DataType::Float, DataType::Int32, DataType::Int64, DataType::Bool, DataType::UInt8, DataType::Int8});
  const DataType t = ctx.input_dtype(1);
  if (ctx.input_dtype(2) != t) fail("X is ", dtype_name(t), " but Y is ", dtype_name(ctx.input_dtype(2)));
  for (int i = 0; i < 3; ++i)
    if (!ctx.input_shape_known(i)) {
      ctx.set_output_dtype(0, t);
      return;
    }
  ctx.set_output(0, t, broadcast_all({ctx.input_shape(0), ctx.input_shape(1), ctx.input_shape(2)}));
}

// out = cond ? x : y. Rows are picked by the inner strides (0: one value along the row, 1: contiguous), so each
// of the common cases (all same shape, a scalar X or Y, as in Where(score > t, score, -1)) is a select loop the
// compiler vectorises; uncommon mixes take the generic strided loop.
template <typename T>
void where_kernel(const Tensor& c, const Tensor& x, const Tensor& y, Tensor& out, bool reference) {
  const bool* pc = c.data<bool>();
  const T* px = x.data<T>();
  const T* py = y.data<T>();
  T* pd = out.data<T>();
  const Shape& s = out.shape();
  const std::vector<int64_t> sc = broadcast_strides(c.shape(), s), sx = broadcast_strides(x.shape(), s),
                             sy = broadcast_strides(y.shape(), s);
  if (reference) {
    for_each_broadcast(s, sc, sx, sy, [&](int64_t d, int64_t ic, int64_t ix, int64_t iy) { pd[d] = pc[ic] ? px[ix] : py[iy]; });
    return;
  }
  const BroadcastLoops loops = coalesce_broadcast(s, {sc, sx, sy});
  for_each_broadcast_row<3>(loops, [&](int64_t d, const std::array<int64_t, 3>& o, int64_t len,
                                       const std::array<int64_t, 3>& st) {
    // The condition's bytes as integers: GCC does not vectorise a select on a bool load mixed with wider values.
    const uint8_t* rc = reinterpret_cast<const uint8_t*>(pc + o[0]);
    const T* rx = px + o[1];
    const T* ry = py + o[2];
    T* r = pd + d;
    // Both sides are loaded before the select, so the compiler if-converts the loop into blends.
    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
      for (int64_t j = 0; j < len; ++j) {
        const T a = rx[j], b = ry[j];
        r[j] = rc[j] ? a : b;
      }
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
      const T v = ry[0];
      for (int64_t j = 0; j < len; ++j) {
        const T a = rx[j];
        r[j] = rc[j] ? a : v;
      }
    } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
      const T v = rx[0];
      for (int64_t j = 0; j < len; ++j) {
        const T b = ry[j];
        r[j] = rc[j] ? v : b;
      }
    } else if (st[0] == 1 && st[1] == 0 && st[2] == 0) {
      const T vx = rx[0], vy = ry[0];
      for (int64_t j = 0; j < len; ++j) r[j] = rc[j] ? vx : vy;
    } else if (st[0] == 0) {
      // One condition along the row: a copy of X's or Y's row.
      const T* src = rc[0] ? rx : ry;
      const int64_t step = rc[0] ? st[1] : st[2];
      if (step == 1) for (int64_t j = 0; j < len; ++j) r[j] = src[j];
      else for (int64_t j = 0; j < len; ++j) r[j] = src[0];
    } else {
      for (int64_t j = 0; j < len; ++j) r[j] = rc[j * st[0]] ? rx[j * st[1]] : ry[j * st[2]];
    }
  });
}

std::unique_ptr<Kernel> create_where(const OpContext& ctx) {
  const bool reference = ctx.hints().reference;
  return make_kernel([reference](KernelContext& kc) {
    const Tensor& c = kc.input(0);
    if (c.dtype() != DataType::Bool) fail("Where condition must be bool, got ", dtype_name(c.dtype()));
    const Tensor& x = kc.input(1);
    const Tensor& y = kc.input(2);
    if (x.dtype() != y.dtype()) fail("X is ", dtype_name(x.dtype()), " but Y is ", dtype_name(y.dtype()));
    dispatch_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      where_kernel<T>(c, x, y, kc.output(0), reference);
    });
  }, reference ? "ref" : "elementwise");
}

constexpr std::initializer_list<DataType> kOrdered = {DataType::Float, DataType::Int32, DataType::Int64,
                                                      DataType::Int8, DataType::UInt8};

}  // namespace

void register_compare_ops(OpRegistry& r) {
  r.add({"", "Greater", 7, 8, [](OpContext& c) { infer_binary_bool_out(c, {DataType::Float}); },
         create_compare<CompareOp::Greater>()});
  r.add({"", "Greater", 9, INT64_MAX, [](OpContext& c) { infer_binary_bool_out(c, kOrdered); },
         create_compare<CompareOp::Greater>()});
  r.add({"", "Less", 7, 8, [](OpContext& c) { infer_binary_bool_out(c, {DataType::Float}); },
         create_compare<CompareOp::Less>()});
  r.add({"", "Less", 9, INT64_MAX, [](OpContext& c) { infer_binary_bool_out(c, kOrdered); },
         create_compare<CompareOp::Less>()});
  r.add({"", "Equal", 7, 10,
         [](OpContext& c) { infer_binary_bool_out(c, {DataType::Bool, DataType::Int32, DataType::Int64}); },
         create_compare<CompareOp::Equal>()});
  r.add({"", "Equal", 11, INT64_MAX,
         [](OpContext& c) {
           infer_binary_bool_out(c, {DataType::Bool, DataType::Float, DataType::Int32, DataType::Int64,
                                     DataType::Int8, DataType::UInt8});
         },
         create_compare<CompareOp::Equal>()});
  r.add({"", "GreaterOrEqual", 12, INT64_MAX, [](OpContext& c) { infer_binary_bool_out(c, kOrdered); },
         create_compare<CompareOp::GreaterOrEqual>()});
  r.add({"", "LessOrEqual", 12, INT64_MAX, [](OpContext& c) { infer_binary_bool_out(c, kOrdered); },
         create_compare<CompareOp::LessOrEqual>()});
  r.add({"", "Not", 1, INT64_MAX, infer_not, create_not});
  r.add({"", "And", 7, INT64_MAX, [](OpContext& c) { infer_binary_bool_out(c, {DataType::Bool}); },
         create_logic<LogicOp::And>});
  r.add({"", "Or", 7, INT64_MAX, [](OpContext& c) { infer_binary_bool_out(c, {DataType::Bool}); },
         create_logic<LogicOp::Or>});
  r.add({"", "Where", 9, INT64_MAX, infer_where, create_where});
}

}  // namespace ssdx
