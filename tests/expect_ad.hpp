#pragma once
// expect_ad: one call per scalar function checks that every AD mode agrees with every other and
// with finite differences, in the spirit of Stan's test framework (test/unit/math/test_ad.hpp).
//
//   expect_ad("pow", [](const auto& a, const auto& b) { return pow(a, b); }, {{2.0, 3.0}, {0.5, -1.5}});
//
// f takes N = 1, 2 or 3 arguments, each a double, a tg::Dual or a tg::Rev. At every point:
//   - values: Dual<double, N>, Dual<Dual<double, N>, N> and Rev agree with f on doubles;
//   - gradient: Dual<double, N>, both levels of the nested Dual and Rev (all arguments moving
//     together, and again with the arguments operation results, which fusion may rewrite) agree to
//     1e-13 relative; each argument moving alone (the others plain numbers where
//     the mixed overloads exist, else constants) gives the same partial in Dual, Dual<Dual> and Rev;
//     all of them agree with Ridders' extrapolated central differences of f on doubles to 1e-8;
//     Rev<float> and Dual<float> agree with double to 1e-5;
//   - Hessian: the nested Dual's is symmetric and agrees with Ridders differences of the Dual
//     gradient to 1e-7.
// A point's finite-difference steps stay within `radius` of it (domain edges, kinks, jumps).
// check_ad returns the disagreements (so a test can show that a wrong rule is caught); expect_ad
// is the doctest check that there are none.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tensorgrad/tensorgrad.hpp>

