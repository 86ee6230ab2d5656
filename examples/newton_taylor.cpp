// Newton's method and a Taylor expansion through dual numbers, on Kepler's equation
//
//     F(E; M, e) = E - e sin(E) - M = 0        (eccentric anomaly E of an orbit with mean anomaly M)
//
// 1. Newton:       E <- E - F(E) / F'(E), with F' from tg::value_and_derivative (one Dual pass).
// 2. Sensitivity:  how the root moves with e, by the implicit function theorem
//                  dE/de = -(dF/de) / (dF/dE), both partials from tg::derivative; checked against
//                  re-solving at e +- h.
// 3. Taylor:       Dual<Dual<double>> gives F, F', F'' in one pass; the tangent line misses F by
//                  O(h^2) and the quadratic model by O(h^3), with (error / h^3) -> F'''/6, and F''' comes
//                  from one more level of nesting.
// The example checks each claim and returns non-zero if one fails.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <tensorgrad/tensorgrad.hpp>

namespace {
constexpr double M = 1.0;  // mean anomaly (radians)

template <class S, class P>
auto kepler(const S& E, const P& e) {
    using std::sin;
    return E - e * sin(E) - M;
}

double solve(double e, bool print) {
    double E = M;  // a standard starting point for e < 0.8
    for (int it = 1; it <= 20; ++it) {
        const auto [F, dF] = tg::value_and_derivative([e](auto x) { return kepler(x, e); }, E);
        E -= F / dF;
        if (print) std::printf("  iteration %d: E = %.16f   |F| = %.3e\n", it, E, std::abs(F));
        if (std::abs(F) < 1e-15) break;
    }
    return E;
}
}  // namespace

int main() {
    int failures = 0;
    auto check = [&failures](bool ok, const char* what) {
        std::printf("  [%s] %s\n", ok ? "ok" : "FAILED", what);
        failures += !ok;
    };
    const double e = 0.5;

    std::printf("1. Newton's method on E - %.1f sin E = %.1f\n", e, M);
    const double E = solve(e, true);
    check(std::abs(kepler(E, e)) < 1e-15, "Newton converged to |F(E)| < 1e-15");

    std::printf("2. sensitivity of the root to the eccentricity\n");
    const double dF_dE = tg::derivative([e](auto x) { return kepler(x, e); }, E);
    const double dF_de = tg::derivative([E](auto ecc) { return kepler(E, ecc); }, e);
    const double dE_de = -dF_de / dF_dE;
    const double h = 1e-6, fd = (solve(e + h, false) - solve(e - h, false)) / (2 * h);
    std::printf("  dE/de = %.12f (implicit function theorem), %.12f (re-solving at e +- %g)\n", dE_de, fd, h);
    check(std::abs(dE_de - std::sin(E) / (1 - e * std::cos(E))) < 1e-14, "dE/de equals sin E / (1 - e cos E)");
    check(std::abs(dE_de - fd) < 1e-8, "dE/de agrees with re-solving");

    std::printf("3. Taylor models of F around x0 = 0.5 (errors: the larger of x0 + h and x0 - h)\n");
    using D2 = tg::Dual<tg::Dual<double>>;
    using D3 = tg::Dual<D2>;
    const double x0 = 0.5;
    const D2 t = kepler(D2(tg::Dual<double>::variable(x0), tg::Dual<double>(1.0)), e);
    const double F0 = t.v.v, F1 = t.v.d, F2 = t.d.d;  // F, F', F'' in one pass
    const D3 u = kepler(D3(D2(tg::Dual<double>::variable(x0), tg::Dual<double>(1.0)), D2(1.0)), e);
    const double F3 = u.d.d.d;
    std::printf("  F = %.12f  F' = %.12f  F'' = %.12f  F''' = %.12f\n", F0, F1, F2, F3);
    check(std::abs(F1 - (1 - e * std::cos(x0))) < 1e-15 && std::abs(F2 - e * std::sin(x0)) < 1e-15 &&
              std::abs(F3 - e * std::cos(x0)) < 1e-15,
          "nested Duals give F', F'', F''' of the closed form");
    std::printf("  %8s %14s %14s %14s   (|F'''|/6 = %.6f)\n", "h", "line error", "quad error",
                "quad err / h^3", std::abs(F3) / 6);
    double prev_line = 0, prev_quad = 0;
    bool orders_ok = true;
    for (double step : {1e-1, 1e-2, 1e-3}) {
        double line = 0, quad = 0;
        for (double h : {step, -step}) {
            const double f = kepler(x0 + h, e);
            line = std::max(line, std::abs(f - (F0 + F1 * h)));
            quad = std::max(quad, std::abs(f - (F0 + F1 * h + F2 * h * h / 2)));
        }
        std::printf("  %8.0e %14.3e %14.3e %14.6f\n", step, line, quad, quad / (step * step * step));
        if (prev_line > 0) orders_ok &= prev_line / line > 80 && prev_quad / quad > 800;
        prev_line = line, prev_quad = quad;
        if (step == 1e-2) orders_ok &= std::abs(quad / (step * step * step) - std::abs(F3) / 6) < 1e-3;
    }
    check(orders_ok, "tangent line error shrinks like h^2, quadratic like h^3 with constant |F'''|/6");

    std::printf("%s\n", failures == 0 ? "newton_taylor: all claims hold" : "newton_taylor: FAILED");
    return failures == 0 ? 0 : 1;
}
