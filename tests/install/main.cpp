// Uses an installed tensorgrad: d/dx sum(x * x) must be exactly 2x.
#include <tensorgrad/tensorgrad.hpp>

#include <cstdio>
#include <vector>

#ifdef XTENSOR_VERSION_MAJOR
#error "<tensorgrad/tensorgrad.hpp> must not pull xtensor into user code"
#endif

int main() {
    tg::Var<double> x(tg::Tensor<double>{{1.0, 2.0}, {3.0, 4.0}}, true);
    auto y = tg::sum(x * x);
    y.backward();

    const tg::Tensor<double> g = x.grad();
    const std::vector<double> xv = x.value().to_vector();
    const std::vector<double> gv = g.to_vector();
    if (g.dim() != 2 || g.size(0) != 2 || g.size(1) != 2 || gv.size() != xv.size()) {
        std::printf("install consumer: gradient has shape %s, expected [2,2]\n", g.shape().str().c_str());
        return 1;
    }
    for (std::size_t i = 0; i < gv.size(); ++i) {
        if (gv[i] != 2.0 * xv[i]) {
            std::printf("install consumer: grad[%zu] = %g, expected 2 * %g\n", i, gv[i], xv[i]);
            return 1;
        }
    }
    std::printf("install consumer: d/dx sum(x*x) = 2x at %zu elements, ok\n", gv.size());
    return 0;
}
