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
