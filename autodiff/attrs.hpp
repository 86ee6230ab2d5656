#pragma once
// Op attributes, one plain struct for every op: axes, target shapes, slice bounds, scalars,
// integer parameters and, for indexing ops, a shared read-only array of integers.
// Plain data, so samples in the registry can carry them and a tape node stores them inline.
#include <cstdint>
#include <memory>
#include <vector>

#include "../tensor/shape.hpp"

namespace tg {

/// Integer data an op reads but does not differentiate: class labels, gather / embedding
/// indices, a where-mask (0 / 1). Shared and immutable, so a recorded node keeps exactly the
/// indices it was run with, whatever the caller does to its own copy afterwards.
struct IndexArray {
    Shape shape;
    std::vector<index_t> data;  ///< row-major, shape.numel() elements
};

struct Attrs {
    Shape shape;  ///< target shape (reshape, broadcast_to, sum_to) or input shape
    Shape axes;   ///< reduction axes or a permutation
    bool keepdims = false;
    int axis = 0;                           ///< single axis (max, slice)
    index_t start = 0, stop = 0, step = 1;  ///< slice bounds (normalized)
    double scalar = 0;                      ///< scalar exponent and the like
    double scalar2 = 0;                     ///< a second scalar parameter (a range's upper end, a threshold)
    Shape ints;              ///< further integer parameters (strides, paddings, dilations, groups)
    std::uint64_t seed = 0;  ///< random stream of a stochastic op (dropout)
    std::shared_ptr<const IndexArray> index;  ///< integer data (null for most ops)
};

}  // namespace tg
