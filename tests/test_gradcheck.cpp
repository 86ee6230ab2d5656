// tg::gradcheck as a user feature: it passes correct gradients and names what is wrong otherwise.
#include <doctest/doctest.h>

#include <cmath>

#include "../transforms/gradcheck.hpp"
#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {
// A user's differentiable function with a deliberately wrong rule for one element: it computes
// sum(x * x) but, through detach(), hides part of the dependence on x[1].
Var<double> buggy(const std::vector<Var<double>>& v) {
    const Var<double> x = v[0];
    const Var<double> hidden = tg::slice(x, 0, 1, 2).detach();
    return tg::sum(x * x) + tg::sum(hidden * tg::slice(x, 0, 1, 2)) - tg::sum(tg::slice(x, 0, 1, 2) * tg::slice(x, 0, 1, 2));
}
}  // namespace

TEST_CASE("gradcheck passes a correct multi-input function") {
    auto f = [](const std::vector<Var<double>>& v) { return tg::sum(tg::tanh(tg::matmul(v[0], v[1])) * v[2]); };
    const auto r = tg::gradcheck(f, {tg::uniform<double>({3, 4}, -1, 1), tg::uniform<double>({4, 2}, -1, 1),
                                     tg::uniform<double>({3, 2}, -1, 1)});
    CHECK_MESSAGE(r.ok, r.str());
    CHECK(r.checked == 12 + 8 + 6);
    CHECK(r.worst_error < 1e-8);
}

TEST_CASE("gradcheck names the input and element of a wrong gradient") {
    const auto r = tg::gradcheck(buggy, {Tensor<double>{1.0, 2.0, 3.0}}, {.names = {"x"}});
    REQUIRE_FALSE(r.ok);
    REQUIRE(r.mismatches.size() == 1);
    CHECK(r.mismatches[0].input == 0);
    CHECK(r.mismatches[0].index == tg::Shape{1});
    CHECK(r.mismatches[0].analytic == doctest::Approx(2.0));  // 2x - x: half the truth
    CHECK(r.mismatches[0].numeric == doctest::Approx(4.0));
    CHECK(r.str().find("0 (x)") != std::string::npos);
    CHECK(r.str().find("[1]") != std::string::npos);
}

TEST_CASE("gradcheck checks non-scalar outputs through a random projection") {
    auto f = [](const std::vector<Var<double>>& v) { return tg::sin(v[0]) * 3.0; };
    CHECK(tg::gradcheck(f, {tg::uniform<double>({2, 3}, -1, 1)}).ok);
    auto wrong = [](const std::vector<Var<double>>& v) { return tg::sin(v[0]) * 3.0 + tg::slice(v[0], 1, 2, 3).detach(); };
    CHECK_FALSE(tg::gradcheck(wrong, {tg::uniform<double>({2, 3}, -1, 1)}).ok);
}

TEST_CASE("fast mode compares v^T J u and still catches a wrong rule") {
    auto f = [](const std::vector<Var<double>>& v) { return tg::sum(tg::sigmoid(v[0]) * v[0]); };
    const Tensor<double> x = tg::normal<double>({200, 50});
    tg::GradcheckOptions o;
    o.fast = true;
    const auto r = tg::gradcheck(f, {x}, o);
    CHECK_MESSAGE(r.ok, r.str());
    CHECK(r.checked == 3);
    CHECK_FALSE(tg::gradcheck(buggy, {tg::normal<double>({100})}, o).ok);
}

TEST_CASE("gradcheck reports a non-finite function value instead of comparing NaNs") {
    auto f = [](const Var<double>& x) { return tg::sum(tg::log(x)); };
    const auto r = tg::gradcheck(f, Tensor<double>{1.0, -1.0});
    CHECK_FALSE(r.ok);
    CHECK(r.str().find("not finite") != std::string::npos);
}

