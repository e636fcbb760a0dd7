#pragma once
// Model inputs for the subcommands that run a model (run, bench): from .pb/.npy files, else seeded random data.
#include <string>
#include <vector>

#include "engine/session.h"

namespace ssdx::study {

struct InputFile {
  std::string name, path;
};
// Parses an --input value, NAME=FILE; fails with a one-line message otherwise.
InputFile parse_input_spec(const std::string& spec);

// How inputs not given as files are filled; unknown dims become 1. Floats: Uniform in [-1, 1), or Normal(0, 1)
// (what an ImageNet-normalised photo looks like to the first conv), float16/bfloat16 the same rounded to them;
// integers in [0, 10) either way.
enum class RandomFill { None, Uniform, Normal };

// Feeds for every input of `session`: files first (.npy by extension, else a serialized TensorProto), the rest
// random from `seed`; with RandomFill::None a missing input is an error naming it.
TensorMap make_feeds(const Session& session, const std::vector<InputFile>& files, RandomFill fill, unsigned seed);

}  // namespace ssdx::study
