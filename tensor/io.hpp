#pragma once
// .npy files (NumPy format 1.0/2.0, little-endian, C or Fortran order). Loading checks the header
// against the file size, so truncated or padded files are an IOError, never garbage.
#include <string>

#include "tensor.hpp"

namespace tg {

/// Writes `t` as a C-order .npy file readable by numpy.load. @throws IOError
template <class T>
void save_npy(const std::string& path, const Tensor<T>& t);
/// Reads a .npy file whose dtype is exactly T (<f4 for float, <f8 for double).
/// @throws IOError naming the file and what is wrong (missing, truncated, dtype, header)
template <class T>
Tensor<T> load_npy(const std::string& path);

}  // namespace tg
