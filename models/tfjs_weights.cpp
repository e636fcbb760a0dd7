// TF.js weights manifest reader. The format: a JSON array of groups {paths: [shard...], weights: [{name, shape,
// dtype, quantization?}]}; a group's shards are concatenated and its tensors follow one another in manifest order
// with no padding. Sizes are checked against the shard files' sizes before anything is allocated, and the bytes
// must be accounted for exactly (a shard too short or too long is an error, not a silent misread).
#include "models/tfjs_weights.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "graph/error.h"
#include "graph/file_io.h"
#include "graph/half.h"
#include "graph/printable.h"

namespace ssdx::models {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxManifestBytes = 8ull << 20;  // face-api's is 28 KB; a parsed JSON value takes ~16 bytes
constexpr int64_t kMaxElements = int64_t{1} << 40;

// How one tensor's elements are stored in the shard.
enum class Storage { Float32, Int32, QUInt8, QUInt16, QFloat16 };

struct Entry {
  std::string name;
  Shape shape;
  DataType dtype = DataType::Float;  // what the caller gets: float32 or int32
  Storage storage = Storage::Float32;
  double scale = 1, min = 0;          // affine quantization: value = q * scale + min
  uint64_t bytes = 0;
};

size_t stored_size(Storage s) {
  switch (s) {
    case Storage::Float32: case Storage::Int32: return 4;
    case Storage::QUInt16: case Storage::QFloat16: return 2;
    case Storage::QUInt8: return 1;
  }
  return 0;
}

// JSON text quoted in messages: one line, capped (a hostile manifest chooses it).
std::string quoted(const json& j) { return printable_capped(j.dump(), 80); }

double number(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_number()) fail(where, ": quantization.", key, " is not a number");
  const double v = j[key].get<double>();
  if (!std::isfinite(v)) fail(where, ": quantization.", key, " is not finite");
  return v;
}

Entry parse_entry(const json& w, const std::string& file, size_t group, size_t index) {
  std::string where = file + ": group " + std::to_string(group) + " weight " + std::to_string(index);
  if (!w.is_object()) fail(where, ": not an object");
  if (!w.contains("name") || !w["name"].is_string()) fail(where, ": 'name' is missing or not a string");
  Entry e;
  e.name = w["name"].get<std::string>();
  where = file + ": tensor '" + printable_capped(e.name, 200) + "'";
  if (!w.contains("shape") || !w["shape"].is_array()) fail(where, ": 'shape' is missing or not an array");
  if (w["shape"].size() > 8) fail(where, ": shape of rank ", w["shape"].size(), " (at most 8)");
  int64_t numel = 1;
  for (const json& d : w["shape"]) {
    if (!d.is_number_integer()) fail(where, ": shape dim ", quoted(d), " is not an integer");
    if (d.is_number_unsigned() ? d.get<uint64_t>() > static_cast<uint64_t>(kMaxElements) : d.get<int64_t>() < 0)
      fail(where, ": shape dim ", quoted(d), " is negative or too large");
    const int64_t v = d.get<int64_t>();
    if (v > kMaxElements) fail(where, ": shape dim ", v, " is too large");
    if (v != 0 && numel > kMaxElements / v) fail(where, ": shape ", quoted(w["shape"]), " has too many elements");
    numel *= v;
    e.shape.push_back(v);
  }
  if (!w.contains("dtype") || !w["dtype"].is_string()) fail(where, ": 'dtype' is missing or not a string");
  const std::string dtype = w["dtype"].get<std::string>();
  if (dtype == "float32") e.dtype = DataType::Float, e.storage = Storage::Float32;
  else if (dtype == "int32") e.dtype = DataType::Int32, e.storage = Storage::Int32;
  else fail(where, ": unknown dtype '", printable_capped(dtype, 40), "' (float32 or int32)");
  if (w.contains("quantization")) {
    const json& q = w["quantization"];
    if (!q.is_object() || !q.contains("dtype") || !q["dtype"].is_string())
      fail(where, ": 'quantization' is not an object with a string 'dtype'");
    const std::string qd = q["dtype"].get<std::string>();
    if (qd == "uint8" || qd == "uint16") {
      e.storage = qd == "uint8" ? Storage::QUInt8 : Storage::QUInt16;
      e.scale = number(q, "scale", where);
      e.min = number(q, "min", where);
    } else if (qd == "float16") {
      if (e.dtype != DataType::Float) fail(where, ": float16 quantization of an int32 tensor");
      e.storage = Storage::QFloat16;
    } else {
      fail(where, ": unknown quantization dtype '", printable_capped(qd, 40), "' (uint8, uint16 or float16)");
    }
  }
  e.bytes = static_cast<uint64_t>(numel) * stored_size(e.storage);
  return e;
}

