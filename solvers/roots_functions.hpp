#pragma once
// The roots family's tensor-level functions: Kepler's equation solved elementwise, recorded as one
// solver op (solvers/kepler.hpp) whose rules are the implicit ones. The scalar root finders
// (generic over double, float, tg::Dual, tg::Rev) are in roots.hpp.
#include "../autodiff/var.hpp"
#include "../tensor/tensor.hpp"

namespace tg::solvers {

/// E with E - e sin E = M, elementwise (M and e broadcast), differentiable in M and e at every
/// order by the implicit function theorem: dE = (dM + sin E de) / (1 - e cos E).
/// @throws DomainError if some |e| >= 1 or an input is NaN or infinite (naming the element),
/// ShapeError if M and e do not broadcast.
template <class T>
Var<T> kepler(const Var<T>& M, const Var<T>& e);
/// The value alone.
template <class T>
Tensor<T> kepler(const Tensor<T>& M, const Tensor<T>& e);

}  // namespace tg::solvers
