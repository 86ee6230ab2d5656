// pow(a, b) at a base of exactly 0: the exponent's derivative is the limit of y log(a), 0, in the
// plain sweep (fused kernel) and in the recorded one (log_base), never 0 * -inf = NaN. Finite
// differences cannot check this point (a < 0 is outside the domain), so it is pinned here.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

TEST_CASE("pow's derivative in the exponent is 0 at a base of 0 in the plain and recorded sweeps") {
    for (bool create_graph : {false, true}) {
        tg::clear_tape<double>();
        const Var<double> a(Tensor<double>{0.0, 1.5}, true), b(Tensor<double>{2.0, 3.0}, true);
        const auto g = tg::gradients(tg::pow(a, b), {a, b}, Tensor<double>{1.0, 1.0}, {.create_graph = create_graph});
        const auto db = g[1].value().to_vector(), da = g[0].value().to_vector();
        INFO("create_graph " << create_graph);
        CHECK(db[0] == 0.0);
        CHECK(db[1] == doctest::Approx(std::pow(1.5, 3.0) * std::log(1.5)));
        CHECK(da[0] == 0.0);
        CHECK(da[1] == doctest::Approx(3.0 * 1.5 * 1.5));
        tg::clear_tape<double>();
    }
}
