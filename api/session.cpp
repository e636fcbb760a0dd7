// ssdx::api::Session: the engine's Session behind a pimpl, with inputs borrowed in place and outputs adopted
// without copies (or copied once into caller buffers).
#include "ssdx/session.h"

#include <cstring>

#include "api/bridge.h"

namespace ssdx::api {

struct Session::Impl {
  std::string path;
  std::unique_ptr<ssdx::Session> engine;
  std::vector<TensorInfo> inputs, outputs;
};

namespace {

const TensorInfo* find_info(const std::vector<TensorInfo>& infos, const std::string& name) {
  for (const TensorInfo& info : infos)
    if (info.name == name) return &info;
  return nullptr;
}

bool dims_agree(const Shape& declared, const Shape& actual) {
  if (declared.size() != actual.size()) return false;
  for (size_t d = 0; d < declared.size(); ++d)
    if (declared[d] >= 0 && declared[d] != actual[d]) return false;
  return true;
}

TensorMap borrow_feeds(const Session::Impl& impl, const NamedTensors& feeds) {
  TensorMap internal;
  for (const auto& [name, tensor] : feeds) {
    const TensorInfo* info = find_info(impl.inputs, name);
    if (!info) fail(impl.path, ": the model has no input named '", name, "'");
    if (tensor.dtype() != info->dtype)
      fail(impl.path, ": input '", name, "' must be ", dtype_name(info->dtype), ", got ", dtype_name(tensor.dtype()));
    internal.emplace(name, bridge::borrow_internal(tensor));  // the engine checks shapes and missing inputs
  }
  return internal;
}

// A caller buffer for output `info`: writable, same dtype, a shape the declared one allows (checked exactly once
// the run has computed it).
void check_output_buffer(const std::string& path, const TensorInfo* info, const std::string& name, const Tensor& buffer) {
  if (!info) fail(path, ": the model has no output named '", name, "'");
  if (buffer.read_only()) fail(path, ": output buffer '", name, "' is borrowed from a const pointer");
  if (buffer.numel() != 0 && !buffer.raw()) fail(path, ": output buffer '", name, "' has no storage");
  if (buffer.dtype() != info->dtype)
    fail(path, ": output '", name, "' is ", dtype_name(info->dtype), ", its buffer ", dtype_name(buffer.dtype()));
  if (!dims_agree(info->shape, buffer.shape()))
    fail(path, ": output '", name, "' has shape ", shape_string(info->shape), ", its buffer ", shape_string(buffer.shape()));
}

}  // namespace

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Session Session::load(const std::string& path, const Options& options) {
  return bridge::guarded([&] {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->engine = ssdx::Session::load(path, bridge::to_internal(options));
    for (const ssdx::TensorInfo& info : impl->engine->inputs()) impl->inputs.push_back(bridge::to_public(info));
    for (const ssdx::TensorInfo& info : impl->engine->outputs()) impl->outputs.push_back(bridge::to_public(info));
    return Session(std::move(impl));
  });
}

const std::vector<TensorInfo>& Session::inputs() const { return impl_->inputs; }
const std::vector<TensorInfo>& Session::outputs() const { return impl_->outputs; }

NamedTensors Session::run(const NamedTensors& feeds, Profile* profile) const {
  NamedTensors outputs;
  run(feeds, outputs, profile);
  return outputs;
}

void Session::run(const NamedTensors& feeds, NamedTensors& outputs, Profile* profile) const {
  bridge::guarded([&] {
    for (const auto& [name, buffer] : outputs) check_output_buffer(impl_->path, find_info(impl_->outputs, name), name, buffer);
    RunProfile run_profile;
    const TensorMap results = impl_->engine->run(borrow_feeds(*impl_, feeds), profile ? &run_profile : nullptr);
    // Every shape is checked before any caller buffer is written.
    for (const auto& [name, buffer] : outputs)
      if (buffer.shape() != results.at(name).shape())
        fail(impl_->path, ": output '", name, "' has shape ", shape_str(results.at(name).shape()), " in this run, its buffer ",
             shape_string(buffer.shape()));
    for (const auto& [name, result] : results) {
      auto it = outputs.find(name);
      if (it == outputs.end()) {
        outputs.emplace(name, bridge::adopt_public(result));
        continue;
      }
      const Tensor plain = bridge::adopt_public(result);
      if (plain.nbytes() != 0) std::memcpy(it->second.raw(), plain.raw(), plain.nbytes());
    }
    if (profile) *profile = bridge::to_public(run_profile);
  });
}

}  // namespace ssdx::api
