#pragma once
// The registry-wide checks, one test case per registered op: each family's test file
// (tests/test_registry_<family>.cpp) includes its own op headers and applies them to its family
// list, so editing one family's op header recompiles that file alone. Mutation tests prove each
// check can fail for every op.
#include <doctest/doctest.h>

#include <string>

#include "../ops/registry.hpp"
#include "../solvers/solver_registry.hpp"
#include "../transforms/opcheck.hpp"

namespace tg_registry_checks {

inline const tg::OpInfo& info(const char* name) {
    for (const auto& op : tg::op_registry())
        if (std::string(op.name) == name) return op;
    for (const auto& op : tg::solver_registry())
        if (std::string(op.name) == name) return op;
    FAIL("op not in the runtime registry: " << name);
    throw;
}

template <class Op>
void passes_every_column() {
    const tg::OpCheck r = tg::check_op(info(Op::name));
    INFO("op " << std::string(Op::name));
    CHECK(r.samples.size() >= 2);
    for (const auto& s : r.samples) {
        INFO("sample " << s.label << ": " << s.problem);
        CHECK(s.ok);
    }
}

inline bool caught(const tg::OpInfo& op, tg::Mutation m, int drop = 0) {
    tg::OpCheckOptions o;
    o.mutation = m;
    o.drop_input = drop;
    return !tg::check_op(op, o).ok;
}

template <class Op>
void catches_first_order_mutants() {
    const tg::OpInfo& op = info(Op::name);
    INFO("op " << std::string(Op::name));
    CHECK_MESSAGE(caught(op, tg::Mutation::scale), "a rule scaled by 1 + 1e-4 passed");
    CHECK_MESSAGE(caught(op, tg::Mutation::flip), "a sign-flipped rule passed");
    for (int i = 0; i < Op::arity; ++i)
        CHECK_MESSAGE(caught(op, tg::Mutation::drop, i), "dropping input " << i << " passed");
}

// The second-order column differentiates <u, grad <v, sin(op(x))>>: the cotangent reaching the
// op, v cos(op(x)), depends on x, so even a linear op's rule must carry it differentiably.
template <class Op>
void catches_second_order_mutants() {
    const tg::OpInfo& op = info(Op::name);
    INFO("op " << std::string(Op::name));
    CHECK_MESSAGE(caught(op, tg::Mutation::detach), "a VJP detached from x passed");
    CHECK_MESSAGE(caught(op, tg::Mutation::detach_cotangent),
                  "a VJP treating its cotangent as a constant passed");
}

}  // namespace tg_registry_checks

// The three registry test cases for every op of a family list (once per test file).
#define TG_REGISTRY_CHECKS(List)                                                                         \
    TEST_CASE_TEMPLATE_DEFINE("registered op passes reverse - forward - consistency and f32 checks", Op, \
                              op_checks) {                                                               \
        tg_registry_checks::passes_every_column<Op>();                                                   \
    }                                                                                                    \
    TEST_CASE_TEMPLATE_APPLY(op_checks, List);                                                           \
    TEST_CASE_TEMPLATE_DEFINE("gradcheck catches a mutated VJP of every op", Op, op_mutations) {         \
        tg_registry_checks::catches_first_order_mutants<Op>();                                           \
    }                                                                                                    \
    TEST_CASE_TEMPLATE_APPLY(op_mutations, List);                                                        \
    TEST_CASE_TEMPLATE_DEFINE("second-order check catches a VJP that is right only to first order", Op,  \
                              op_second) {                                                               \
        tg_registry_checks::catches_second_order_mutants<Op>();                                          \
    }                                                                                                    \
    TEST_CASE_TEMPLATE_APPLY(op_second, List)
