#pragma once
// Monte Carlo integration with importance sampling:
//
//   int f(x) dx = E_q[ f(X) / q(X) ],  X ~ q   ~   I_n = (1/n) sum_i f(x_i) / q(x_i),
//   standard error  sqrt( sum_i (w_i - I_n)^2 / (n (n - 1)) ),  w_i = f(x_i) / q(x_i),
//
// over the support of the proposal q (an interval, the real line, a half line). A q shaped like
// |f| makes the w_i nearly constant and the error small; a q with lighter tails than f makes the
// variance infinite (the standard error then says so only unreliably: choose heavier tails).
// The draws come from a seeded tg::Generator (tensor/random.hpp), so a seed gives the same estimate
// on every platform. Differentiable in f's captured parameters (the samples are fixed: the same
// estimator applied to f_theta, unbiased for d/dtheta of the integral); the standard error is that
// of the value.
#include <cmath>
#include <numbers>
#include <string>

#include "../tensor/random.hpp"
#include "quadrature.hpp"

namespace tg::solvers {

/// q uniform on [lo, hi] (finite, lo < hi).
struct UniformProposal {
    double lo, hi;
    void check() const {
        if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi))
            throw DomainError("monte_carlo: a uniform proposal needs finite lo < hi, got [" +
                              detail::num(lo) + ", " + detail::num(hi) + "]");
    }
    double sample(Generator& g) const { return lo + (hi - lo) * g.next_double(); }
    double density(double) const { return 1 / (hi - lo); }
};
/// q normal(mean, stddev) on the real line (stddev > 0).
struct NormalProposal {
    double mean, stddev;
    void check() const {
        if (!(stddev > 0) || !std::isfinite(mean) || !std::isfinite(stddev))
            throw DomainError("monte_carlo: a normal proposal needs a finite mean and stddev > 0, got " +
                              detail::num(mean) + ", " + detail::num(stddev));
    }
    double sample(Generator& g) const { return mean + stddev * g.next_normal(); }
    double density(double x) const {
        const double z = (x - mean) / stddev;
        return std::exp(-z * z / 2) / (stddev * std::sqrt(2 * std::numbers::pi));
    }
};
/// q exponential on [lo, inf): lo + Exp(rate) (rate > 0).
struct ExponentialProposal {
    double lo, rate;
    void check() const {
        if (!(rate > 0) || !std::isfinite(lo) || !std::isfinite(rate))
            throw DomainError("monte_carlo: an exponential proposal needs a finite lo and rate > 0, got " +
                              detail::num(lo) + ", " + detail::num(rate));
    }
    double sample(Generator& g) const { return lo - std::log1p(-g.next_double()) / rate; }  // 1 - u in (0, 1]
    double density(double x) const { return rate * std::exp(-rate * (x - lo)); }
};

/// The integral of f over the support of `proposal` (UniformProposal, NormalProposal,
/// ExponentialProposal, or any type with check(), sample(Generator&) and density(double)) from
/// n >= 2 draws of gen. Returns the estimate (f's type) and report.standard_error.
/// @throws DomainError (n < 2, a bad proposal), NumericalError (f NaN or infinite at a draw, a
/// draw where the density is 0).
template <class F, class P>
auto monte_carlo(F&& f, const P& proposal, int n, Generator& gen) {
    using R = detail::integrand_t<F, double>;
    static_assert(std::is_floating_point_v<R> || detail::ad_scalar_v<R>,
                  "tg::solvers::monte_carlo: f(x) must return a floating-point number, a tg::Dual or a tg::Rev");
    using T = detail::base_t<R>;
    const char* m = "monte_carlo";
    if (n < 2)
        throw DomainError(std::string(m) + ": needs n >= 2 draws for a standard error, got " +
                          std::to_string(n));
    proposal.check();
    R sum = R(0);
    double mean = 0, m2 = 0;  // Welford, on the values
    for (int i = 0; i < n; ++i) {
        const double x = proposal.sample(gen), q = proposal.density(x);
        if (!(q > 0) || !std::isfinite(q))
            throw NumericalError(std::string(m) + ": the proposal density is " + detail::num(q) +
                                 " at its draw x = " + detail::num(x));
        const R y = R(f(T(x)));
        const double w = double(detail::primal(y)) / q;
        if (!std::isfinite(w))
            throw NumericalError(std::string(m) + ": f(x) / q(x) is " + detail::num(w) +
                                 " at x = " + detail::num(x));
        sum = sum + y * T(1 / q);
        const double d = w - mean;
        mean += d / (i + 1);
        m2 += d * (w - mean);
    }
    QuadResult<R> out{sum * T(1.0 / n), {}};
    out.report = {m, true, n, 0, 0, std::sqrt(m2 / (double(n) * (n - 1)))};
    return out;
}

}  // namespace tg::solvers
