#pragma once
// Models that compute in float16 or bfloat16 (onnxconverter-common's convert_float_to_float16 and the like) run in
// float32 inside, as onnxruntime's CPU provider runs them (it puts Casts to float32 around the ops that have no
// float16 kernel). docs/float16_models.md tells what is kept exact and what the outputs can differ in.
#include "graph/graph.h"

namespace ssdx {

// Rewrites every 16-bit float computation of `g` (and of its If branches) into float32, before shape inference:
// - float16/bfloat16 initializers, Constant and ConstantOfShape values become float32 (exactly);
// - the graph's own casts keep their roundings: a Cast (CastLike) to float16/bfloat16 becomes ssdx.CastRoundTrip,
//   which rounds through that type but yields float32, and a Cast from a value the graph holds in float16/bfloat16
//   first rounds its input to that type (so keep_io_types' final Cast to float32 still gives float16 values);
// - a float16/bfloat16 graph input gets a Cast to float32 after it, a float16/bfloat16 graph output a Cast back
//   before it: the model's signature keeps its dtypes;
// - declared 16-bit dtypes of inner values become float32.
// Returns how many values and nodes it changed (0 for a model without 16-bit floats).
int compute_float16_in_float32(Graph& g);

// After shape inference: a Cast to the dtype its input already has (what a graph's float16 -> float32 Cast becomes
// once its input is float32) becomes an Identity, which remove_identity then bypasses. Returns how many.
int cast_to_own_type_as_identity(Graph& g);

}  // namespace ssdx
