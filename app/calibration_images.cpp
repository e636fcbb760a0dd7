#include "app/calibration_images.h"

#include "app/family_io.h"

#include "app/image.h"
#include "app/input_spec.h"
#include "app/preprocess.h"

namespace ssdx::app {

std::vector<Tensor> load_calibration_images(const Graph& g, const std::vector<std::string>& paths) {
  if (paths.empty()) fail("calibration needs at least one image");
  std::string have;
  for (int id : g.inputs) {
    const Value& v = g.value(id);
    have += (have.empty() ? "'" : ", '") + v.name + "' " + dtype_name(v.dtype) + " " +
            (v.shape_known ? shape_str(v.shape) : std::string("(rank unknown)"));
  }
  const Value* in = g.inputs.size() == 1 ? &g.value(g.inputs[0]) : nullptr;
  if (!in || in->dtype != DataType::Float || !in->shape_known || (in->shape.size() != 3 && in->shape.size() != 4))
    fail(g.source, ": calibration needs a model with one input, a float32 image ([1,3,H,W], [1,H,W,3] or [3,H,W]); "
         "its inputs: ", have.empty() ? std::string("none") : have);
  // The model's own preprocessing and layout (its metadata, else its input's shape), as detect applies them.
  const ModelSpec spec = parse_model_spec(g.metadata, g.source);
  const TensorInfo info{in->name, in->dtype, in->shape};
  const ImageInput input = image_input(info, detect_layout(info, spec.input.layout, g.source), g.source);
  if (input.batch > 1)
    fail(g.source, ": calibration feeds one image a run; input '", in->name, "' ", shape_str(in->shape),
         " has a static batch of ", input.batch);
  std::vector<Tensor> tensors;
  for (const std::string& path : paths) {
    const Image image = load_image(path);
    // A free-size input (torchvision's dynamic-size export) takes each photo at its own size.
    const int w = input.width ? input.width : image.width, h = input.height ? input.height : image.height;
    tensors.push_back(stack_images({preprocess(image, w, h, spec.input)}, input.layout));
  }
  return tensors;
}

}  // namespace ssdx::app
