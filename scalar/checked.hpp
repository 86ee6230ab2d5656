#pragma once
// tg::checked: the <cmath> functions that have a restricted domain, checked. Outside the domain
// (or at a pole, or on NaN) they throw tg::DomainError naming the function and the value instead
// of returning NaN or inf, e.g. "tg::checked::log: argument -1.5 is outside the domain x > 0".
// They take plain numbers, Duals and Revs alike (the check is on value_of), so generic code can write
//   using tg::checked::log;  ...  log(x)
#include <charconv>
#include <cmath>
#include <string>

#include "../tensor/error.hpp"
#include "dual.hpp"

namespace tg::checked {

namespace detail {
inline std::string number(double x) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}
[[noreturn]] inline void fail(const char* fn, double x, const char* domain) {
    throw DomainError(std::string("tg::checked::") + fn + ": argument " + number(x) +
                      " is outside the domain " + domain);
}
}  // namespace detail

// Each check is written so that NaN fails it.
#define TG_CHECKED_UNARY(fn, ok, domain)                   \
    template <class S>                                     \
    auto fn(const S& x) {                                  \
        const double a = static_cast<double>(value_of(x)); \
        if (!(ok)) detail::fail(#fn, a, domain);           \
        using std::fn;                                     \
        return fn(x);                                      \
    }
TG_CHECKED_UNARY(log, a > 0, "x > 0")
TG_CHECKED_UNARY(log2, a > 0, "x > 0")
TG_CHECKED_UNARY(log10, a > 0, "x > 0")
TG_CHECKED_UNARY(log1p, a > -1, "x > -1")
TG_CHECKED_UNARY(sqrt, a >= 0, "x >= 0")
TG_CHECKED_UNARY(asin, a >= -1 && a <= 1, "-1 <= x <= 1")
TG_CHECKED_UNARY(acos, a >= -1 && a <= 1, "-1 <= x <= 1")
TG_CHECKED_UNARY(acosh, a >= 1, "x >= 1")
TG_CHECKED_UNARY(atanh, a > -1 && a < 1, "-1 < x < 1")
TG_CHECKED_UNARY(lgamma, !(a <= 0 && a == std::floor(a)) && !std::isnan(a), "x != 0, -1, -2, ...")
TG_CHECKED_UNARY(tgamma, !(a <= 0 && a == std::floor(a)) && !std::isnan(a), "x != 0, -1, -2, ...")
#undef TG_CHECKED_UNARY

/// pow(base, exponent) for plain numbers and Duals. @throws DomainError for a negative base with
/// a non-integer exponent, a zero base with a negative exponent (a pole), or NaN.
template <class A, class B>
auto pow(const A& base, const B& exponent) {
    const double a = static_cast<double>(value_of(base)), p = static_cast<double>(value_of(exponent));
    if (std::isnan(a) || std::isnan(p)) detail::fail("pow", std::isnan(a) ? a : p, "of numbers (got NaN)");
    if (a < 0 && p != std::floor(p))
        throw DomainError("tg::checked::pow: base " + detail::number(a) + " is negative and exponent " +
                          detail::number(p) + " is not an integer");
    if (a == 0 && p < 0)
        throw DomainError("tg::checked::pow: base 0 with negative exponent " + detail::number(p) + " is a pole");
    using std::pow;
    return pow(base, exponent);
}

}  // namespace tg::checked
