// tg::Dual against the 50-digit reference table (tests/scalar_reference.hpp has the error measure,
// tests/data/make_scalar_reference.py the points): values, first derivatives by Dual<double, 3>
// and by both levels of Dual<Dual<double, 3>, 3>, second derivatives by the nested Dual, with every
// argument moving together and each one alone (the others plain numbers where the overload exists).
// tg::Rev is checked against the same table in test_rev.cpp.
#include <doctest/doctest.h>

#include <array>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "scalar_reference.hpp"

namespace {
using namespace tg_reference;
using D1 = tg::Dual<double, 3>;
using D2 = tg::Dual<D1, 3>;
using A1 = tg::Dual<double>;
using A2 = tg::Dual<A1>;

std::string partial(int i) { return "d/dx" + std::to_string(i); }
std::string partial2(int i, int j) { return "d2/dx" + std::to_string(i) + "dx" + std::to_string(j); }

struct DualModes {
    std::map<std::string, std::function<void(const Row&, Checker&)>> run;
    template <int N, bool Mixed, class F>
    void operator()(const char* name, F f) {
        run[name] = [f](const Row& r, Checker& c) {
            std::array<D1, N> x1;
            std::array<D2, N> x2;
            for (int i = 0; i < N; ++i) {
                x1[i] = D1::variable(r.x[i], i);
                x2[i] = D2(D1::variable(r.x[i], i));
                x2[i].set_tangent(i, D1(1.0));
            }
            const D1 y1 = apply<N>(f, x1);
            const D2 y2 = apply<N>(f, x2);
            c.check(r, "value, Dual", 0, y1.v, false);
            c.check(r, "value, Dual<Dual>", 0, y2.v.v, false);
            for (int i = 0; i < N; ++i) {
                c.check(r, partial(i) + ", Dual", 1 + i, y1.tangent(i), false);
                c.check(r, partial(i) + ", Dual<Dual> inner", 1 + i, y2.v.tangent(i), false);
                c.check(r, partial(i) + ", Dual<Dual> outer", 1 + i, y2.tangent(i).v, false);
                for (int j = 0; j < N; ++j)
                    c.check(r, partial2(i, j) + ", Dual<Dual>", r.hess(i, j), y2.tangent(i).tangent(j), true);
            }
            if constexpr (N > 1) {
                for (int k = 0; k < N; ++k) {  // argument k alone
                    const A1 z1 = apply_alone<N, Mixed>(f, A1::variable(r.x[k]), k, r.x);
                    A2 xk(A1::variable(r.x[k]));
                    xk.set_tangent(0, A1(1.0));
                    const A2 z2 = apply_alone<N, Mixed>(f, xk, k, r.x);
                    const std::string alone = " alone";
                    c.check(r, "value, Dual" + alone, 0, z1.v, false);
                    c.check(r, partial(k) + ", Dual" + alone, 1 + k, z1.d, false);
                    c.check(r, partial(k) + ", Dual<Dual> inner" + alone, 1 + k, z2.v.d, false);
                    c.check(r, partial(k) + ", Dual<Dual> outer" + alone, 1 + k, z2.d.v, false);
                    c.check(r, partial2(k, k) + ", Dual<Dual>" + alone, r.hess(k, k), z2.d.d, true);
                }
            }
        };
    }
};
}  // namespace

TEST_CASE("scalar reference: tg::Dual values and first and second derivatives match the 50-digit table") {
    const std::vector<Row> rows = read_table();
    REQUIRE(rows.size() > 200);
    DualModes modes;
    for_each_function(modes);
    Checker c;
    std::set<std::string> seen;
    for (const Row& r : rows) {
        const auto it = modes.run.find(r.name);
        REQUIRE_MESSAGE(it != modes.run.end(), "no function " << r.name << " in scalar_reference.hpp");
        REQUIRE(r.q.size() == 1 + r.n() + r.n() * (r.n() + 1) / 2);
        REQUIRE(r.s.size() == r.q.size());
        it->second(r, c);
        seen.insert(r.name);
    }
    for (const auto& [name, fn] : modes.run)
        CHECK_MESSAGE(seen.count(name), name << " has no reference points");
    c.report("tg::Dual", seen.size(), rows.size());
    CHECK(c.failures.empty());
}
