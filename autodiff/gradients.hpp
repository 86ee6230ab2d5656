#pragma once
// tg::gradients: the gradient of y with respect to chosen Vars, returned instead of accumulated
// into their .grad (leaves or intermediates alike). With create_graph the results are on the tape
// and can be differentiated again: the building block of double backward and Hessians.
#include <vector>

#include "var.hpp"

namespace tg {

/// d<seed, y>/dx for each x in xs (zeros for an x that y does not depend on).
/// @throws AutogradError if y needs no gradient or its graph was released; ShapeError on a bad seed.
template <class T>
std::vector<Var<T>> gradients(const Var<T>& y, const std::vector<Var<T>>& xs, const Tensor<T>& seed,
                              const BackwardOptions& opts = {});

}  // namespace tg
