// A Poisson equation -laplace(u) = f on the unit square (u = 0 on the boundary), discretized with
// the 5-point Laplacian on an m x m grid and solved by preconditioned CG (IC(0)). The objective
//     J(f) = h^2/2 sum (u(f) - u_target)^2
// is differentiated with respect to the source f THROUGH the solve: one recorded op whose backward
// is a single adjoint solve (A^T lambda = dJ/du), not a differentiation of the CG iterations.
// The gradient is printed against central finite differences of the whole solve at a few points.
#include <cmath>
#include <cstdio>

#include <tensorgrad/tensorgrad.hpp>

#include "../solvers/sparse_functions.hpp"

namespace ts = tg::solvers;
using tg::index_t;
using tg::Tensor;
using tg::Var;

int main() {
    const index_t m = 48;  // 2,304 unknowns
    const double h = 1.0 / (m + 1);
    const auto lap = ts::laplacian_2d<double>(m, m);  // h^2 (-laplace) on the grid
    // Source: a bump at (0.3, 0.6); target: the solution of a bump at (0.5, 0.5).
    std::vector<double> f0(m * m), bump(m * m);
    for (index_t i = 0; i < m; ++i)
        for (index_t j = 0; j < m; ++j) {
            const double x = (i + 1) * h, y = (j + 1) * h;
            f0[i * m + j] = 50 * std::exp(-40 * ((x - 0.3) * (x - 0.3) + (y - 0.6) * (y - 0.6)));
            bump[i * m + j] = 50 * std::exp(-40 * ((x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5)));
        }
    ts::KrylovOptions opts;
    opts.method = ts::KrylovMethod::cg;
    opts.preconditioner = ts::Preconditioner::ic0;
    opts.rtol = 1e-12;
    const Tensor<double> h2 = Tensor<double>::scalar(h * h);
    const Tensor<double> u_target = ts::krylov_solve(lap, tg::mul(Tensor<double>::from_vector(bump), h2), opts);

    // J(f): the solve is recorded as one op (values of A constant, right-hand side h^2 f a Var).
    ts::SolveReport report;
    auto J = [&](const Var<double>& f) {
        const auto r = ts::krylov_solve(lap, f * (h * h), opts);
        report = r.report;
        const Var<double> e = r.x - Var<double>(u_target);
        return tg::sum(e * e) * (h * h / 2);
    };
    const Tensor<double> f = Tensor<double>::from_vector(f0);
    auto [value, grad] = tg::value_and_grad<double>(J, f);
    std::printf("Poisson on a %ld x %ld grid: %s\n", static_cast<long>(m), static_cast<long>(m),
                report.str().c_str());
    std::printf("J(f) = %.10f; the gradient took one adjoint solve\n", value);

    // Central differences of the whole solve at a few grid points.
    double worst = 0;
    std::printf("%12s %18s %18s %10s\n", "point", "dJ/df (reverse)", "central diff.", "rel. err");
    for (index_t k :
         {m * (m / 3) + m / 2, m * m / 2 + m / 3, m * (m / 4) + 3 * m / 4, m * (2 * m / 3) + m / 5}) {
        const double eps = 1e-3;
        Tensor<double> fp = f.clone(), fm = f.clone();
        fp.data()[k] += eps;
        fm.data()[k] -= eps;
        double jp, jm;
        {
            tg::NoGrad ng;
            jp = J(Var<double>(fp)).value().item();
            jm = J(Var<double>(fm)).value().item();
        }
        const double fd = (jp - jm) / (2 * eps), g = grad.at({k});
        const double rel = std::abs(g - fd) / std::max(1e-12, std::abs(fd));
        worst = std::max(worst, rel);
        std::printf("(%4ld,%4ld) %18.10e %18.10e %10.2e\n", static_cast<long>(k / m),
                    static_cast<long>(k % m), g, fd, rel);
    }
    std::printf("worst relative difference: %.2e\n", worst);
    if (!(worst < 1e-5)) {
        std::printf("FAIL: the implicit gradient does not match finite differences\n");
        return 1;
    }
    std::printf("OK: the gradient through preconditioned CG matches finite differences of the whole solve\n");
    return 0;
}
