// Registry checks that are not one per op: the kink convention, matmul's square samples, the
// registries' sizes, the sample domains and the composites. The per-op checks (a new op needs no
// new test code) are in tests/test_registry_<family>.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "../ops/op_list.hpp"
#include "../solvers/solver_list.hpp"
#include "../solvers/solver_registry.hpp"
#include "../transforms/composites.hpp"
#include "../transforms/opcheck.hpp"
#include "registry_checks.hpp"

using tg_registry_checks::info;

TEST_CASE("relu and abs pin their derivative 0 at the kink in every mode") {
    for (const char* name : {"relu", "abs"}) {
        const tg::OpCheck r = tg::check_op(info(name));
        int at_kink = 0;
        for (const auto& s : r.samples) {
            INFO(name << ", sample " << s.label << ": " << s.problem);
            CHECK(s.ok);
            CHECK(s.kink_error == 0.0);
        }
        for (const auto& s : info(name).samples()) at_kink += s.kink_derivative == 0.0 ? 1 : 0;
        CHECK(at_kink >= 2);
    }
}

namespace {
// relu's samples, declaring a wrong derivative (1/2, the central difference) at the kink.
tg::Samples relu_with_wrong_kink() {
    tg::Samples s = info("relu").samples();
    for (auto& k : s)
        if (k.kink_derivative) k.kink_derivative = 0.5;
    return s;
}
}  // namespace

TEST_CASE("the kink check fails an op whose derivative at the kink differs from the declared one") {
    tg::OpInfo relu = info("relu");
    relu.samples = &relu_with_wrong_kink;
    const tg::OpCheck r = tg::check_op(relu);
    CHECK_FALSE(r.ok);
    CHECK(r.worst_kink > 0.1);
    bool named = false;
    for (const auto& s : r.samples) named |= s.problem.find("at the kink") != std::string::npos;
    CHECK(named);
}

TEST_CASE("matmul samples include square operands, 2-D and batched") {
    int square_2d = 0, square_batched = 0;
    for (const auto& s : info("matmul").samples()) {
        const tg::Shape& a = s.inputs[0].shape;
        const tg::Shape& b = s.inputs[1].shape;
        const bool square = a[a.size() - 1] == a[a.size() - 2] && b[b.size() - 1] == b[b.size() - 2];
        if (square) (a.size() == 2 ? square_2d : square_batched)++;
    }
    CHECK(square_2d >= 1);
    CHECK(square_batched >= 1);
}

TEST_CASE("the runtime registry lists every op of OpList once") {
    CHECK(tg::op_registry().size() == std::tuple_size_v<tg::ops::OpList>);
    CHECK(tg::op_registry().size() >= 25);
}

TEST_CASE("the solver registry lists every op of SolverOps once") {
    CHECK(tg::solver_registry().size() == std::tuple_size_v<tg::solvers::SolverOps>);
}

TEST_CASE("matrix sample domains give the matrices they promise") {
    tg::Sample s;
    s.inputs = {{{2, 5, 5}, tg::Domain::spd}, {{5, 5}, tg::Domain::well_conditioned}};
    const auto x = tg::sample_inputs(s, 7);
    const double* a = x[0].data();
    for (int m = 0; m < 2; ++m, a += 25) {
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 5; ++j) CHECK(a[i * 5 + j] == a[j * 5 + i]);
        // positive definite: every leading minor's pivot of an unpivoted elimination is >= 0.5
        double l[25];
        std::copy(a, a + 25, l);
        for (int k = 0; k < 5; ++k) {
            CHECK(l[k * 5 + k] >= 0.5 - 1e-12);
            for (int i = k + 1; i < 5; ++i) {
                const double f = l[i * 5 + k] / l[k * 5 + k];
                for (int j = k; j < 5; ++j) l[i * 5 + j] -= f * l[k * 5 + j];
            }
        }
    }
    // well conditioned: within 0.3 of the identity in every row sum of |A - I|
    const double* w = x[1].data();
    for (int i = 0; i < 5; ++i) {
        double off = 0;
        for (int j = 0; j < 5; ++j) off += std::abs(w[i * 5 + j] - (i == j ? 1.0 : 0.0));
        CHECK(off < 0.3 * 5 / std::sqrt(5.0));
        CHECK(off > 0);
    }
    s.inputs = {{{2, 3}, tg::Domain::spd}};
    CHECK_THROWS_AS(tg::sample_inputs(s, 7), tg::ShapeError);
}

TEST_CASE("every composite function passes every column") {
    CHECK(tg::composite_registry().size() >= 35);
    for (const auto& c : tg::composite_registry()) {
        const tg::OpCheck r = tg::check_op(c);
        INFO("composite " << std::string(c.name));
        CHECK(!r.samples.empty());
        for (const auto& s : r.samples) {
            INFO("sample " << s.label << ": " << s.problem);
            CHECK(s.ok);
        }
    }
}

TEST_CASE("a composite refuses the deliberate VJP mutations (it has no rule of its own)") {
    const tg::OpInfo& c = tg::composite_registry().front();
    tg::OpCheckOptions o;
    o.mutation = tg::Mutation::flip;
    CHECK_THROWS_AS(tg::check_op(c, o), tg::AutogradError);
}
