#pragma once
// ssdx public API, everything: #include <ssdx/ssdx.h> and link ssdx::ssdx (CMake) or `pkg-config --static ssdx`.
//   ssdx::api::Session  - load an ONNX model, list its inputs/outputs, run it (owned or caller buffers), profile it
//   ssdx::api::Detector - SSD object detection on RGB buffers or PNG/JPEG files
//   ssdx::api::Tensor   - owned or borrowed dense arrays
//   ssdx::api::Error    - the one exception type, a one-line message
#include "ssdx/detector.h"
#include "ssdx/error.h"
#include "ssdx/session.h"
#include "ssdx/tensor.h"
#include "ssdx/version.h"
