#include "app/calibration_images.h"

#include "app/image.h"
#include "app/input_spec.h"
#include "app/preprocess.h"

namespace ssdx::app {

std::vector<Tensor> load_calibration_images(const Graph& g, const std::vector<std::string>& paths) {
  if (paths.empty()) fail("calibration needs at least one image");
  const bool one_input = g.inputs.size() == 1;
  const Value* in = one_input ? &g.value(g.inputs[0]) : nullptr;
  const bool image = in && in->dtype == DataType::Float && in->shape_known && in->shape.size() == 4 &&
                     (in->shape[0] == 1 || in->shape[0] == kUnknownDim) && in->shape[1] == 3 && in->shape[2] > 0 &&
                     in->shape[3] > 0 && in->shape[2] <= kMaxImageSide && in->shape[3] <= kMaxImageSide;
  if (!image) {
    std::string have;
    for (int id : g.inputs) {
      const Value& v = g.value(id);
      have += (have.empty() ? "'" : ", '") + v.name + "' " + dtype_name(v.dtype) + " " +
              (v.shape_known ? shape_str(v.shape) : std::string("(rank unknown)"));
    }
    fail(g.source,
         ": calibration needs a model with one input, a float32 image [1,3,H,W] with static H and W; its inputs: ",
         have.empty() ? std::string("none") : have);
  }
  // The model's own preprocessing (its metadata), as detect applies it.
  const InputSpec spec = parse_model_spec(g.metadata, g.source).input;
  std::vector<Tensor> tensors;
  for (const std::string& path : paths)
    tensors.push_back(
        preprocess(load_image(path), static_cast<int>(in->shape[3]), static_cast<int>(in->shape[2]), spec));
  return tensors;
}

}  // namespace ssdx::app
