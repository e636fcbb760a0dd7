#include "tests/ort_oracle.h"

#include "graph/json.h"
#include "tests/test_util.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sstream>

#include "graph/tensor_io.h"
#include "tests/shell.h"

namespace ssdx::test {
namespace {

namespace fs = std::filesystem;

const std::string kToolDir = std::string(SSDX_SOURCE_DIR) + "/tests/ort_reference";


// Just enough JSON to read run_ort.js's output manifest: objects, arrays, strings, integers.
struct Json {
  enum class Kind { Null, Number, String, Array, Object } kind = Kind::Null;
  std::string text;  // a string's value or a number's digits
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json& at(const std::string& key) const {
    for (auto& [k, v] : members)
      if (k == key) return v;
    fail("ORT manifest: missing key '", key, "'");
  }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}
  Json parse() {
    Json v = value();
    skip_ws();
    SSDX_CHECK(i_ == s_.size(), "ORT manifest: trailing characters at offset ", i_);
    return v;
  }

 private:
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  void expect(char c) { SSDX_CHECK(eat(c), "ORT manifest: expected '", c, "' at offset ", i_); }

  Json value() {
    Json v;
    skip_ws();
    SSDX_CHECK(i_ < s_.size(), "ORT manifest: unexpected end");
    char c = s_[i_];
    if (c == '{') {
      v.kind = Json::Kind::Object;
      ++i_;
      if (eat('}')) return v;
      do {
        skip_ws();
        std::string key = string();
        expect(':');
        v.members.emplace_back(key, value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      v.kind = Json::Kind::Array;
      ++i_;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.kind = Json::Kind::String;
      v.text = string();
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      v.kind = Json::Kind::Number;
      size_t start = i_++;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      v.text = s_.substr(start, i_ - start);
    } else if (s_.compare(i_, 4, "null") == 0) {
      i_ += 4;
    } else {
      fail("ORT manifest: unexpected '", c, "' at offset ", i_);
    }
    return v;
  }

  std::string string() {
    SSDX_CHECK(i_ < s_.size() && s_[i_] == '"', "ORT manifest: expected a string at offset ", i_);
    std::string out;
    for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_) {
      if (s_[i_] != '\\') {
        out += s_[i_];
        continue;
      }
      SSDX_CHECK(++i_ < s_.size(), "ORT manifest: unterminated string");
      char e = s_[i_];
      if (e == 'u') {
        // JSON.stringify only \u-escapes control characters, so one byte is enough here.
        SSDX_CHECK(i_ + 4 < s_.size(), "ORT manifest: bad \\u escape");
        out += static_cast<char>(std::stoi(s_.substr(i_ + 1, 4), nullptr, 16));
        i_ += 4;
      } else {
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
      }
    }
    SSDX_CHECK(i_ < s_.size(), "ORT manifest: unterminated string");
    ++i_;
    return out;
  }

  const std::string& s_;
  size_t i_ = 0;
};

// The dtypes of the exchange format: those the engine computes in, float16 and float64 (onnxruntime-node has no
// bfloat16 tensors).
DataType dtype_from_name(const std::string& name) {
  for (DataType t : {DataType::Float, DataType::Float16, DataType::Double, DataType::Int64, DataType::Int32,
                     DataType::Int8, DataType::UInt8, DataType::Bool})
    if (name == dtype_name(t)) return t;
  fail("ORT exchange: unsupported dtype '", name, "'");
}

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it when this goes out of scope.
struct TempDir {
  std::string path;
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ssdx-ort-XXXXXX";
    SSDX_CHECK(mkdtemp(tmpl.data()), "cannot create a temp dir from ", tmpl, ": ", std::strerror(errno));
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write_inputs(const TensorMap& feeds, const std::string& dir) {
  std::ostringstream manifest;
  manifest << "{\"inputs\": [";
  int i = 0;
  for (auto& [name, t] : feeds) {
    dtype_from_name(dtype_name(t.dtype()));  // rejects dtypes run_ort.js cannot read
    std::string file = "in" + std::to_string(i) + ".bin";
    write_file_bytes(dir + "/" + file, std::string(static_cast<const char*>(t.raw()), t.nbytes()));
    manifest << (i++ ? ",\n " : "\n ") << "{\"name\": " << json_quote(name) << ", \"dtype\": \""
             << dtype_name(t.dtype()) << "\", \"dims\": [";
    for (size_t d = 0; d < t.shape().size(); ++d) manifest << (d ? ", " : "") << t.shape()[d];
    manifest << "], \"file\": " << json_quote(file) << "}";
  }
  manifest << "]}\n";
  write_file_bytes(dir + "/manifest.json", manifest.str());
}

TensorMap read_outputs(const std::string& dir) {
  Json manifest = JsonParser(read_file_bytes(dir + "/manifest.json")).parse();
  TensorMap out;
  for (const Json& o : manifest.at("outputs").items) {
    Shape shape;
    for (const Json& d : o.at("dims").items) shape.push_back(std::stoll(d.text));
    Tensor t(dtype_from_name(o.at("dtype").text), shape);
    std::string bytes = read_file_bytes(dir + "/" + o.at("file").text);
    SSDX_CHECK(bytes.size() == t.nbytes(), "ORT output '", o.at("name").text, "': ", bytes.size(), " bytes for ",
               shape_str(shape));
    if (!bytes.empty()) std::memcpy(t.raw(), bytes.data(), bytes.size());
    out[o.at("name").text] = t;
  }
  return out;
}

}  // namespace

bool ort_available(std::string* why) {
  static std::once_flag once;
  static bool ok = false;
  static std::string reason;
  std::call_once(once, [] {
    const std::string check = "node " + shell_quote(kToolDir + "/run_ort.js") + " --check";
    std::string out;
    if (run_shell(check, &out) == 0) {
      ok = true;
      return;
    }
    if (run_shell("bash " + shell_quote(kToolDir + "/install_ort.sh"), &out) != 0) {
      reason = "install_ort.sh failed: " + last_line(out);
      return;
    }
    ok = run_shell(check, &out) == 0;
    if (!ok) reason = last_line(out);
  });
  if (why) *why = reason;
  return ok;
}

bool ort_required() {
  const char* v = std::getenv("SSDX_REQUIRE_ORT");
  return v && std::string(v) == "1";
}

TensorMap run_ort(const std::string& model_path, const TensorMap& feeds, int threads) {
  TempDir tmp;
  const std::string in_dir = tmp.path + "/in", out_dir = tmp.path + "/out";
  fs::create_directory(in_dir);
  write_inputs(feeds, in_dir);
  std::string out;
  const std::string cmd = "node " + shell_quote(kToolDir + "/run_ort.js") + " " + shell_quote(model_path) + " " +
                          shell_quote(in_dir) + " " + shell_quote(out_dir) + " --threads " + std::to_string(threads);
  if (run_shell(cmd, &out) != 0) fail("onnxruntime failed on ", model_path, ": ", last_line(out));
  return read_outputs(out_dir);
}

void expect_same_as_ort(const ModelBuilder& b, const std::string& name, const TensorMap& feeds, double atol,
                        double rtol) {
  const TempModelFile file(b, name);
  const TensorMap ours = Session::load(file.path)->run(feeds);
  const TensorMap theirs = run_ort(file.path, feeds);
  ASSERT_EQ(ours.size(), theirs.size());
  for (const auto& [out, t] : theirs) {
    SCOPED_TRACE(name + " output " + out);
    ASSERT_TRUE(ours.count(out));
    EXPECT_TRUE(tensors_close(t, ours.at(out), atol, rtol));
  }
}

}  // namespace ssdx::test