namespace tg_expect_ad {

// Ridders' extrapolated central difference of g at x; the first step h stays inside the domain.
template <class G>
double ridders(const G& g, double x, double h) {
    constexpr int n = 10;
    double a[n][n], err = std::numeric_limits<double>::infinity(),
                    best = std::numeric_limits<double>::quiet_NaN();
    a[0][0] = (g(x + h) - g(x - h)) / (2 * h);
    for (int i = 1; i < n; ++i) {
        h /= 1.4;
        a[0][i] = (g(x + h) - g(x - h)) / (2 * h);
        double fac = 1.96;
        for (int j = 1; j <= i; ++j, fac *= 1.96) {
            a[j][i] = (a[j - 1][i] * fac - a[j - 1][i - 1]) / (fac - 1);
            const double e = std::max(std::abs(a[j][i] - a[j - 1][i]), std::abs(a[j][i] - a[j - 1][i - 1]));
            if (e <= err) err = e, best = a[j][i];
        }
        if (std::abs(a[i][i] - a[i - 1][i - 1]) >= 2 * err) break;
    }
    return best;
}

template <int N>
struct Point {
    std::array<double, N> x;
    double radius = 0.1;
};

template <int N, class F, class A>
auto call(const F& f, const A& x) {
    if constexpr (N == 1) return f(x[0]);
    else if constexpr (N == 2) return f(x[0], x[1]);
    else return f(x[0], x[1], x[2]);
}
// f with argument k of type S and the others plain numbers (Mixed) or constants of type S.
template <int N, bool Mixed, class S, class F>
S call_alone(const F& f, const S& xk, int k, const std::array<double, N>& x) {
    if constexpr (N == 1) {
        return f(xk);
    } else if constexpr (Mixed && N == 2) {
        return k == 0 ? S(f(xk, x[1])) : S(f(x[0], xk));
    } else {
        std::array<S, N> a;
        for (int i = 0; i < N; ++i) a[i] = i == k ? xk : S(x[i]);
        return call<N>(f, a);
    }
}

inline bool close(double a, double b, double rel) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::abs(a - b) <= rel * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

// Every disagreement as a message naming the function, the point, the quantity and both numbers.
template <int N, bool Mixed = true, class F>
std::vector<std::string> check_ad(const std::string& name, const F& f, const std::vector<Point<N>>& points) {
    std::vector<std::string> bad;
    using D1 = tg::Dual<double, N>;
    using D2 = tg::Dual<D1, N>;
    using A1 = tg::Dual<double>;
    using A2 = tg::Dual<A1>;
    using R = tg::Rev<double>;
    for (const Point<N>& p : points) {
        std::string at = name + " at (";
        for (int i = 0; i < N; ++i) at += (i ? ", " : "") + std::to_string(p.x[i]);
        at += ")";
        std::string what;
        const auto expect = [&](bool ok, const char* check, double a, double b) {
            if (!ok)
                bad.push_back(at + " " + what + ": " + check + ": " + std::to_string(a) + " vs " +
                              std::to_string(b));
        };
        const double y = call<N>(f, p.x);
        std::array<D1, N> x1;
        std::array<D2, N> x2;
        std::array<tg::Dual<float, N>, N> xf;
        for (int i = 0; i < N; ++i) {
            x1[i] = D1::variable(p.x[i], i);
            x2[i] = D2(D1::variable(p.x[i], i));
            x2[i].set_tangent(i, D1(1.0));
            xf[i] = tg::Dual<float, N>::variable(float(p.x[i]), i);
        }
        const D1 y1 = call<N>(f, x1);
        const D2 y2 = call<N>(f, x2);
        const auto yf = call<N>(f, xf);
        const auto [yr, gr] = tg::gradient([&](const std::vector<R>& v) { return R(call<N>(f, v)); },
                                           std::vector<double>(p.x.begin(), p.x.end()));
        // Rev again with every argument an operation's result, which fusion may rewrite in place
        const auto [yt, gt] = tg::gradient(
            [&](const std::vector<R>& v) {
                std::vector<R> t;
                for (const R& vi : v) t.push_back(vi * 2.0 * 0.5);
                return R(call<N>(f, t));
            },
            std::vector<double>(p.x.begin(), p.x.end()));
        const auto gf = tg::gradient(
                            [&](const std::vector<tg::Rev<float>>& v) { return tg::Rev<float>(call<N>(f, v)); },
                            std::vector<float>(p.x.begin(), p.x.end()))
                            .gradient;
        expect(close(y1.v, y, 1e-15), "value: Dual vs double", y1.v, y);
        expect(close(y2.v.v, y, 1e-15), "value: Dual<Dual> vs double", y2.v.v, y);
        expect(close(yr, y, 1e-15), "value: Rev vs double", yr, y);
        expect(close(yt, y, 1e-15), "value: Rev with fused arguments vs double", yt, y);
        for (int i = 0; i < N; ++i) {
            what = "d/dx" + std::to_string(i);
            const double g = y1.tangent(i);
            expect(close(y2.v.tangent(i), g, 1e-13), "Dual<Dual> inner vs Dual", y2.v.tangent(i), g);
            expect(close(y2.tangent(i).v, g, 1e-13), "Dual<Dual> outer vs Dual", y2.tangent(i).v, g);
            expect(close(gr[i], g, 1e-13), "Rev vs Dual", gr[i], g);
            expect(close(gt[i], g, 1e-13), "Rev with fused arguments vs Dual", gt[i], g);
            const auto partial = [&](double t) {
                auto x = p.x;
                x[i] = t;
                return call<N>(f, x);
            };
            const double fd = ridders(partial, p.x[i], p.radius);
            expect(close(g, fd, 1e-8), "Dual vs finite difference", g, fd);
            if (std::abs(g) < 1e30) {  // float: the derivative at the float point, to float accuracy
                std::array<tg::Dual<double, N>, N> xd;
                for (int k = 0; k < N; ++k) xd[k] = tg::Dual<double, N>::variable(double(float(p.x[k])), k);
                const double gd = call<N>(f, xd).tangent(i);
                expect(close(yf.tangent(i), gd, 1e-5), "Dual<float> vs Dual at the float point",
                       yf.tangent(i), gd);
                expect(close(gf[i], gd, 1e-5), "Rev<float> vs Dual at the float point", gf[i], gd);
            }
            // argument i alone, in every mode
            const A1 a1 = call_alone<N, Mixed>(f, A1::variable(p.x[i]), i, p.x);
            A2 xi(A1::variable(p.x[i]));
            xi.set_tangent(0, A1(1.0));
            const A2 a2 = call_alone<N, Mixed>(f, xi, i, p.x);
            const auto [yi, gi] = tg::gradient(
                [&](const std::vector<R>& v) { return R(call_alone<N, Mixed>(f, v[0], i, p.x)); },
                std::vector<double>{p.x[i]});
            expect(close(a1.d, g, 1e-13), "Dual alone vs together", a1.d, g);
            expect(close(a2.v.d, g, 1e-13), "Dual<Dual> inner alone vs together", a2.v.d, g);
            expect(close(a2.d.v, g, 1e-13), "Dual<Dual> outer alone vs together", a2.d.v, g);
            expect(close(gi[0], g, 1e-13), "Rev alone vs together", gi[0], g);
            expect(close(a2.d.d, y2.tangent(i).tangent(i), 1e-13),
                   "second derivative: Dual<Dual> alone vs together", a2.d.d, y2.tangent(i).tangent(i));
            // Hessian row i: symmetric, and the derivative of the gradient by finite differences
            for (int j = 0; j < N; ++j) {
                what = "d2/dx" + std::to_string(i) + "dx" + std::to_string(j);
                const double h = y2.tangent(i).tangent(j);
                expect(close(h, y2.tangent(j).tangent(i), 1e-13), "Hessian symmetry", h,
                       y2.tangent(j).tangent(i));
                const auto grad_j = [&](double t) {
                    std::array<D1, N> x = x1;
                    x[i] = D1::variable(t, i);
                    return call<N>(f, x).tangent(j);
                };
                const double fd2 = ridders(grad_j, p.x[i], p.radius);
                expect(close(h, fd2, 1e-7), "Dual<Dual> vs finite difference of the gradient", h, fd2);
            }
        }
    }
    return bad;
}

/// check_ad as a doctest check: fails with every disagreement listed.
template <int N, bool Mixed = true, class F>
void expect_ad(const std::string& name, const F& f, const std::vector<Point<N>>& points) {
    const std::vector<std::string> bad = check_ad<N, Mixed>(name, f, points);
    std::string all;
    for (const auto& b : bad) all += b + "\n";
    CHECK_MESSAGE(bad.empty(), all);
}

}  // namespace tg_expect_ad
