#pragma once
// NumPy's .npy (format versions 1.0, 2.0 and 3.0) and .npz (a zip archive of .npy files, stored
// or deflated) in the dtypes datasets use: little-endian float32/64, int32/64, uint8 and bool.
// Arrays are read in their own dtype (NpyArray) and converted on request: to a Tensor<T> (any of
// them), or to class indices (the integer and bool dtypes). Fortran-order arrays are read and
// reordered to C order; files are always written in C order.
//
// tg::load_npy / save_npy (tensor/io.hpp) stay the exact-dtype tensor files of the core library;
// this reader is the data-set side: mixed dtypes, labels, archives.
//
//   auto arrays = nn::read_npz("mnist.npz");              // name -> array, in archive order
//   Tensor<float> x = nn::npy_to_tensor<float>(nn::npz_get(arrays, "x_train"));
//   IndexArray y = nn::npy_to_index(nn::npz_get(arrays, "y_train"));
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../autodiff/attrs.hpp"
#include "../tensor/tensor.hpp"

namespace tg::nn {

enum class NpyType { f4, f8, i4, i8, u1, b1 };
/// numpy's descr: "<f4", "<f8", "<i4", "<i8", "|u1", "|b1".
const char* npy_descr(NpyType t);
std::size_t npy_itemsize(NpyType t);

/// One array: its dtype, shape and raw little-endian bytes in C order.
struct NpyArray {
    NpyType dtype = NpyType::f8;
    Shape shape;
    std::vector<unsigned char> data;  ///< shape.numel() * itemsize bytes
    index_t numel() const { return shape.numel(); }
};

/// Parses the bytes of a .npy file; `name` appears in errors.
/// @throws IOError naming it and what is wrong: not .npy (magic), an unknown version, a truncated
/// header or data, a header that is not numpy's dict, an unsupported dtype (big-endian included,
/// each named), a negative or overflowing shape, bytes after the data
NpyArray parse_npy(const std::vector<unsigned char>& bytes, const std::string& name);
/// @throws IOError naming the file (cannot open, and as parse_npy)
NpyArray read_npy(const std::string& path);
/// The bytes of a version 1.0 file (2.0 when the header needs it). @throws ShapeError (data size)
std::vector<unsigned char> npy_bytes(const NpyArray& a);
/// @throws IOError naming the file, ShapeError as npy_bytes
void write_npy(const std::string& path, const NpyArray& a);

/// The arrays of an .npz archive in archive order, named without the ".npy" suffix.
/// @throws IOError naming the file and entry: not a zip, truncated, a compression other than
/// stored / deflate, encrypted, a CRC mismatch, corrupt deflate data, an entry that is not .npy
/// (and every parse_npy error, with the entry named)
std::vector<std::pair<std::string, NpyArray>> read_npz(const std::string& path);
/// @throws IOError naming the file; DomainError on an empty or duplicate name
void write_npz(const std::string& path, const std::vector<std::pair<std::string, NpyArray>>& arrays,
               bool compress = false);
/// The array called `name`. @throws DomainError listing the names present
const NpyArray& npz_get(const std::vector<std::pair<std::string, NpyArray>>& arrays, const std::string& name);

/// Converts any dtype to T (bool as 0 / 1; int64 beyond 2^53 rounds). @throws ShapeError (data size)
template <class T>
Tensor<T> npy_to_tensor(const NpyArray& a);
/// Integer and bool arrays as indices. @throws DomainError for a float dtype
IndexArray npy_to_index(const NpyArray& a);
/// A tensor as "<f4" (float) or "<f8" (double), any layout, written in C order.
template <class T>
NpyArray to_npy(const Tensor<T>& t);
/// Indices as "<i8".
NpyArray to_npy(const IndexArray& a);

}  // namespace tg::nn
