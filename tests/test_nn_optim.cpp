// Optimizers against reference trajectories written here in plain double arithmetic from the
// published update rules (PyTorch 1.13's torch.optim documentation; Lion: Chen et al. 2023,
// Algorithm 2; LAMB: You et al. 2020, Algorithm 2), independent of nn/optim.cpp. Gradient
// clipping and loss-scale unscaling, including parameters without a gradient and NaN gradients.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/clip.hpp"
#include "../nn/optim.hpp"

using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {

// The problem: two parameters (two groups when asked), loss = sum(a w^2 + sin(w)) per parameter
// with a = 0.7 for the first and 1.3 for the second; gradient 2 a w + cos(w).
const std::vector<double> w1_0 = {0.5, -1.2, 2.0}, w2_0 = {0.3, 0.8, -0.4, 1.5};
const double a1 = 0.7, a2 = 1.3;

using Vec = std::vector<double>;
using RefStep = std::function<void(Vec& w, const Vec& g, int t, int which)>;

Vec grad_of(const Vec& w, double a) {
    Vec g(w.size());
    for (std::size_t k = 0; k < w.size(); ++k) g[k] = 2 * a * w[k] + std::cos(w[k]);
    return g;
}

// Runs `steps` optimizer steps through the tape and the reference loop, and compares every value.
template <class Make>
void check_trajectory(Make make, const RefStep& ref, int steps = 6) {
    Var<double> p1(Tensor<double>::from_vector(w1_0), true),
        p2(Tensor<double>::from_vector(w2_0, {2, 2}), true);
    auto opt = make(p1, p2);
    Vec r1 = w1_0, r2 = w2_0;
    for (int t = 1; t <= steps; ++t) {
        opt.zero_grad();
        Var<double> loss = tg::sum(tg::square(p1) * a1 + tg::sin(p1)) +
                           tg::sum(tg::square(p2) * a2 + tg::sin(p2));
        loss.backward();
        opt.step();
        ref(r1, grad_of(r1, a1), t, 0);
        ref(r2, grad_of(r2, a2), t, 1);
        const Vec v1 = p1.value().to_vector(), v2 = p2.value().to_vector();
        for (std::size_t k = 0; k < r1.size(); ++k) CHECK(v1[k] == doctest::Approx(r1[k]).epsilon(1e-12));
        for (std::size_t k = 0; k < r2.size(); ++k) CHECK(v2[k] == doctest::Approx(r2[k]).epsilon(1e-12));
    }
    // The trajectory moved (a vacuous comparison would pass too).
    CHECK(std::abs(p1.value().to_vector()[0] - w1_0[0]) > 1e-3);
}

// Per-parameter reference state, indexed by `which`.
struct RefState {
    Vec m[2], v[2], u[2];
    Vec& M(int w, std::size_t n) { return m[w].empty() ? (m[w] = Vec(n, 0.0)) : m[w]; }
    Vec& V(int w, std::size_t n) { return v[w].empty() ? (v[w] = Vec(n, 0.0)) : v[w]; }
    Vec& U(int w, std::size_t n) { return u[w].empty() ? (u[w] = Vec(n, 0.0)) : u[w]; }
};

}  // namespace

TEST_CASE("nn optim: SGD plain, momentum with dampening, Nesterov, weight decay, two groups") {
    // Two groups: lr 0.1 / wd 0.01 and lr 0.05 / wd 0 (the optimizer's default), momentum 0.9.
    for (int variant = 0; variant < 3; ++variant) {
        const double mu = variant == 0 ? 0.0 : 0.9, damp = variant == 1 ? 0.1 : 0.0;
        const bool nesterov = variant == 2;
        const double lrs[2] = {0.1, 0.05}, wds[2] = {0.01, 0.0};
        RefState st;
        check_trajectory(
            [&](Var<double>& p1, Var<double>& p2) {
                return nn::SGD<double>(
                    std::vector<nn::ParamGroup<double>>{{{p1}, 0.1, 0.01}, {{p2}, 0.05}},
                    {.lr = 0.5, .momentum = mu, .dampening = damp, .weight_decay = 0, .nesterov = nesterov});
            },
            [&](Vec& w, const Vec& g0, int t, int which) {
                Vec& b = st.M(which, w.size());
                for (std::size_t k = 0; k < w.size(); ++k) {
                    double g = g0[k] + wds[which] * w[k];
                    if (mu != 0) {
                        b[k] = t == 1 ? g : mu * b[k] + (1 - damp) * g;
                        g = nesterov ? g + mu * b[k] : b[k];
                    }
                    w[k] -= lrs[which] * g;
                }
            });
    }
}

