#pragma once
// x = (A(v) + shift I)^{-1} b by sparse LU (UMFPACK, sparse_direct.cpp); the rules are the
// implicit ones of krylov_ops.hpp (ImplicitSparseSolve), their solves by this same op.
#include "krylov_ops.hpp"

namespace tg::solvers {

struct SparseDirectSolve : ImplicitSparseSolve<SparseDirectSolve> {
    static constexpr const char* name = "sparse_direct_solve";
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& v, const Tensor<T>& b) {
        return detail::direct_forward(a, v, b);
    }
    static Samples samples() { return direct_samples(); }
};

}  // namespace tg::solvers