TEST_CASE("gradcheck works on transposed-view inputs and leaves them unchanged") {
    const Tensor<double> base = tg::uniform<double>({3, 4}, -1, 1);
    const Tensor<double> xt = base.transpose();
    const auto before = xt.to_vector();
    auto g = [](const Var<double>& x) { return tg::sum(tg::exp(x) * tg::transpose(x)); };
    const auto r = tg::gradcheck(g, base.slice(1, 0, 3));  // (3,3) strided view
    CHECK_MESSAGE(r.ok, r.str());
    CHECK(xt.to_vector() == before);
}

TEST_CASE("gradcheck leaves the caller's tape alone") {
    tg::clear_tape<double>();
    Var<double> w(Tensor<double>{1.0}, true);
    auto outer = tg::exp(w);
    const auto n = tg::tape_size<double>();
    CHECK(tg::gradcheck([](const Var<double>& x) { return tg::sum(x * x); }, Tensor<double>{1.0, 2.0}).ok);
    CHECK(tg::tape_size<double>() == n);
    tg::sum(outer).backward();
    CHECK(w.grad().item() == doctest::Approx(std::exp(1.0)));
}

// gradcheck's own power: each of these wrong rules is a mistake a real VJP or JVP makes, and
// each is small or structured enough that a weakened gradcheck would let it through (a looser
// tolerance, an all-ones projection, a reverse-only check).
namespace {
// y = exp(x) with a VJP scaled by `scale`. On x in [-0.5, 0] every derivative is in [0.6, 1]:
// the error of a scaled rule is not divided down by a large derivative (the error is relative to
// max(1, |numeric|)), so 1 + 1e-5 gives errors of 6e-6 to 1e-5 against a tolerance of 1e-6.
tg::CustomFunction<double> scaled_exp(double scale) {
    return tg::custom_function<double>(
        "scaled_exp", [](const std::vector<Tensor<double>>& x) { return tg::exp(x[0]); },
        [scale](const std::vector<Var<double>>&, const Var<double>& y, const Var<double>& gy) {
            return std::vector<Var<double>>{gy * y * scale};
        });
}

// Y = A X with A circulant and not symmetric: A 1 = A^T 1, so a VJP returning A G instead of
// A^T G agrees with the truth on G = all ones.
const Tensor<double> circulant{{1.0, 2.0, 0.0}, {0.0, 1.0, 2.0}, {2.0, 0.0, 1.0}};
tg::CustomFunction<double> left_multiply(bool transpose_right) {
    return tg::custom_function<double>(
        "left_multiply", [](const std::vector<Tensor<double>>& x) { return tg::matmul(circulant, x[0]); },
        [transpose_right](const std::vector<Var<double>>&, const Var<double>&, const Var<double>& gy) {
            const Var<double> a(circulant);
            return std::vector<Var<double>>{tg::matmul(transpose_right ? tg::transpose(a) : a, gy)};
        });
}

// y = sin(x) whose JVP is off by a relative 1e-4 at element 1 only (when `off`).
tg::CustomFunction<double> sine_with_jvp(bool off) {
    return tg::custom_function<double>(
        "sine", [](const std::vector<Tensor<double>>& x) { return tg::sin(x[0]); },
        [](const std::vector<Var<double>>& x, const Var<double>&, const Var<double>& gy) {
            return std::vector<Var<double>>{gy * tg::cos(x[0])};
        },
        [off](const std::vector<Var<double>>& x, const Var<double>&, const std::vector<Var<double>>& dx) {
            Tensor<double> m = tg::ones<double>(x[0].shape());
            if (off) m.data()[1] = 1 + 1e-4;
            return dx[0] * tg::cos(x[0]) * Var<double>(m);
        });
}
}  // namespace

