#include "study/chrome_trace.h"

#include <sstream>

#include "graph/json.h"

namespace ssdx::study {

std::string chrome_trace_json(const RunProfile& profile, const std::string& model) {
  std::ostringstream os;
  os.precision(3);
  os << std::fixed << "{\"traceEvents\": [\n";
  // Metadata events name the (single) process and thread rows after the model and the executor.
  os << " {\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 1, \"args\": {\"name\": "
     << json_quote("ssdx " + model) << "}},\n";
  os << " {\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 1, \"args\": {\"name\": \"run\"}}";
  for (const NodeProfile& n : profile.nodes) {
    const double gflops = n.duration_us > 0 ? n.flops / (n.duration_us * 1e3) : 0;
    os << ",\n {\"name\": " << json_quote(n.name.empty() ? n.op_type : n.name) << ", \"cat\": " << json_quote(n.op_type)
       << ", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": " << n.start_us << ", \"dur\": " << n.duration_us
       << ", \"args\": {\"op_type\": " << json_quote(n.op_type) << ", \"impl\": " << json_quote(n.impl)
       << ", \"layout\": " << json_quote(n.layout) << ", \"gflops\": " << gflops << "}}";
  }
  os << "\n], \"displayTimeUnit\": \"ms\"}\n";
  return os.str();
}

}  // namespace ssdx::study
