#pragma once
// The file `ssdx run --output-dir` writes an output to. Output names come from the model, so they never choose a
// path: every byte outside [A-Za-z0-9_.-] (and a leading '.') is written as %XX, so '/', '..', NUL, control bytes
// and '%' itself cannot act; an empty name is "%"; a name whose encoding passes 200 bytes is cut there and numbered
// ("<first 200 bytes>~<output index>"), so names stay unique and within the file system's limit.
#include <string>

namespace ssdx::cli {

std::string output_file_name(const std::string& output_name, size_t index);

}  // namespace ssdx::cli
