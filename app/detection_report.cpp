#include "app/detection_report.h"

#include <cstdio>

#include "graph/printable.h"
#include "graph/json.h"

namespace ssdx::app {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string box_coordinates(const Detection& d, const char* separator) {
  return format("%.1f", d.x0) + separator + format("%.1f", d.y0) + separator + format("%.1f", d.x1) + separator +
         format("%.1f", d.y1);
}


}  // namespace

std::string format_text(const ImageDetections& result, const LabelMap& labels) {
  std::string out;
  for (const Detection& d : result.objects)
    out += printable(result.image) + "  " + printable(class_name(labels, d.label)) + "  " + format("%.3f", d.score) + "  " +
           box_coordinates(d, " ") + "\n";
  return out;
}

std::string format_json(const std::string& model, const std::vector<ImageDetections>& results,
                        const LabelMap& labels) {
  std::string out = "{\"model\": " + json_quote(model) + ", \"detections\": [";
  for (size_t i = 0; i < results.size(); ++i) {
    const ImageDetections& r = results[i];
    out += (i ? ",\n  " : "\n  ") + std::string("{\"image\": ") + json_quote(r.image) +
           ", \"width\": " + std::to_string(r.width) + ", \"height\": " + std::to_string(r.height) + ", \"objects\": [";
    for (size_t k = 0; k < r.objects.size(); ++k) {
      const Detection& d = r.objects[k];
      out += (k ? ",\n    " : "\n    ") + std::string("{\"label\": ") + std::to_string(d.label) +
             ", \"class\": " + json_quote(class_name(labels, d.label)) + ", \"score\": " + format("%.6g", d.score) +
             ", \"box\": [" + box_coordinates(d, ", ") + "]}";
    }
    out += r.objects.empty() ? "]}" : "\n  ]}";
  }
  out += results.empty() ? "]}\n" : "\n]}\n";
  return out;
}

}  // namespace ssdx::app