TEST_CASE("gradcheck fails a VJP scaled by 1 + 1e-5 and passes the exact one") {
    const Tensor<double> x = tg::uniform<double>({2, 3}, -0.5, 0.0);
    auto with = [](double scale) {
        return [f = scaled_exp(scale)](const std::vector<Var<double>>& v) { return tg::sum(f({v[0]})); };
    };
    const auto right = tg::gradcheck(with(1.0), {x});
    CHECK_MESSAGE(right.ok, right.str());
    CHECK(right.worst_error < 1e-8);
    const auto wrong = tg::gradcheck(with(1 + 1e-5), {x});
    CHECK_FALSE(wrong.ok);
    CHECK(wrong.failed == 6);
    CHECK(wrong.worst_error > 5e-6);
    CHECK(wrong.worst_error < 1.0001e-5);
    for (const auto& m : wrong.mismatches) CHECK(m.fd_error < 1e-7);  // the estimate does not hide it
}

TEST_CASE("gradcheck fails a VJP that returns the transpose of the right product") {
    const Tensor<double> x = tg::uniform<double>({3, 2}, -1, 1);
    const auto right = tg::gradcheck(
        [f = left_multiply(true)](const std::vector<Var<double>>& v) { return f(v); }, {x});
    CHECK_MESSAGE(right.ok, right.str());
    auto transposed = left_multiply(false);
    CHECK_FALSE(tg::gradcheck([&](const std::vector<Var<double>>& v) { return transposed(v); }, {x}).ok);
    // Why the projection must be random: through sum() the seed is all ones and the wrong rule
    // gives exactly the right gradient.
    CHECK(tg::gradcheck([&](const std::vector<Var<double>>& v) { return tg::sum(transposed(v)); }, {x}).ok);
}

TEST_CASE("gradcheck with forward = true fails a JVP that is off at one element") {
    const Tensor<double> x = tg::uniform<double>({4}, -1, 1);
    tg::GradcheckOptions o;
    o.forward = true;
    const auto right = tg::gradcheck(
        [f = sine_with_jvp(false)](const std::vector<Var<double>>& v) { return f(v); }, {x}, o);
    CHECK_MESSAGE(right.ok, right.str());
    CHECK(right.checked == 4 + 3 * 4);  // every element, then 3 directions x 4 outputs
    auto off = sine_with_jvp(true);
    const auto r = tg::gradcheck([&](const std::vector<Var<double>>& v) { return off(v); }, {x}, o);
    REQUIRE_FALSE(r.ok);
    for (const auto& m : r.mismatches) {
        CHECK(m.input == -2);
        CHECK(m.index == tg::Shape{1});
    }
    CHECK(r.str().find("jvp") != std::string::npos);
    o.forward = false;  // reverse mode alone cannot see it: the VJP is right
    CHECK(tg::gradcheck([&](const std::vector<Var<double>>& v) { return off(v); }, {x}, o).ok);
}

TEST_CASE("gradcheck in float32 passes right rules and fails wrong ones") {
    auto f = [](const std::vector<Var<float>>& v) { return tg::sum(tg::tanh(tg::matmul(v[0], v[1])) * v[2]); };
    const std::vector<Tensor<float>> xs{tg::uniform<float>({3, 4}, -1, 1), tg::uniform<float>({4, 2}, -1, 1),
                                        tg::uniform<float>({3, 2}, -1, 1)};
    const auto r = tg::gradcheck(f, xs);
    CHECK_MESSAGE(r.ok, r.str());
    CHECK(r.checked == 12 + 8 + 6);
    CHECK(r.worst_error < 1e-4);  // the documented float32 agreement (docs/testing.md)
    auto wrong = tg::custom_function<float>(
        "scaled_exp_f32", [](const std::vector<Tensor<float>>& x) { return tg::exp(x[0]); },
        [](const std::vector<Var<float>>&, const Var<float>& y, const Var<float>& gy) {
            return std::vector<Var<float>>{gy * y * 1.01f};
        });
    CHECK_FALSE(tg::gradcheck([&](const std::vector<Var<float>>& v) { return tg::sum(wrong(v)); },
                              {tg::uniform<float>({5}, 0.5f, 1.0f)})
                    .ok);
}
