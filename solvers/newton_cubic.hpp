#pragma once
// x = newton_cubic(A, b): the root of F(x; A, b) = A x + x^3 - b (cube elementwise), A [n, n],
// b [n], found by vector Newton (newton.hpp, from x0 = 0). A small fixed system registered as a
// solver op so that opcheck and the registry test check the vector implicit rules in every column
// (the general newton_root records a custom function, which the registry cannot enumerate).
// With J = F_x = A + 3 diag(x^2) at the root:
//   jvp: dx = J^{-1} (db - dA x)
//   vjp: J^T lambda = xbar;  bbar = lambda,  Abar = -lambda x^T
// Both are written with differentiable Var ops (solve, matmul, mul) on the output x, whose own
// derivative is this op's again: second derivatives through the solve are the implicit ones too.
#include "../autodiff/tape.hpp"
#include "../ops/functions.hpp"
#include "../ops/samples.hpp"
#include "../ops/shape_index_functions.hpp"
#include "dense_functions.hpp"
#include "newton.hpp"
#include "solver_list.hpp"

namespace tg {
namespace solvers::detail {
/// The forward solve (newton_cubic.cpp). @throws ShapeError unless A is [n, n] and b [n];
/// the errors of newton_root (a NaN input: NonFiniteError).
template <class T>
Tensor<T> newton_cubic_forward(const Tensor<T>& A, const Tensor<T>& b);

template <class T>
Var<T> cubic_jacobian(const Var<T>& A, const Var<T>& x) {  // A + 3 diag(x^2)
    return A + Var<T>(eye<T>(x.numel())) * (T(3) * x * x);
}
}  // namespace solvers::detail

namespace solvers {
struct NewtonCubic {
    static constexpr const char* name = "newton_cubic";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& A, const Tensor<T>& b) {
        return detail::newton_cubic_forward(A, b);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Var<T> lambda = solve(transpose(detail::cubic_jacobian(a.x[0], a.y)), a.gy);
        if (a.need(0)) c[0] = -(unsqueeze(lambda, 1) * unsqueeze(a.y, 0));
        if (a.need(1)) c[1] = lambda;
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        Var<T> rhs = a.dx[1];
        if (a.dx[0].defined()) {
            const Var<T> dax = matmul(a.dx[0], a.y);
            rhs = rhs.defined() ? rhs - dax : -dax;
        }
        if (!rhs.defined()) return rhs;
        return solve(detail::cubic_jacobian(a.x[0], a.y), rhs);
    }
    static Samples samples() {
        using ops::sample;
        const Domain W = Domain::well_conditioned;
        return {sample({{{3, 3}, W}, {{3}}}, "n = 3"), sample({{{1, 1}, W}, {{1}}}, "n = 1"),
                sample({{{5, 5}, W}, {{5}}}, "n = 5"),
                sample({{{4, 4}, W, true}, {{4}}}, "A a transposed view")};
    }
};
}  // namespace solvers
}  // namespace tg