TEST_CASE("nn optim: Adam with bias correction, L2 weight decay and AMSGrad") {
    for (bool ams : {false, true}) {
        const double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.02;
        RefState st;
        check_trajectory(
            [&](Var<double>& p1, Var<double>& p2) {
                return nn::Adam<double>(
                    std::vector<Var<double>>{p1, p2},
                    {.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd, .amsgrad = ams});
            },
            [&](Vec& w, const Vec& g0, int t, int which) {
                Vec &m = st.M(which, w.size()), &v = st.V(which, w.size()), &vmax = st.U(which, w.size());
                for (std::size_t k = 0; k < w.size(); ++k) {
                    const double g = g0[k] + wd * w[k];
                    m[k] = b1 * m[k] + (1 - b1) * g;
                    v[k] = b2 * v[k] + (1 - b2) * g * g;
                    const double mhat = m[k] / (1 - std::pow(b1, t));
                    double vv = v[k];
                    if (ams) vv = vmax[k] = std::max(vmax[k], v[k]);
                    const double vhat = vv / (1 - std::pow(b2, t));
                    w[k] -= lr * mhat / (std::sqrt(vhat) + eps);
                }
            });
    }
}

TEST_CASE("nn optim: AdamW decouples the weight decay") {
    const double lr = 0.05, b1 = 0.8, b2 = 0.99, eps = 1e-8, wd = 0.1;
    RefState st;
    check_trajectory(
        [&](Var<double>& p1, Var<double>& p2) {
            return nn::AdamW<double>(std::vector<Var<double>>{p1, p2},
                                     {.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd});
        },
        [&](Vec& w, const Vec& g, int t, int which) {
            Vec &m = st.M(which, w.size()), &v = st.V(which, w.size());
            for (std::size_t k = 0; k < w.size(); ++k) {
                w[k] *= 1 - lr * wd;
                m[k] = b1 * m[k] + (1 - b1) * g[k];
                v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
                w[k] -= lr * (m[k] / (1 - std::pow(b1, t))) / (std::sqrt(v[k] / (1 - std::pow(b2, t))) + eps);
            }
        });
}

TEST_CASE("nn optim: RMSprop plain, centered, with momentum and weight decay") {
    for (int variant = 0; variant < 3; ++variant) {
        const bool centered = variant >= 1;
        const double lr = 0.01, alpha = 0.9, eps = 1e-8, mu = variant == 2 ? 0.5 : 0.0,
                     wd = variant == 2 ? 0.03 : 0.0;
        RefState st;
        check_trajectory(
            [&](Var<double>& p1, Var<double>& p2) {
                return nn::RMSprop<double>(std::vector<Var<double>>{p1, p2}, {.lr = lr,
                                                                              .alpha = alpha,
                                                                              .eps = eps,
                                                                              .weight_decay = wd,
                                                                              .momentum = mu,
                                                                              .centered = centered});
            },
            [&](Vec& w, const Vec& g0, int, int which) {
                Vec &v = st.V(which, w.size()), &ga = st.M(which, w.size()), &b = st.U(which, w.size());
                for (std::size_t k = 0; k < w.size(); ++k) {
                    const double g = g0[k] + wd * w[k];
                    v[k] = alpha * v[k] + (1 - alpha) * g * g;
                    double vt = v[k];
                    if (centered) {
                        ga[k] = alpha * ga[k] + (1 - alpha) * g;
                        vt -= ga[k] * ga[k];
                    }
                    if (mu > 0) {
                        b[k] = mu * b[k] + g / (std::sqrt(vt) + eps);
                        w[k] -= lr * b[k];
                    } else {
                        w[k] -= lr * g / (std::sqrt(vt) + eps);
                    }
                }
            });
    }
}