// A shard path names a file in the manifest's own folder: no folder part, nothing that could step outside it.
void check_shard_path(const std::string& p, const std::string& file) {
  if (p.empty() || p == "." || p == ".." || p.find('/') != std::string::npos || p.find('\\') != std::string::npos ||
      p.find('\0') != std::string::npos)
    fail(file, ": shard path '", printable_capped(p, 200), "' is not a plain file name in the manifest's folder");
}

template <typename T>
T load_le(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // the engine runs on little-endian x86 only
  return v;
}

Tensor decode(const Entry& e, const unsigned char* p, const std::string& file) {
  Tensor t(e.dtype, e.shape);
  const int64_t n = t.numel();
  auto value = [&](int64_t i) -> double {
    switch (e.storage) {
      case Storage::QUInt8: return p[i] * e.scale + e.min;
      case Storage::QUInt16: return load_le<uint16_t>(p + 2 * i) * e.scale + e.min;
      case Storage::QFloat16: return half_to_float(load_le<uint16_t>(p + 2 * i));
      default: return 0;
    }
  };
  if (e.dtype == DataType::Float) {
    float* out = t.data<float>();
    if (e.storage == Storage::Float32) std::memcpy(out, p, static_cast<size_t>(e.bytes));
    else for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(value(i));
  } else {
    int32_t* out = t.data<int32_t>();
    if (e.storage == Storage::Int32) {
      std::memcpy(out, p, static_cast<size_t>(e.bytes));
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const double v = std::nearbyint(value(i));
        if (!(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()))
          fail(file, ": tensor '", printable_capped(e.name, 200), "': dequantized value ", v, " does not fit int32");
        out[i] = static_cast<int32_t>(v);
      }
    }
  }
  return t;
}

}  // namespace

TfjsWeights TfjsWeights::load(const std::string& manifest_path) {
  const std::string& file = manifest_path;
  json doc;
  try {
    doc = json::parse(read_regular_file(manifest_path, kMaxManifestBytes));
  } catch (const json::exception& e) {
    fail(file, ": not JSON: ", printable_capped(e.what(), 200));
  }
  if (!doc.is_array()) fail(file, ": not a TF.js weights manifest (expected a JSON array of weight groups)");
  const std::filesystem::path folder = std::filesystem::path(manifest_path).parent_path();
  TfjsWeights out;
  out.manifest_ = manifest_path;
  std::set<std::string> seen;
  for (size_t g = 0; g < doc.size(); ++g) {
    const json& group = doc[g];
    const std::string gwhere = file + ": group " + std::to_string(g);
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") ||
        !group["weights"].is_array())
      fail(gwhere, ": not an object with 'paths' and 'weights' arrays");
    // The shards' sizes first: everything else is checked against them before a byte is allocated.
    std::vector<std::string> shards;
    uint64_t available = 0;
    for (const json& p : group["paths"]) {
      if (!p.is_string()) fail(gwhere, ": shard path ", quoted(p), " is not a string");
      check_shard_path(p.get<std::string>(), file);
      shards.push_back((folder / p.get<std::string>()).string());
      try {
        available += open_regular_file(shards.back()).size;
      } catch (const Error& e) {
        fail(gwhere, ": shard: ", e.what());
      }
    }
    std::vector<Entry> entries;
    uint64_t needed = 0;
    for (size_t i = 0; i < group["weights"].size(); ++i) {
      entries.push_back(parse_entry(group["weights"][i], file, g, i));
      const Entry& e = entries.back();
      if (!seen.insert(e.name).second)
        fail(file, ": tensor '", printable_capped(e.name, 200), "' appears twice");
      out.order_.push_back(e.name);
      if (e.bytes > available - needed)
        fail(file, ": tensor '", printable_capped(e.name, 200), "' needs bytes ", needed, "..", needed + e.bytes,
             " but the shards of group ", g, " hold only ", available, " (a shard is missing bytes)");
      needed += e.bytes;
    }
    if (needed != available)
      fail(file, ": the shards of group ", g, " hold ", available, " bytes but its tensors take ", needed,
           " (a shard has extra bytes)");
    std::string data;
    data.reserve(static_cast<size_t>(available));
    for (const std::string& s : shards) data += read_regular_file(s, available);
    if (data.size() != available) fail(file, ": the shards of group ", g, " changed size while being read");
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    for (const Entry& e : entries) {
      out.tensors_.emplace(e.name, decode(e, p, file));
      p += e.bytes;
    }
  }
  return out;
}

const Tensor& TfjsWeights::get(const std::string& name, const Shape& expected_shape) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) fail(manifest_, ": tensor '", printable_capped(name, 200), "' is missing");
  if (it->second.shape() != expected_shape)
    fail(manifest_, ": tensor '", printable_capped(name, 200), "' has shape ", shape_str(it->second.shape()),
         ", expected ", shape_str(expected_shape));
  return it->second;
}

}  // namespace ssdx::models
