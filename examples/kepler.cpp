// Sensitivity of Kepler's equation E - e sin E = M (eccentric anomaly E from the mean anomaly M
// and the eccentricity e) by implicit differentiation through a root finder.
//
// Brent's method finds E on the bracket [M - e, M + e] (f changes sign there) without any
// derivative; the root still carries dE/dM and dE/de, from the implicit function theorem
// dE = -(f_e de + f_M dM) / f_E, f_E = 1 - e cos E, and, through a nested tg::Dual, the second
// derivatives. They are checked against the closed forms
//   dE/dM = 1 / (1 - e cos E),      dE/de = sin E / (1 - e cos E),
//   d2E/dM2 = -e sin E / g^3,  g = 1 - e cos E,
// and against central differences of the whole solve. tg::Rev gives the same gradient in reverse
// mode as one record on its tape.
#include <cmath>
#include <cstdio>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace ts = tg::solvers;

// f(E; e, M) for any scalar type: double, Dual, nested Dual, Rev.
auto kepler = [](const auto& E, const auto& e, const auto& M) {
    using std::sin;
    return E - e * sin(E) - M;
};

template <class S>
S eccentric_anomaly(const S& e, const S& M) {
    const double m = tg::solvers::detail::primal(M), ee = tg::solvers::detail::primal(e);
    return ts::brent(kepler, m - ee, m + ee, ts::params(e, M)).root;
}

int main() {
    using D1 = tg::Dual<double, 2>;    // directions: e, M
    using D2 = tg::Dual<D1, 2>;        // second order
    const double h = 1e-6, h2 = 1e-5;  // first derivatives are exact to ~1e-15: differences of them at 1e-5
                                       // lose ~1e-10
    int bad = 0;
    const auto check = [&](double got, double want, double tol) {
        const bool ok = std::abs(got - want) <= tol * std::max(1.0, std::abs(want));
        bad += !ok;
        return ok ? ' ' : '!';
    };
    std::printf(
        "Kepler's equation E - e sin E = M, E by Brent's method, derivatives by the implicit function theorem\n\n");
    std::printf("%5s %6s %12s | %12s %12s %10s | %12s %12s %10s\n", "e", "M", "E", "dE/dM", "closed",
                "FD err", "dE/de", "closed", "FD err");
    const double es[] = {0.1, 0.5, 0.9, 0.99};
    const double Ms[] = {0.05, 0.3, 1.5, 3.0};  // small M with e near 1: f_E = 1 - e cos E is small
    for (double e0 : es) {
        for (double M0 : Ms) {
            D2 e(D1::variable(e0, 0)), M(D1::variable(M0, 1));
            e.set_tangent(0, D1(1.0)), M.set_tangent(1, D1(1.0));
            const D2 E = eccentric_anomaly(e, M);
            const double Ev = E.v.v, g = 1 - e0 * std::cos(Ev), s = std::sin(Ev);
            const double EM = 1 / g, Ee = s / g;
            const auto plain = [&](double ee, double mm) { return eccentric_anomaly(ee, mm); };
            const double fdM = (plain(e0, M0 + h) - plain(e0, M0 - h)) / (2 * h);
            const double fde = (plain(e0 + h, M0) - plain(e0 - h, M0)) / (2 * h);
            const double gotM = E.tangent(1).v, gote = E.tangent(0).v;
            const char cM = check(gotM, EM, 1e-13), ce = check(gote, Ee, 1e-13);
            check(fdM, gotM, 1e-6), check(fde, gote, 1e-6);
            std::printf("%5.2f %6.2f %12.9f | %12.9f %12.9f %10.1e%c| %12.9f %12.9f %10.1e%c\n", e0, M0, Ev,
                        gotM, EM, std::abs(fdM - gotM), cM, gote, Ee, std::abs(fde - gote), ce);
            // second order: closed form for d2E/dM2, differences of the first derivatives for the rest
            const double EMM = -e0 * s / (g * g * g);
            const auto first = [&](double ee, double mm) {
                const D1 E1 = eccentric_anomaly(D1::variable(ee, 0), D1::variable(mm, 1));
                return std::pair{E1.tangent(0), E1.tangent(1)};
            };
            const double fdEee = (first(e0 + h2, M0).first - first(e0 - h2, M0).first) / (2 * h2);
            const double fdEeM = (first(e0, M0 + h2).first - first(e0, M0 - h2).first) / (2 * h2);
            check(E.tangent(1).tangent(1), EMM, 1e-11);
            check(E.tangent(0).tangent(0), fdEee, 1e-5);
            check(E.tangent(0).tangent(1), fdEeM, 1e-5);
            check(E.tangent(1).tangent(0), E.tangent(0).tangent(1), 1e-12);
            if (M0 == 1.5)
                std::printf(
                    "      second order: d2E/dM2 %.9f (closed %.9f)  d2E/de2 %.9f (FD %.9f)  d2E/dedM %.9f (FD %.9f)\n",
                    E.tangent(1).tangent(1), EMM, E.tangent(0).tangent(0), fdEee, E.tangent(0).tangent(1),
                    fdEeM);
        }
    }
    // reverse mode: one tape record for the root
    const auto [Ev, grad] = tg::gradient([](const auto& th) { return eccentric_anomaly(th[0], th[1]); },
                                         std::vector<double>{0.5, 1.5});
    const double g = 1 - 0.5 * std::cos(Ev);
    check(grad[0], std::sin(Ev) / g, 1e-13), check(grad[1], 1 / g, 1e-13);
    std::printf("\ntg::Rev at e = 0.5, M = 1.5: dE/de = %.12f, dE/dM = %.12f\n", grad[0], grad[1]);
    std::printf("%s\n",
                bad ? "MISMATCH" : "all derivatives agree with the closed forms and finite differences");
    return bad ? 1 : 0;
}
