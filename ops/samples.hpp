#pragma once
// Shorthands for declaring sample inputs in op files.
#include "op.hpp"

namespace tg::ops {

inline Sample sample(std::vector<SampleInput> in, std::string label = {}, Attrs attrs = {}) {
    return Sample{std::move(in), attrs, std::move(label)};
}

/// Samples for an elementwise op with a kink at 0 whose declared derivative there is `d`: values
/// on both sides of it, near (1e-3) and far, then the same shapes with elements exactly at +0 and
/// -0 where check_op pins `d` in every mode.
inline Samples kink_samples(double d) {
    Samples s = {sample({{{}, Domain::kink}}, "scalar near the kink"),
                 sample({{{3, 5}, Domain::kink}}, "both sides of the kink"),
                 sample({{{4, 3}, Domain::kink, true}}, "transposed, both sides of the kink")};
    for (auto& k : s) k.kink_derivative = d;
    return s;
}

/// The standard shapes for an elementwise unary op: scalar, size-1, odd 2-D, 3-D, a transposed
/// view, and an empty tensor.
inline Samples unary_samples(Domain d) {
    return {sample({{{}, d}}, "scalar"),          sample({{{1}, d}}, "size-1"),
            sample({{{3, 5}, d}}, "odd 2-D"),     sample({{{2, 3, 4}, d}}, "3-D"),
            sample({{{4, 3}, d, true}}, "transposed view"), sample({{{0, 3}, d}}, "empty")};
}

/// The standard shape pairs for a broadcasting binary op.
inline Samples binary_samples(Domain da, Domain db) {
    return {sample({{{3, 4}, da}, {{3, 4}, db}}, "same shape"),
            sample({{{}, da}, {{}, db}}, "scalars"),
            sample({{{3, 4}, da}, {{4}, db}}, "row broadcast"),
            sample({{{3, 1}, da}, {{1, 5}, db}}, "outer broadcast"),
            sample({{{}, da}, {{2, 3}, db}}, "scalar and matrix"),
            sample({{{2, 1, 3}, da}, {{4, 1}, db}}, "3-D broadcast"),
            sample({{{4, 3}, da, true}, {{3}, db}}, "transposed view"),
            sample({{{0, 3}, da}, {{3}, db}}, "empty")};
}

inline Attrs axes_attrs(Shape axes, bool keepdims) {
    Attrs a;
    a.axes = axes;
    a.keepdims = keepdims;
    return a;
}

}  // namespace tg::ops
