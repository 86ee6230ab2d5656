#pragma once
// The 50-digit reference table of the scalar functions (tests/data/scalar_reference.txt, written by
// tests/data/make_scalar_reference.py with mpmath) and the error measure the tests apply to it.
// test_scalar_reference.cpp checks tg::Dual against it and test_rev.cpp checks tg::Rev (that file
// is compiled without UBSan's null check: see tests/CMakeLists.txt).
//
//   error in ulps = |computed - reference| / ulp(reference)      (the reference read as long double)
//   strict:         error <= 4 ulps for values and first derivatives, <= 16 ulps for second ones;
//   ill-conditioned: where the condition scale s = sum_i |x_i dq/dx_i| exceeds 8 |q|, a rounding of
//                   an argument inside any formula already moves q by eps s, so the test accepts
//                   |computed - reference| <= tol * eps * s instead, and reports the point.
// A reference beyond the double range must come out as an infinity of the same sign; a finite one
// must never come out as NaN or infinity; `nan` in the table (the derivative in the exponent of a
// negative base) must come out as NaN.
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace tg_reference {

struct Row {
    std::string name;
    std::vector<double> x;
    std::vector<long double> q;  // value, gradient (n), upper Hessian (n(n+1)/2); NaN: not real
    std::vector<double> s;       // condition scales, same layout
    std::size_t n() const { return x.size(); }
    std::size_t hess(std::size_t i, std::size_t j) const {  // index into q of H_ij (any order)
        if (i > j) std::swap(i, j);
        return 1 + n() + i * n() - i * (i + 1) / 2 + j;
    }
};

inline std::vector<Row> read_table() {
    std::ifstream in(std::string(TG_TEST_DATA_DIR) + "/scalar_reference.txt");
    std::vector<Row> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        Row r;
        ls >> r.name;
        std::string tok;
        int group = 0;
        while (ls >> tok) {
            if (tok == "|") {
                ++group;
                continue;
            }
            if (group == 0) r.x.push_back(std::strtod(tok.c_str(), nullptr));
            else if (group < 4) r.q.push_back(tok == "nan" ? NAN : std::strtold(tok.c_str(), nullptr));
            else r.s.push_back(std::strtod(tok.c_str(), nullptr));
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

// Every function of the table as a generic callable. Mixed: the two- and three-argument overloads
// that take a plain number on either side exist (otherwise a fixed argument is passed as a
// constant of the AD type).
template <class V>
void for_each_function(V&& v) {
    using std::abs, std::acos, std::acosh, std::asin, std::asinh, std::atan, std::atan2, std::atanh,
        std::cbrt, std::cos, std::cosh, std::erf, std::erfc, std::exp, std::exp2, std::expm1, std::fmod,
        std::hypot, std::lgamma, std::log, std::log10, std::log1p, std::log2, std::pow, std::sin, std::sinh,
        std::sqrt, std::tan, std::tanh, std::tgamma, std::floor, std::ceil, std::round, std::trunc, std::fabs;
#define TG_F1(fn, expr) v.template operator()<1, true>(fn, [](const auto& a) { return expr; })
#define TG_F2(fn, mixed, expr) \
    v.template operator()<2, mixed>(fn, [](const auto& a, const auto& b) { return expr; })
    TG_F1("exp", exp(a));
    TG_F1("exp2", exp2(a));
    TG_F1("expm1", expm1(a));
    TG_F1("log", log(a));
    TG_F1("log2", log2(a));
    TG_F1("log10", log10(a));
    TG_F1("log1p", log1p(a));
    TG_F1("sqrt", sqrt(a));
    TG_F1("cbrt", cbrt(a));
    TG_F1("sin", sin(a));
    TG_F1("cos", cos(a));
    TG_F1("tan", tan(a));
    TG_F1("asin", asin(a));
    TG_F1("acos", acos(a));
    TG_F1("atan", atan(a));
    TG_F1("sinh", sinh(a));
    TG_F1("cosh", cosh(a));
    TG_F1("tanh", tanh(a));
    TG_F1("asinh", asinh(a));
    TG_F1("acosh", acosh(a));
    TG_F1("atanh", atanh(a));
    TG_F1("erf", erf(a));
    TG_F1("erfc", erfc(a));
    TG_F1("tgamma", tgamma(a));
    TG_F1("lgamma", lgamma(a));
    TG_F1("digamma", tg::digamma(a));
    TG_F1("polygamma1", tg::polygamma(1, a));
    TG_F1("polygamma2", tg::polygamma(2, a));
    TG_F1("polygamma3", tg::polygamma(3, a));
    TG_F1("abs", abs(a));
    TG_F1("fabs", fabs(a));
    TG_F1("floor", floor(a));
    TG_F1("ceil", ceil(a));
    TG_F1("round", round(a));
    TG_F1("trunc", trunc(a));
    TG_F1("neg", -a);
    TG_F2("add", true, a + b);
    TG_F2("sub", true, a - b);
    TG_F2("mul", true, a * b);
    TG_F2("div", true, a / b);
    TG_F2("pow", true, pow(a, b));
    TG_F2("hypot", true, hypot(a, b));
    TG_F2("atan2", true, atan2(a, b));
    TG_F2("fmod", true, fmod(a, b));
    TG_F2("fmin", true, fmin(a, b));
    TG_F2("fmax", true, fmax(a, b));
    TG_F2("min", true, min(a, b));
    TG_F2("max", true, max(a, b));
    v.template operator()<3, false>(
        "hypot3", [](const auto& a, const auto& b, const auto& c) { return hypot(a, b, c); });
#undef TG_F1
#undef TG_F2
}

// Calls f with the n arguments x[0..n) of any type.
template <int N, class F, class A>
auto apply(const F& f, const A& x) {
    if constexpr (N == 1) return f(x[0]);
    else if constexpr (N == 2) return f(x[0], x[1]);
    else return f(x[0], x[1], x[2]);
}
// Calls f with argument k of type S and the others plain numbers (Mixed) or constants of type S.
template <int N, bool Mixed, class S, class F>
S apply_alone(const F& f, const S& xk, int k, const std::vector<double>& x) {
    if constexpr (N == 1) {
        return f(xk);
    } else if constexpr (Mixed) {
        static_assert(N == 2, "mixed calls are two-argument");
        return k == 0 ? S(f(xk, x[1])) : S(f(x[0], xk));
    } else {
        std::array<S, N> a;
        for (int i = 0; i < N; ++i) a[i] = i == k ? xk : S(x[i]);
        return apply<N>(f, a);
    }
}

// The error measure of the top of this file.
struct Checker {
    int checks = 0, strict = 0, ill = 0;
    double worst_strict[2] = {0, 0};  // worst error in ulps: first order (values too), second order
    std::string worst_where[2];
    std::vector<std::string> failures, ill_points;

    static long double ulp(long double r) {
        const long double a = std::fabs(r);
        if (a < DBL_MIN) return std::ldexp(1.0L, -1074);
        return std::ldexp(1.0L, std::ilogb(static_cast<double>(a)) - 52);
    }
    void check(const Row& r, const std::string& what, std::size_t qi, double got, bool second) {
        ++checks;
        const long double ref = r.q[qi];
        const double tol = second ? 16 : 4;
        std::ostringstream where;
        where.precision(17);
        where << r.name << '(';
        for (std::size_t i = 0; i < r.n(); ++i) where << (i ? ", " : "") << r.x[i];
        where << ") " << what << ": got " << got << ", reference " << static_cast<double>(ref);
        if (std::isnan(ref)) {
            if (std::isnan(got)) ++strict;
            else failures.push_back(where.str() + " (expected NaN)");
            return;
        }
        if (std::fabs(ref) > DBL_MAX) {
            if (std::isinf(got) && std::signbit(got) == std::signbit(ref)) ++strict;
            else failures.push_back(where.str() + " (expected an infinity)");
            return;
        }
        if (!std::isfinite(got)) {
            failures.push_back(where.str() + " (not finite)");
            return;
        }
        const long double err = std::fabs(static_cast<long double>(got) - ref);
        const double ulps = static_cast<double>(err / ulp(ref));
        if (ulps <= tol) {
            ++strict;
            if (ulps > worst_strict[second]) worst_strict[second] = ulps, worst_where[second] = where.str();
            return;
        }
        const double s = r.s[qi];
        const double scaled = static_cast<double>(err / (std::ldexp(1.0L, -52) * s));
        where << " (" << ulps << " ulps";
        if (s > 8 * std::fabs(static_cast<double>(ref)) && scaled <= tol) {
            ++ill;
            where << "; ill-conditioned: condition scale " << s << ", error " << scaled << " eps * scale)";
            ill_points.push_back(where.str());
            return;
        }
        where << "; condition scale " << s << ", " << scaled << " eps * scale)";
        failures.push_back(where.str());
    }
    void report(const char* mode, std::size_t functions, std::size_t points) const {
        std::printf("scalar reference, %s: %zu functions, %zu points, %d checks: %d within %s, %d "
                    "ill-conditioned within the scaled tolerance, %zu failures; worst strict error %.2f ulps "
                    "(values and first derivatives), %.2f ulps (second derivatives)\n",
                    mode, functions, points, checks, strict, "4 / 16 ulps", ill, failures.size(),
                    worst_strict[0], worst_strict[1]);
        for (int k = 0; k < 2; ++k)
            if (!worst_where[k].empty())
                std::printf("  worst: %s (%.2f ulps)\n", worst_where[k].c_str(), worst_strict[k]);
        for (const auto& p : ill_points) std::printf("  ill-conditioned: %s\n", p.c_str());
        for (const auto& f : failures) std::printf("  FAILED: %s\n", f.c_str());
    }
};

}  // namespace tg_reference
