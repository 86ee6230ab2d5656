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
    const tg::OpInfo& op = info(Op::name);
    const tg::OpCheck clean = tg::check_op(op);
    double curvature = 0;
    for (const auto& s : clean.samples) curvature = std::max(curvature, s.second.largest);
    tg::OpCheckOptions o;
    o.mutation = tg::Mutation::detach;
    const bool caught = !tg::check_op(op, o).ok;
    INFO("op " << std::string(Op::name) << ", largest second derivative " << curvature);
    // A detached VJP is still right where the second derivative vanishes (linear and piecewise
    // linear ops); everywhere else the check must catch it.
    CHECK(caught == (curvature > 1e-6));
}
TEST_CASE_TEMPLATE_APPLY(op_second, tg::ops::OpList);

TEST_CASE("the runtime registry lists every op of OpList once") {
    CHECK(tg::op_registry().size() == std::tuple_size_v<tg::ops::OpList>);
    CHECK(tg::op_registry().size() >= 25);
}
