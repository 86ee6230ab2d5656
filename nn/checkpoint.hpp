#pragma once
// Checkpoints in the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header {"name": {"dtype": "F32", "shape": [..],
// "data_offsets": [begin, end]}, "__metadata__": {..}}, then the raw little-endian data. Readable
// by the safetensors Python package and by a few lines of NumPy. Files are written atomically:
// to "<path>.tmp", then renamed over <path>, so a crash never leaves half a checkpoint.
//
// A model checkpoint holds its parameters and buffers under their dotted names; an optimizer's
// state is stored as "optim.<group>.<index>.<key>" tensors, with step counts and learning rates
// in the metadata, so training resumes to the same numbers.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "../tensor/tensor.hpp"
#include "module.hpp"
#include "optim.hpp"

namespace tg::nn {

/// Named tensors and string metadata, as stored in a safetensors file.
template <class T>
struct TensorFile {
    std::vector<std::pair<std::string, Tensor<T>>> tensors;
    std::map<std::string, std::string> metadata;
};

/// Writes the tensors (dtype F32 for float, F64 for double) atomically. @throws IOError naming the
/// file (cannot write, rename failed), DomainError on a duplicate or empty name
template <class T>
void save_safetensors(const std::string& path, const TensorFile<T>& f);
/// Reads a safetensors file; F32 and F64 tensors are converted to T.
/// @throws IOError naming the file and what is wrong: missing, truncated (header or data),
/// corrupt header (not JSON, bad fields), offsets outside the data or not matching the shape,
/// unsupported dtype
template <class T>
TensorFile<T> load_safetensors(const std::string& path);

/// Saves a model's parameters and buffers, and an optimizer's state when given.
template <class T>
void save_checkpoint(const std::string& path, const Module<T>& model, const Optimizer<T>* opt = nullptr,
                     const std::map<std::string, std::string>& extra_metadata = {});
/// Loads into an existing model (and optimizer) in place: every parameter and buffer must be in
/// the file with its shape. Returns the file's metadata (e.g. the epoch saved as extra metadata).
/// @throws IOError naming the file and the missing tensor, or the tensor with both shapes on a
/// mismatch; nothing is written to the model unless every tensor is present and fits
template <class T>
std::map<std::string, std::string> load_checkpoint(const std::string& path, Module<T>& model,
                                                   Optimizer<T>* opt = nullptr);

}  // namespace tg::nn
