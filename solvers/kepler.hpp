#pragma once
// E = kepler(M, e): the root of E - e sin E = M (Kepler's equation: eccentric anomaly E from the
// mean anomaly M and the eccentricity |e| < 1), elementwise with broadcasting. The forward pass
// runs Brent's method on each element (roots.hpp, on the bracket [M - |e|, M + |e|]); the rules
// come from the condition f(E, M, e) = E - e sin E - M = 0 (implicit function theorem), never from
// the iterations. With g = f_E = 1 - e cos E:
//   jvp: dE = (dM + sin E de) / g
//   vjp: Mbar = Ebar / g,  ebar = Ebar sin E / g
// Both are written with differentiable Var ops on the output E, whose own derivative is this op's
// again: second derivatives through the solve are the implicit ones too.
#include "../autodiff/tape.hpp"
#include "../ops/jvp_util.hpp"
#include "../ops/samples.hpp"
#include "solver_list.hpp"

namespace tg {
namespace solvers::detail {
/// The forward solve (roots_functions.cpp). @throws DomainError if |e| >= 1 or an input is NaN.
template <class T>
Tensor<T> kepler_forward(const Tensor<T>& M, const Tensor<T>& e);
}  // namespace solvers::detail

namespace solvers {
struct Kepler {
    static constexpr const char* name = "kepler";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& M, const Tensor<T>& e) {
        return detail::kepler_forward(M, e);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Var<T> w = a.gy / (T(1) - a.x[1] * cos(a.y));  // Ebar / f_E
        if (a.need(0)) c[0] = w;
        if (a.need(1)) c[1] = w * sin(a.y);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Var<T> num = ops::tangent_add(
            a.dx[0], ops::tangent_map(a.dx[1], [&](const Var<T>& d) { return sin(a.y) * d; }));
        return ops::tangent_map(num, [&](const Var<T>& n) { return n / (T(1) - a.x[1] * cos(a.y)); });
    }
    static Samples samples() { return ops::binary_samples(Domain::any, Domain::open_unit); }
};
}  // namespace solvers
}  // namespace tg
