// The extreme-input table (transforms/extremes.hpp): where mathematics promises finite values and
// gradients at huge (x 1e4), subnormal and zero inputs, every op and composite below delivers them
// in float64 and float32. The ops left out overflow by right somewhere (exp(1e4), 1 / subnormal,
// log(0), sqrt'(0)); `opcheck --extremes` shows what they give.
#include <doctest/doctest.h>

#include <string>

#include "../ops/registry.hpp"
#include "../transforms/composites.hpp"
#include "../transforms/extremes.hpp"

namespace {

const tg::OpInfo* find(const std::string& name) {
    for (const auto* reg : {&tg::op_registry(), &tg::composite_registry()})
        for (const auto& op : *reg)
            if (name == op.name) return &op;
    return nullptr;
}

void expect_finite(const char* name) {
    const tg::OpInfo* op = find(name);
    REQUIRE_MESSAGE(op, "no op or composite " << name);
    const tg::ExtremeReport r = tg::extreme_inputs(*op);
    for (const auto& c : r.cases) {
        INFO(name << " at " << c.label << ": " << c.summary() << " " << c.error);
        CHECK(c.finite());
    }
}

}  // namespace

TEST_CASE("saturating activations stay finite at huge, subnormal and zero inputs") {
    for (const char* name :
         {"sigmoid",   "tanh",        "relu", "leaky_relu", "elu",      "selu",     "celu",  "gelu",
          "gelu_tanh", "silu",        "mish", "softplus",   "softsign", "hardtanh", "clamp", "hardsigmoid",
          "hardswish", "log_sigmoid", "erf",  "erfc",       "abs",      "neg",      "sin",   "cos"})
        expect_finite(name);
}

TEST_CASE("the softmax family and the losses from logits stay finite at logits of 1e4") {
    for (const char* name :
         {"softmax", "log_softmax", "logsumexp", "cross_entropy", "binary_cross_entropy_with_logits",
          "cross_entropy_probs", "nll_loss", "kl_div", "mse_loss", "huber_loss", "smooth_l1_loss"})
        expect_finite(name);
}

TEST_CASE("binary ops that cannot overflow stay finite at the extremes") {
    for (const char* name : {"add", "sub", "maximum", "minimum", "where", "prelu", "atan2", "hypot"})
        expect_finite(name);
}

TEST_CASE("the extreme table reports what overflows by right") {
    const tg::ExtremeReport r = tg::extreme_inputs(*find("exp"));
    CHECK(r.cases[0].label == "huge");
    CHECK(r.cases[0].bad_value64 > 0);  // exp(1e4) = inf in float64 too
    CHECK(r.cases[0].bad_value32 > 0);
    CHECK(r.cases[1].finite());  // exp(subnormal) = 1
    CHECK(r.cases[2].finite());
    const tg::ExtremeReport rec = tg::extreme_inputs(*find("reciprocal"));
    CHECK(rec.cases[1].bad_value64 > 0);      // 1 / 1e-310 overflows
    CHECK(rec.cases[2].applicable == false);  // its domain excludes 0
}
