// Registry-wide checks: one test per registered op (a template over ops::OpList), so a new op
// needs no new test code. Mutation tests prove each check can fail for every op.
#include <doctest/doctest.h>

#include <string>

#include "../ops/all_ops.hpp"
#include "../transforms/opcheck.hpp"

namespace {

const tg::OpInfo& info(const char* name) {
    for (const auto& op : tg::op_registry())
        if (std::string(op.name) == name) return op;
    FAIL("op not in the runtime registry: " << name);
    throw;
}

}  // namespace

TEST_CASE_TEMPLATE_DEFINE("registered op passes reverse - forward - consistency and f32 checks", Op, op_checks) {
    const tg::OpCheck r = tg::check_op(info(Op::name));
    INFO("op " << std::string(Op::name));
    CHECK(r.samples.size() >= 2);
    for (const auto& s : r.samples) {
        INFO("sample " << s.label << ": " << s.problem);
        CHECK(s.ok);
    }
}
TEST_CASE_TEMPLATE_APPLY(op_checks, tg::ops::OpList);

TEST_CASE_TEMPLATE_DEFINE("gradcheck catches a mutated VJP of every op", Op, op_mutations) {
    const tg::OpInfo& op = info(Op::name);
    auto caught = [&](tg::Mutation m, int drop) {
        tg::OpCheckOptions o;
        o.mutation = m;
        o.drop_input = drop;
        return !tg::check_op(op, o).ok;
    };
    INFO("op " << std::string(Op::name));
    CHECK_MESSAGE(caught(tg::Mutation::scale, 0), "a rule scaled by 1 + 1e-4 passed");
    CHECK_MESSAGE(caught(tg::Mutation::flip, 0), "a sign-flipped rule passed");
    for (int i = 0; i < Op::arity; ++i) CHECK_MESSAGE(caught(tg::Mutation::drop, i), "dropping input " << i << " passed");
}
TEST_CASE_TEMPLATE_APPLY(op_mutations, tg::ops::OpList);

TEST_CASE_TEMPLATE_DEFINE("second-order check catches a VJP that is right only to first order", Op, op_second) {
    // The second-order column differentiates <u, grad <v, sin(op(x))>>: the cotangent reaching the
    // op, v cos(op(x)), depends on x, so even a linear op's rule must carry it differentiably.
    const tg::OpInfo& op = info(Op::name);
    auto caught = [&](tg::Mutation m) {
        tg::OpCheckOptions o;
        o.mutation = m;
        return !tg::check_op(op, o).ok;
    };
    INFO("op " << std::string(Op::name));
    CHECK_MESSAGE(caught(tg::Mutation::detach), "a VJP detached from x passed");
    CHECK_MESSAGE(caught(tg::Mutation::detach_cotangent), "a VJP treating its cotangent as a constant passed");
}
TEST_CASE_TEMPLATE_APPLY(op_second, tg::ops::OpList);

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
