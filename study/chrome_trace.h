#pragma once
// One run's per-node profile as a Chrome trace (Trace Event Format), for chrome://tracing and ui.perfetto.dev.
#include <string>

#include "engine/session.h"

namespace ssdx::study {

// {"traceEvents": [...]} with one complete ("X") event per node: ts/dur in microseconds from the start of the run,
// category = op type, args = op type, impl, layout, GFLOP/s.
std::string chrome_trace_json(const RunProfile& profile, const std::string& model);

}  // namespace ssdx::study
