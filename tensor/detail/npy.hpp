#pragma once
// The .npy reader behind tg::load_npy, on any stream: the fuzz target (fuzz/fuzz_npy.cpp) feeds it
// bytes from memory. Internal: not part of the public API.
#include <cstdint>
#include <istream>
#include <string>

#include "../tensor.hpp"

namespace tg::detail {

/// Reads a whole .npy file of `size` bytes from `in` (positioned at its start); `name` appears in
/// errors. @throws IOError (and never reads past `size` bytes)
template <class T>
Tensor<T> load_npy_stream(std::istream& in, std::uint64_t size, const std::string& name);

}  // namespace tg::detail
