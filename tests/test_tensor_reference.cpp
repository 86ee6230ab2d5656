// The registered elementwise tensor ops that share a function with tg::Dual and tg::Rev (exp, log,
// sqrt, sin, cos, tanh, abs, neg) against the same 50-digit reference table
// (tests/scalar_reference.hpp): the value, the first derivative by tg::grad (the op's VJP) and the
// second by tg::hvp (the VJP of the VJP rule), with the table's tolerances. sigmoid has no scalar
// counterpart: it is checked against closed forms evaluated in long double.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "scalar_reference.hpp"

namespace {
using tg::Tensor;
using tg::Var;
using Fn = std::function<Var<double>(const Var<double>&)>;

// Value, first and second derivative of op at every x, through the tensor machinery.
struct Derivs {
    std::vector<double> v, d1, d2;
};
Derivs tensor_derivs(const Fn& op, const std::vector<double>& xs) {
    const Tensor<double> x = Tensor<double>::from_vector(xs);
    const auto total = [&](const Var<double>& v) { return tg::sum(op(v)); };
    Derivs out;
    out.v = op(Var<double>(x)).value().to_vector();
    out.d1 = tg::grad(total, x).to_vector();
    out.d2 = tg::hvp(total, x, tg::ones<double>(x.shape())).to_vector();
    return out;
}


// Checks the ops against the table; returns the checker (its report is printed).
tg_reference::Checker check_ops(const std::vector<std::pair<std::string, Fn>>& ops, const char* label) {
    const std::vector<tg_reference::Row> rows = tg_reference::read_table();
    tg_reference::Checker c;
    std::size_t points = 0;
    for (const auto& [name, op] : ops) {
        std::vector<const tg_reference::Row*> mine;
        std::vector<double> xs;
        for (const auto& r : rows)
            if (r.name == name) mine.push_back(&r), xs.push_back(r.x[0]);
        REQUIRE_MESSAGE(!mine.empty(), name << " has no reference points");
        const Derivs d = tensor_derivs(op, xs);
        for (std::size_t i = 0; i < mine.size(); ++i) {
            c.check(*mine[i], "value, tensor op", 0, d.v[i], false);
            c.check(*mine[i], "d/dx0, tensor op (VJP)", 1, d.d1[i], false);
            c.check(*mine[i], "d2/dx0dx0, tensor op (VJP of the VJP)", 2, d.d2[i], true);
        }
        points += mine.size();
    }
    c.report(label, ops.size(), points);
    return c;
}
}  // namespace

TEST_CASE("scalar reference: registered tensor ops match the 50-digit table at first and second order") {
    const auto c = check_ops({{"exp", [](const Var<double>& v) { return tg::exp(v); }},
                              {"log", [](const Var<double>& v) { return tg::log(v); }},
                              {"sqrt", [](const Var<double>& v) { return tg::sqrt(v); }},
                              {"sin", [](const Var<double>& v) { return tg::sin(v); }},
                              {"cos", [](const Var<double>& v) { return tg::cos(v); }},
                              {"tanh", [](const Var<double>& v) { return tg::tanh(v); }},
                              {"abs", [](const Var<double>& v) { return tg::abs(v); }},
                              {"neg", [](const Var<double>& v) { return -v; }}},
                             "tensor ops");
    CHECK(c.failures.empty());
}

// tanh' and sigmoid' were 1 - y^2 and y (1 - y), which cancel to 0 above |x| = 19 and 37 (the
// derivatives are 1e-16 .. 1e-305 there) and lose digits from |x| = 3 on; they are now written
// as in scalar/dual_partials.hpp (ops/elementwise_unary.hpp, tensor/math_vjp.cpp).
TEST_CASE("tensor sigmoid first and second derivatives match closed forms to a few ulps") {
    const std::vector<double> xs = {-700, -40, -20, -3, -1e-8, 0, 1e-300, 0.5, 5, 20, 40, 700};
    const Derivs d = tensor_derivs([](const Var<double>& v) { return tg::sigmoid(v); }, xs);
    tg_reference::Checker c;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        // sigma' = e / (1 + e)^2 with e = exp(-|x|); sigma'' = -sigma' tanh(x / 2); in long double
        const long double x = xs[i], e = std::exp(-std::fabs(x)), s1 = e / ((1 + e) * (1 + e));
        tg_reference::Row r{"sigmoid", {xs[i]}, {1 / (1 + std::exp(-x)), s1, -s1 * std::tanh(x / 2)}, {0, 0, 0}};
        c.check(r, "value, tensor op", 0, d.v[i], false);
        c.check(r, "d/dx0, tensor op (VJP)", 1, d.d1[i], false);
        c.check(r, "d2/dx0dx0, tensor op (VJP of the VJP)", 2, d.d2[i], true);
    }
    c.report("tensor sigmoid", 1, xs.size());
    CHECK(c.failures.empty());
}