TEST_CASE("nn optim: Adagrad with lr decay, initial accumulator and weight decay") {
    const double lr = 0.1, decay = 0.05, init = 0.1, eps = 1e-10, wd = 0.01;
    RefState st;
    check_trajectory(
        [&](Var<double>& p1, Var<double>& p2) {
            return nn::Adagrad<double>(
                std::vector<Var<double>>{p1, p2},
                {.lr = lr, .lr_decay = decay, .weight_decay = wd, .initial_accumulator_value = init, .eps = eps});
        },
        [&](Vec& w, const Vec& g0, int t, int which) {
            Vec& s = st.M(which, w.size());
            if (t == 1) s.assign(w.size(), init);
            const double clr = lr / (1 + (t - 1) * decay);
            for (std::size_t k = 0; k < w.size(); ++k) {
                const double g = g0[k] + wd * w[k];
                s[k] += g * g;
                w[k] -= clr * g / (std::sqrt(s[k]) + eps);
            }
        });
}

TEST_CASE("nn optim: Lion and LAMB") {
    {
        const double lr = 0.01, b1 = 0.9, b2 = 0.99, wd = 0.1;
        RefState st;
        check_trajectory(
            [&](Var<double>& p1, Var<double>& p2) {
                return nn::Lion<double>(std::vector<Var<double>>{p1, p2},
                                        {.lr = lr, .beta1 = b1, .beta2 = b2, .weight_decay = wd});
            },
            [&](Vec& w, const Vec& g, int, int which) {
                Vec& m = st.M(which, w.size());
                for (std::size_t k = 0; k < w.size(); ++k) {
                    const double c = b1 * m[k] + (1 - b1) * g[k];
                    w[k] = w[k] - lr * ((c > 0) - (c < 0) + wd * w[k]);
                    m[k] = b2 * m[k] + (1 - b2) * g[k];
                }
            });
    }
    {
        const double lr = 0.02, b1 = 0.9, b2 = 0.999, eps = 1e-6, wd = 0.01;
        RefState st;
        check_trajectory(
            [&](Var<double>& p1, Var<double>& p2) {
                return nn::Lamb<double>(std::vector<Var<double>>{p1, p2},
                                        {.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps, .weight_decay = wd});
            },
            [&](Vec& w, const Vec& g, int t, int which) {
                Vec &m = st.M(which, w.size()), &v = st.V(which, w.size());
                Vec r(w.size());
                double wn = 0, rn = 0;
                for (std::size_t k = 0; k < w.size(); ++k) {
                    m[k] = b1 * m[k] + (1 - b1) * g[k];
                    v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
                    r[k] = (m[k] / (1 - std::pow(b1, t))) / (std::sqrt(v[k] / (1 - std::pow(b2, t))) + eps) +
                           wd * w[k];
                    wn += w[k] * w[k];
                    rn += r[k] * r[k];
                }
                const double trust = std::sqrt(wn) / std::sqrt(rn);
                for (std::size_t k = 0; k < w.size(); ++k) w[k] -= lr * trust * r[k];
            });
    }
}

TEST_CASE("nn optim: a parameter without a gradient is skipped and its state does not advance") {
    Var<double> used(Tensor<double>{1.0, 2.0}, true), unused(Tensor<double>{3.0}, true);
    nn::Adam<double> opt(std::vector<Var<double>>{used, unused}, {.lr = 0.1});
    tg::sum(tg::square(used)).backward();
    opt.step();
    CHECK(unused.value().item() == 3.0);
    CHECK(opt.state(0, 1).step == 0);
    CHECK(opt.state(0, 0).step == 1);
    // Adam's first step moves each element by lr (m^/sqrt(v^) = sign(g)).
    CHECK(used.value().at({0}) == doctest::Approx(0.9).epsilon(1e-9));
}

TEST_CASE("nn optim: the step is an in-place write that backward of an older graph refuses") {
    Var<double> w(Tensor<double>{1.0, 2.0}, true);
    nn::SGD<double> opt(std::vector<Var<double>>{w}, {.lr = 0.1});
    const Tensor<double> before = w.value();
    tg::sum(tg::square(w)).backward();
    Var<double> pending = tg::sum(tg::square(w) * tg::sin(w));  // recorded, not yet differentiated
    opt.step();
    CHECK(before.shares_storage(w.value()));  // updated in place, same buffer
    CHECK(w.value().at({0}) == doctest::Approx(0.8));
    CHECK_THROWS_AS(pending.backward(), tg::AutogradError);
}

