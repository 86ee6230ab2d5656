// LR schedules against their closed forms (PyTorch's get_closed_form / documented formulas),
// applied through Scheduler to two parameter groups, and ReduceLROnPlateau's state machine.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/optim.hpp"
#include "../nn/schedule.hpp"

using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {
const double pi = std::numbers::pi;
}

TEST_CASE("nn schedule: step, multistep, exponential") {
    auto s = nn::step_lr(3, 0.5);
    CHECK(s(0, 1.0) == 1.0);
    CHECK(s(2, 1.0) == 1.0);
    CHECK(s(3, 1.0) == 0.5);
    CHECK(s(7, 2.0) == doctest::Approx(0.5));
    auto m = nn::multistep_lr({2, 5}, 0.1);
    CHECK(m(1, 1.0) == 1.0);
    CHECK(m(2, 1.0) == doctest::Approx(0.1));
    CHECK(m(4, 1.0) == doctest::Approx(0.1));
    CHECK(m(5, 1.0) == doctest::Approx(0.01));
    auto e = nn::exponential_lr(0.9);
    CHECK(e(4, 2.0) == doctest::Approx(2.0 * std::pow(0.9, 4)).epsilon(1e-15));
    CHECK_THROWS_AS(nn::step_lr(0), tg::DomainError);
    CHECK_THROWS_AS(nn::multistep_lr({3, 3}), tg::DomainError);
}

TEST_CASE("nn schedule: cosine annealing, warmup + cosine, SGDR") {
    auto c = nn::cosine(10, 0.01);
    for (int t = 0; t <= 12; ++t) {
        const double ref = t >= 10 ? 0.01 : 0.01 + (0.5 - 0.01) * (1 + std::cos(pi * t / 10)) / 2;
        CHECK(c(t, 0.5) == doctest::Approx(ref).epsilon(1e-14));
    }
    auto w = nn::warmup_cosine(4, 14, 0.0);
    CHECK(w(0, 1.0) == 0.0);
    CHECK(w(1, 1.0) == doctest::Approx(0.25));
    CHECK(w(3, 1.0) == doctest::Approx(0.75));
    CHECK(w(4, 1.0) == doctest::Approx(1.0));
    CHECK(w(9, 1.0) == doctest::Approx(0.5).epsilon(1e-14));  // half way through the cosine
    CHECK(w(14, 1.0) == doctest::Approx(0.0));
    auto ws = nn::warmup(2, nn::step_lr(1, 0.5), 0.5);  // composes with any schedule
    CHECK(ws(0, 1.0) == 0.5);
    CHECK(ws(1, 1.0) == 0.75);
    CHECK(ws(3, 1.0) == 0.5);
    // SGDR with t_0 = 3, t_mult = 2: periods [0,3), [3,9), [9,21).
    auto r = nn::cosine_warm_restarts(3, 2, 0.0);
    auto ref = [](double cur, double len) { return (1 + std::cos(pi * cur / len)) / 2; };
    CHECK(r(0, 1.0) == 1.0);
    CHECK(r(2, 1.0) == doctest::Approx(ref(2, 3)).epsilon(1e-14));
    CHECK(r(3, 1.0) == 1.0);
    CHECK(r(5, 1.0) == doctest::Approx(ref(2, 6)).epsilon(1e-14));
    CHECK(r(9, 1.0) == 1.0);
    CHECK(r(20, 1.0) == doctest::Approx(ref(11, 12)).epsilon(1e-14));
    auto r1 = nn::cosine_warm_restarts(4);
    CHECK(r1(6, 1.0) == doctest::Approx(ref(2, 4)).epsilon(1e-14));
    CHECK_THROWS_AS(nn::warmup_cosine(10, 10), tg::DomainError);
}

TEST_CASE("nn schedule: one-cycle (PyTorch's two-phase cosine)") {
    // total 100, pct 0.25: up from 0.04 to 1 at step 24, down to 4e-6 at step 99.
    auto o = nn::one_cycle(100, 0.25, 25, 1e4);
    const double lo = 1.0 / 25, fin = lo / 1e4;
    CHECK(o(0, 1.0) == doctest::Approx(lo));
    CHECK(o(24, 1.0) == doctest::Approx(1.0));
    CHECK(o(12, 1.0) == doctest::Approx(1.0 + (lo - 1.0) / 2 * (std::cos(pi * 12 / 24.0) + 1)).epsilon(1e-14));
    CHECK(o(60, 1.0) == doctest::Approx(fin + (1.0 - fin) / 2 * (std::cos(pi * 36 / 75.0) + 1)).epsilon(1e-14));
    CHECK(o(99, 1.0) == doctest::Approx(fin));
}

TEST_CASE("nn schedule: Scheduler sets every group's lr from its own base") {
    Var<double> a(Tensor<double>{1.0}, true), b(Tensor<double>{1.0}, true);
    nn::SGD<double> opt(std::vector<nn::ParamGroup<double>>{{{a}, 0.1}, {{b}, 0.02}});
    nn::Scheduler<double> s(opt, nn::step_lr(2, 0.5));
    CHECK(s.lrs() == std::vector<double>{0.1, 0.02});
    s.step();
    s.step();
    CHECK(s.lrs()[0] == doctest::Approx(0.05));
    CHECK(s.lrs()[1] == doctest::Approx(0.01));
    s.set_step(0);
    CHECK(opt.lr() == 0.1);
}

TEST_CASE("nn schedule: ReduceLROnPlateau with patience, cooldown and min_lr") {
    Var<double> a(Tensor<double>{1.0}, true);
    nn::SGD<double> opt(std::vector<Var<double>>{a}, {.lr = 1.0});
    nn::ReduceLROnPlateau<double> p(opt, {.factor = 0.5, .patience = 2, .cooldown = 1, .min_lr = 0.3});
    CHECK_FALSE(p.step(10));   // best 10
    CHECK_FALSE(p.step(9));    // better
    CHECK_FALSE(p.step(9));    // bad 1
    CHECK_FALSE(p.step(9.5));  // bad 2
    CHECK(p.step(9));          // bad 3 > patience: halve
    CHECK(opt.lr() == 0.5);
    CHECK_FALSE(p.step(9));  // cooldown
    CHECK_FALSE(p.step(9));
    CHECK_FALSE(p.step(9));
    CHECK(p.step(9));  // reduced to min_lr
    CHECK(opt.lr() == 0.3);
    for (int i = 0; i < 5; ++i) CHECK_FALSE(p.step(9));  // at min_lr: nothing more
    CHECK(opt.lr() == 0.3);
    nn::ReduceLROnPlateau<double> up(opt, {.mode_max = true, .factor = 0.5, .patience = 0});
    CHECK_FALSE(up.step(0.5));
    CHECK_FALSE(up.step(0.6));
    CHECK(up.step(0.55));  // patience 0: the first bad step halves the lr
    CHECK(opt.lr() == doctest::Approx(0.15));
}
