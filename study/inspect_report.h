#pragma once
// What `ssdx inspect` prints: the model as written and, with --plan, the execution plan; as text or JSON.
#include <string>

#include "study/exec_plan.h"
#include "study/model_summary.h"

namespace ssdx::study {

std::string summary_text(const ModelSummary& s);
std::string plan_text(const ExecPlan& p);

// {"model", "ir_version", "opsets", "inputs", "outputs", "nodes", "op_histogram", "subgraphs", "initializers", "parameters",
//  "parameter_bytes", "parameters_by_dtype", "total_gmac", "nodes_cost": [...], "plan": {...} (with --plan)}.
std::string inspect_json(const ModelSummary& s, const ExecPlan* plan);

// "float32 [1,3,480,480]"
std::string tensor_type(DataType dtype, const Shape& shape, bool shape_known = true);

}  // namespace ssdx::study
