#pragma once
// Op attributes, one plain struct for every op: axes, target shapes, slice bounds, a scalar.
// Plain data, so samples in the registry can carry them and a tape node stores them inline.
#include "../tensor/shape.hpp"

namespace tg {

struct Attrs {
    Shape shape;            ///< target shape (reshape, broadcast_to, sum_to) or input shape
    Shape axes;             ///< reduction axes or a permutation
    bool keepdims = false;
    int axis = 0;           ///< single axis (max, slice)
    index_t start = 0, stop = 0, step = 1;  ///< slice bounds (normalized)
    double scalar = 0;      ///< scalar exponent and the like
};

}  // namespace tg