TEST_CASE("nn optim: float32 parameters, and the errors") {
    Var<float> w(Tensor<float>{1.0f, -2.0f}, true);
    nn::SGD<float> opt(std::vector<Var<float>>{w}, {.lr = 0.25, .momentum = 0.5});
    tg::sum(tg::square(w)).backward();
    opt.step();
    CHECK(w.value().at({0}) == doctest::Approx(0.5f));
    CHECK(w.value().at({1}) == doctest::Approx(-1.0f));

    Var<double> p(Tensor<double>{1.0}, true), c(Tensor<double>{1.0});
    CHECK_THROWS_AS(nn::SGD<double>(std::vector<Var<double>>{p, p}), tg::DomainError);  // twice
    CHECK_THROWS_AS(nn::SGD<double>(std::vector<Var<double>>{c}), tg::DomainError);     // not a parameter
    CHECK_THROWS_AS(nn::SGD<double>(std::vector<Var<double>>{p}, {.lr = -1}), tg::DomainError);
    CHECK_THROWS_AS(nn::SGD<double>(std::vector<Var<double>>{p}, {.nesterov = true}), tg::DomainError);
    CHECK_THROWS_AS(nn::Adam<double>(std::vector<Var<double>>{p}, {.beta1 = 1.0}), tg::DomainError);
}

TEST_CASE("nn clip: global norm, by value, no gradient, NaN gradients") {
    Var<double> a(Tensor<double>{3.0, 0.0}, true), b(Tensor<double>{0.0}, true),
        none(Tensor<double>{5.0}, true);
    tg::sum(tg::square(a) * 0.5).backward();  // grad a = (3, 0)
    tg::sum(b * 4.0).backward();              // grad b = 4: global norm 5; `none` has no gradient
    const std::vector<Var<double>> ps = {a, b, none};
    const double total = nn::clip_grad_norm_(ps, 1.0);
    CHECK(total == doctest::Approx(5.0).epsilon(1e-12));
    CHECK(a.grad().at({0}) == doctest::Approx(3.0 / (5.0 + 1e-6)).epsilon(1e-12));
    CHECK(b.grad().at({0}) == doctest::Approx(4.0 / (5.0 + 1e-6)).epsilon(1e-12));
    CHECK_FALSE(none.has_grad());
    // Below the limit: unchanged. Infinity norm: the largest |g|.
    CHECK(nn::clip_grad_norm_(ps, 10.0) == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(nn::clip_grad_norm_(ps, 10.0, {.norm_type = INFINITY}) == doctest::Approx(0.8).epsilon(1e-6));
    CHECK(nn::clip_grad_norm_(ps, 10.0, {.norm_type = 1}) == doctest::Approx(1.4).epsilon(1e-6));

    // By value.
    a.zero_grad();
    b.zero_grad();
    tg::sum(tg::square(a) * 0.5).backward();
    tg::sum(b * -4.0).backward();
    nn::clip_grad_value_(ps, 2.0);
    CHECK(a.grad().at({0}) == 2.0);
    CHECK(a.grad().at({1}) == 0.0);
    CHECK(b.grad().at({0}) == -2.0);

    // NaN gradient: an error naming the parameter, or (opted out) the NaN norm and untouched gradients.
    a.zero_grad();
    b.zero_grad();
    tg::sum(tg::square(a) * 0.5).backward();
    tg::sum(b * std::nan("")).backward();
    try {
        nn::clip_grad_norm_(ps, 1.0);
        FAIL("no error");
    } catch (const tg::NumericalError& e) {
        CHECK(std::string(e.what()).find("parameter 1") != std::string::npos);
    }
    const double n = nn::clip_grad_norm_(ps, 1.0, {.error_if_nonfinite = false});
    CHECK(std::isnan(n));
    CHECK(a.grad().at({0}) == 3.0);
    nn::clip_grad_value_(ps, 1.0);  // NaN stays NaN, the rest is clamped
    CHECK(std::isnan(b.grad().at({0})));
    CHECK(a.grad().at({0}) == 1.0);
    CHECK_FALSE(nn::scale_grads_(ps, 0.5));  // a NaN: nothing scaled
    CHECK(a.grad().at({0}) == 1.0);
    CHECK_THROWS_AS(nn::clip_grad_norm_(ps, -1.0), tg::DomainError);
    CHECK_THROWS_AS(nn::clip_grad_value_(ps, std::nan("")), tg::DomainError);
}
