// The elementwise op family: values and gradients against independent numbers, conventions at
// kinks, ties and domain edges (the same in tensor reverse mode, tensor forward mode, tg::Dual
// and tg::Rev), the double-where trap, bad parameters. The registry (opcheck) checks every op
// against finite differences; these pin what finite differences cannot judge.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../scalar/dual_math.hpp"
#include "../scalar/rev_math.hpp"

using tg::Tensor;
using tg::Var;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
const std::vector<double> xs = {-30.0, -3.0, -0.5, 0.0, 0.7, 4.0, 30.0};

// y and dy/dx elementwise by the plain sweep (fused kernel) and the recorded sweep (dfdx).
struct Grads {
    std::vector<double> y, plain, recorded, forward;
};
Grads run(const std::function<Var<double>(const Var<double>&)>& f, const std::vector<double>& at) {
    tg::clear_tape<double>();
    const Tensor<double> x0 = Tensor<double>::from_vector(at);
    const Tensor<double> ones = tg::ones<double>({static_cast<tg::index_t>(at.size())});
    Grads r;
    Var<double> x(x0, true);
    const Var<double> y = f(x);
    r.y = y.value().to_vector();
    y.backward(ones);
    r.plain = x.grad().to_vector();
    const Var<double> x2(x0, true);
    r.recorded = tg::gradients(f(x2), {x2}, ones, {.create_graph = true})[0].value().to_vector();
    r.forward = tg::jvp<double>([&](const Var<double>& v) { return f(v); }, x0, ones).second.to_vector();
    tg::clear_tape<double>();
    return r;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                 const std::string& what) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO(what << " at element " << i << ": got " << got[i] << ", want " << want[i]);
        CHECK(std::abs(got[i] - want[i]) <= tol * std::max(1.0, std::abs(want[i])));
    }
}

void check_op(const std::function<Var<double>(const Var<double>&)>& f, const std::vector<double>& y,
              const std::vector<double>& g, double tol = 1e-14) {
    const Grads r = run(f, xs);
    check_close(r.y, y, tol, "value");
    check_close(r.plain, g, tol, "plain vjp");
    check_close(r.recorded, g, tol, "recorded vjp");
    check_close(r.forward, g, tol, "jvp");
}

}  // namespace

// Reference numbers from PyTorch 1.13 (float64) at x = -30, -3, -0.5, 0, 0.7, 4, 30:
// y = F.<op>(x); y.sum().backward(); print(y, x.grad)   (torch.nn.functional as F)
TEST_CASE("activations match PyTorch's values and gradients, including at the kink x = 0") {
    check_op([](auto& x) { return tg::leaky_relu(x, 0.1); },
             {-3.0, -0.30000000000000004, -0.05, 0.0, 0.7, 4.0, 30.0}, {0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0});
    check_op([](auto& x) { return tg::elu(x, 0.5); },
             {-0.4999999999999532, -0.475106465816068, -0.1967346701436833, 0.0, 0.7, 4.0, 30.0},
             {4.6788114844200874e-14, 0.024893534183931972, 0.3032653298563167, 0.5, 1.0, 1.0, 1.0});
    check_op([](auto& x) { return tg::selu(x); },
             {-1.758099340847212, -1.6705687287671118, -0.6917581878028713, 0.0, 0.7354906911488363,
              4.202803949421922, 31.521029620664414},
             {1.6451630773416182e-13, 0.08753061208026487, 1.0663411530445053, 1.7580993408473766,
              1.0507009873554805, 1.0507009873554805, 1.0507009873554805});
    // celu's gradient: PyTorch's backward is off in the 9th digit (1.0000000170298988 at 0,
    // 0.013763785962892475 at -3: float rounding inside); these are exp(x / 0.7) by Python's math.
    check_op([](auto& x) { return tg::celu(x, 0.7); },
             {-0.7, -0.6903653492868647, -0.35732083831013284, 0.0, 0.7, 4.0, 30.0},
             {2.439941124581229e-19, 0.013763786733050402, 0.4895416595569531, 1.0, 1.0, 1.0, 1.0});
    check_op(
        [](auto& x) { return tg::gelu(x); },
        {-0.0, -0.00404969409489031, -0.15426876936299344, 0.0, 0.5306254434438489, 3.9998733150326675, 30.0},
        {-4.420938404635643e-195, -0.01194564720418392, 0.13250487534383712, 0.5, 0.9766141011336599,
         1.0005036496612265, 1.0});
    check_op([](auto& x) { return tg::gelu(x, true); },
             {-0.0, -0.0036373920817729943, -0.15428599017485606, 0.0, 0.5305701347051167, 3.9999297540518075,
              30.0},
             {0.0, -0.011584166630969648, 0.13263009646535764, 0.5, 0.976357218656104, 1.000335123197122, 1.0},
             1e-13);
    check_op([](auto& x) { return tg::silu(x); },
             {-2.8072868906517896e-12, -0.14227761953270035, -0.1887703343990727, 0.0, 0.46773144051771626,
              3.928055160151634, 29.999999999997197},
             {-2.713710660963134e-12, -0.08810410601516962, 0.2600388126973482, 0.5, 0.8233867834733425,
              1.0526646148910728, 1.000000000002711});
    check_op([](auto& x) { return tg::mish(x); },
             {-2.807286890651921e-12, -0.1456474612756246, -0.22074377465173, 0.0, 0.5611483776438518,
              3.9974128069762385, 30.0},
             {-2.713710660963392e-12, -0.09339311453232084, 0.28951067791351226, 0.6, 0.9687948682001859,
              1.0044328769037503, 1.0});
    check_op(
        [](auto& x) { return tg::softplus(x, 2.0, 5.0); },
        {4.37825538134826e-27, 0.0012378425688652247, 0.15663084375911143, 0.34657359027997264,
         0.8102087049592255, 4.0, 30.0},
        {8.75651076269652e-27, 0.0024726231566347748, 0.2689414213699951, 0.5, 0.8021838885585817, 1.0, 1.0});
    check_op([](auto& x) { return tg::softsign(x); },
             {-0.967741935483871, -0.75, -0.3333333333333333, 0.0, 0.4117647058823529, 0.8, 0.967741935483871},
             {0.00104058272632674, 0.0625, 0.4444444444444444, 1.0, 0.34602076124567477, 0.04000000000000001,
              0.00104058272632674});
    check_op([](auto& x) { return tg::hardtanh(x, -1.0, 2.0); }, {-1.0, -1.0, -0.5, 0.0, 0.7, 2.0, 2.0},
             {0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0});
    check_op([](auto& x) { return tg::hardsigmoid(x); },
             {0.0, 0.0, 0.4166666666666667, 0.5, 0.6166666666666667, 1.0, 1.0},
             {0.0, 0.0, 1.0 / 6, 1.0 / 6, 1.0 / 6, 0.0, 0.0});  // PyTorch rounds 1/6 to float here
    check_op([](auto& x) { return tg::hardswish(x); },
             {-0.0, -0.0, -0.20833333333333334, 0.0, 0.43166666666666664, 4.0, 30.0},
             {0.0, -0.5, 0.33333333333333337, 0.5, 0.7333333333333333, 1.0, 1.0});
    check_op([](auto& x) { return tg::relu6(x); }, {0.0, 0.0, 0.0, 0.0, 0.7, 4.0, 6.0},
             {0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0});
    check_op([](auto& x) { return tg::log_sigmoid(x); },
             {-30.000000000000092, -3.048587351573742, -0.9740769841801067, -0.6931471805599453,
              -0.4031860488854579, -0.018149927917809738, -9.357622968839737e-14},
             {0.9999999999999064, 0.9525741268224333, 0.6224593312018545, 0.5, 0.33181222783183395,
              0.017986209962091555, 9.3576229688393e-14});
}

TEST_CASE("clamp passes the gradient at its bounds, hardtanh and relu6 do not (as PyTorch)") {
    const std::vector<double> at = {-1.0, 2.0, 0.0, 6.0, -2.0, 7.0};
    const Grads c = run([](auto& x) { return tg::clamp(x, -1.0, 2.0); }, at);
    check_close(c.y, {-1, 2, 0, 2, -1, 2}, 0, "clamp");
    for (const auto* g : {&c.plain, &c.recorded, &c.forward})
        check_close(*g, {1, 1, 1, 0, 0, 0}, 0, "clamp'");
    const Grads h = run([](auto& x) { return tg::hardtanh(x, -1.0, 2.0); }, at);
    for (const auto* g : {&h.plain, &h.recorded, &h.forward})
        check_close(*g, {0, 0, 1, 0, 0, 0}, 0, "hardtanh'");
    const Grads r = run([](auto& x) { return tg::relu6(x); }, at);
    for (const auto* g : {&r.plain, &r.recorded, &r.forward})
        check_close(*g, {0, 1, 0, 0, 0, 0}, 0, "relu6'");
    const Grads inf_side = run([](auto& x) { return tg::clamp(x, 0.0, inf); }, {0.0, 1e300, -1.0});
    check_close(inf_side.y, {0, 1e300, 0}, 0, "clamp to [0, inf)");
    check_close(inf_side.plain, {1, 1, 0}, 0, "clamp to [0, inf)'");
    // hardswish at its break points, as PyTorch: x/3 + 1/2 on [-3, 3]
    const Grads s = run([](auto& x) { return tg::hardswish(x); }, {-3.0, 3.0});
    for (const auto* g : {&s.plain, &s.recorded, &s.forward})
        check_close(*g, {-0.5, 1.5}, 1e-15, "hardswish'");
}

TEST_CASE("activations stay finite at +-1e4 and at float's extremes") {
    using F = std::function<Var<double>(const Var<double>&)>;
    const std::vector<F> fs = {
        [](auto& x) { return tg::gelu(x); },     [](auto& x) { return tg::gelu(x, true); },
        [](auto& x) { return tg::silu(x); },     [](auto& x) { return tg::mish(x); },
        [](auto& x) { return tg::softplus(x); }, [](auto& x) { return tg::log_sigmoid(x); },
        [](auto& x) { return tg::elu(x); },      [](auto& x) { return tg::selu(x); },
        [](auto& x) { return tg::celu(x); },     [](auto& x) { return tg::softsign(x); },
        [](auto& x) { return tg::sigmoid(x); },  [](auto& x) { return tg::tanh(x); }};
    for (std::size_t i = 0; i < fs.size(); ++i) {
        const Grads r = run(fs[i], {-1e4, -745.0, -1e-300, 1e-300, 745.0, 1e4});
        for (std::size_t k = 0; k < r.y.size(); ++k) {
            INFO("function " << i << ", element " << k);
            CHECK(std::isfinite(r.y[k]));
            CHECK(std::isfinite(r.plain[k]));
            CHECK(std::isfinite(r.recorded[k]));
        }
    }
    // log_sigmoid never takes log(0): -1e4 and 1e4 give -1e4 and -0 (exactly representable)
    CHECK(tg::log_sigmoid(Tensor<double>{-1e4, 1e4}).to_vector() == std::vector<double>{-1e4, -0.0});
    // float: the same inputs through the float kernels
    const Tensor<float> xf{-1e4f, -100.f, 100.f, 1e4f};
    for (const auto& y : {tg::gelu(xf), tg::silu(xf), tg::mish(xf), tg::softplus(xf), tg::log_sigmoid(xf),
                          tg::elu(xf), tg::gelu(xf, true)})
        for (float v : y.to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("maximum and minimum split the gradient of a tie 1/2 : 1/2 and propagate NaN") {
    tg::clear_tape<double>();
    const Var<double> a(Tensor<double>{1.0, 2.0, 3.0}, true), b(Tensor<double>{1.0, 5.0, -1.0}, true);
    const auto g = tg::gradients(tg::maximum(a, b), {a, b}, Tensor<double>{1.0, 1.0, 1.0});
    CHECK(g[0].value().to_vector() == std::vector<double>{0.5, 0.0, 1.0});
    CHECK(g[1].value().to_vector() == std::vector<double>{0.5, 1.0, 0.0});
    const auto h = tg::gradients(tg::minimum(a, b), {a, b}, Tensor<double>{1.0, 1.0, 1.0});
    CHECK(h[0].value().to_vector() == std::vector<double>{0.5, 1.0, 0.0});
    CHECK(h[1].value().to_vector() == std::vector<double>{0.5, 0.0, 1.0});
    const double nan = std::nan("");
    CHECK(std::isnan(tg::maximum(Var<double>(Tensor<double>{nan}), Var<double>(1.0)).item()));
    CHECK(std::isnan(tg::minimum(Var<double>(1.0), Var<double>(Tensor<double>{nan})).item()));
    tg::clear_tape<double>();
}

// where(x > 0, sqrt(x), 0) at x = 0: sqrt's derivative there is inf, but where hands sqrt an
// exact zero cotangent (it selects), and sqrt lets a zero cotangent win (NOTE [zero cotangents]).
TEST_CASE("the double-where trap: where(x > 0, sqrt(x), 0) has a finite gradient at 0 in every mode") {
    auto f = [](const Var<double>& x) {
        return tg::where(tg::greater(x.value(), Tensor<double>::scalar(0)), tg::sqrt(x), Var<double>(0.0));
    };
    const Grads r = run(f, {0.0, 4.0, -1.0});
    check_close(r.y, {0, 2, 0}, 0, "value");
    for (const auto* g : {&r.plain, &r.recorded, &r.forward}) check_close(*g, {0, 0.25, 0}, 0, "gradient");
    // masked_fill: the filled elements get an exact zero gradient
    const Grads m = run(
        [](auto& x) {
            return tg::masked_fill(tg::log(x), Tensor<double>{1.0, 0.0}, -1.0);
        },
        {0.0, 2.0});
    check_close(m.y, {-1, std::log(2.0)}, 1e-15, "masked_fill");
    for (const auto* g : {&m.plain, &m.recorded, &m.forward})
        check_close(*g, {0, 0.5}, 1e-15, "masked_fill'");
}

TEST_CASE("prelu: one slope per channel (axis 1), learnable") {
    tg::clear_tape<double>();
    // x: [N=2, C=2, L=2], slopes 0.1 and 0.3
    const Var<double> x(Tensor<double>::from_vector({-1, 2, -3, 4, 5, -6, 0, -8}, {2, 2, 2}), true);
    const Var<double> w(Tensor<double>{0.1, 0.3}, true);
    const Var<double> y = tg::prelu(x, w);
    check_close(y.value().to_vector(), {-0.1, 2, -0.9, 4, 5, -0.6, 0, -2.4}, 1e-15, "prelu");
    const auto g = tg::gradients(y, {x, w}, tg::ones<double>({2, 2, 2}));
    check_close(g[0].value().to_vector(), {0.1, 1, 0.3, 1, 1, 0.1, 0.3, 0.3}, 1e-15, "dprelu/dx (w at 0)");
    check_close(g[1].value().to_vector(), {-1 - 6, -3 + 0 - 8}, 1e-15, "dprelu/dw");
    CHECK_THROWS_AS(tg::prelu(x, Var<double>(Tensor<double>{0.1, 0.2, 0.3})), tg::ShapeError);
    CHECK(tg::prelu(x, Var<double>(Tensor<double>{0.5})).value().to_vector()[0] == -0.5);
    tg::clear_tape<double>();
}

TEST_CASE("atan2 and hypot: values, no overflow, gradient 0 at the origin (as tg::Dual)") {
    const Tensor<double> a{1.0, -2.0, 0.0, 1e200, 3e-200}, b{1.0, 0.5, 0.0, 1e200, 4e-200};
    const auto h = tg::hypot(a, b).to_vector(), t = tg::atan2(a, b).to_vector();
    for (std::size_t i = 0; i < h.size(); ++i) {
        CHECK(h[i] == doctest::Approx(std::hypot(a.to_vector()[i], b.to_vector()[i])).epsilon(1e-15));
        CHECK(t[i] == doctest::Approx(std::atan2(a.to_vector()[i], b.to_vector()[i])).epsilon(1e-15));
    }
    CHECK(std::isfinite(h[3]));
    CHECK(h[4] == doctest::Approx(5e-200).epsilon(1e-15));
    tg::clear_tape<double>();
    const Var<double> x(Tensor<double>{0.0, 3.0}, true), y(Tensor<double>{0.0, 4.0}, true);
    for (int k = 0; k < 2; ++k) {
        const Var<double> out = k == 0 ? tg::hypot(x, y) : tg::atan2(x, y);
        const auto g = tg::gradients(out, {x, y}, Tensor<double>{1.0, 1.0});
        const auto gx = g[0].value().to_vector(), gy = g[1].value().to_vector();
        CHECK(gx[0] == 0.0);
        CHECK(gy[0] == 0.0);
        CHECK(gx[1] == doctest::Approx(k == 0 ? 0.6 : 4.0 / 25));
        CHECK(gy[1] == doctest::Approx(k == 0 ? 0.8 : -3.0 / 25));
        using D = tg::Dual<double>;  // the same at the origin in forward mode on scalars
        CHECK((k == 0 ? tg::hypot(D(0.0, 1.0), D(0.0)) : tg::atan2(D(0.0, 1.0), D(0.0))).d == 0.0);
    }
    tg::clear_tape<double>();
}

TEST_CASE("special functions agree with <cmath> and with tg::Dual's derivatives") {
    const std::vector<double> at = {0.3, 1.0, 2.5, 7.0};
    const Tensor<double> x = Tensor<double>::from_vector(at);
    const auto e = tg::erf(x).to_vector(), ec = tg::erfc(x).to_vector(), l2 = tg::log2(x).to_vector(),
               e2 = tg::exp2(x).to_vector(), lg = tg::lgamma(x).to_vector(), dg = tg::digamma(x).to_vector(),
               tri = tg::polygamma(1, x).to_vector();
    for (std::size_t i = 0; i < at.size(); ++i) {
        CHECK(e[i] == doctest::Approx(std::erf(at[i])).epsilon(1e-15));
        CHECK(ec[i] == doctest::Approx(std::erfc(at[i])).epsilon(1e-14));
        CHECK(l2[i] == doctest::Approx(std::log2(at[i])).epsilon(1e-15));
        CHECK(e2[i] == doctest::Approx(std::exp2(at[i])).epsilon(1e-15));
        CHECK(lg[i] == doctest::Approx(std::lgamma(at[i])).epsilon(1e-14));
        CHECK(dg[i] == tg::polygamma(0, at[i]));  // the same code: equal to the last bit
        CHECK(tri[i] == tg::polygamma(1, at[i]));
    }
    // digamma(1) = -Euler's gamma; trigamma(1) = pi^2 / 6
    CHECK(tg::digamma(Tensor<double>{1.0}).item() == doctest::Approx(-0.57721566490153286).epsilon(1e-15));
    CHECK(tg::polygamma(1, Tensor<double>{1.0}).item() == doctest::Approx(M_PI * M_PI / 6).epsilon(1e-15));
    // gradients (reverse, tensor) equal tg::Dual's derivatives at the same points
    using D = tg::Dual<double>;
    const std::vector<std::pair<std::function<Var<double>(const Var<double>&)>, std::function<D(D)>>> pairs = {
        {[](auto& v) { return tg::lgamma(v); }, [](D d) { return lgamma(d); }},
        {[](auto& v) { return tg::digamma(v); }, [](D d) { return digamma(d); }},
        {[](auto& v) { return tg::erf(v); }, [](D d) { return erf(d); }},
        {[](auto& v) { return tg::erfc(v); }, [](D d) { return erfc(d); }},
        {[](auto& v) { return tg::log2(v); }, [](D d) { return log2(d); }},
        {[](auto& v) { return tg::exp2(v); }, [](D d) { return exp2(d); }},
        {[](auto& v) { return tg::log1p(v); }, [](D d) { return log1p(d); }},
        {[](auto& v) { return tg::expm1(v); }, [](D d) { return expm1(d); }}};
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const Grads r = run(pairs[k].first, at);
        for (std::size_t i = 0; i < at.size(); ++i) {
            INFO("function " << k << " at " << at[i]);
            const double want = pairs[k].second(D(at[i], 1.0)).d;
            CHECK(r.plain[i] == doctest::Approx(want).epsilon(1e-14));
            CHECK(r.recorded[i] == doctest::Approx(want).epsilon(1e-14));
            CHECK(r.forward[i] == doctest::Approx(want).epsilon(1e-14));
        }
    }
}

TEST_CASE("floor, ceil, round and sign are constants: zero gradient; round is half to even") {
    CHECK(tg::round(Tensor<double>{0.5, 1.5, 2.5, -0.5, -1.7}).to_vector() ==
          std::vector<double>{0.0, 2.0, 2.0, -0.0, -2.0});
    CHECK(tg::floor(Tensor<double>{-1.5, 1.5}).to_vector() == std::vector<double>{-2.0, 1.0});
    CHECK(tg::ceil(Tensor<double>{-1.5, 1.5}).to_vector() == std::vector<double>{-1.0, 2.0});
    for (int k = 0; k < 4; ++k) {
        const Grads r = run(
            [k](const Var<double>& x) {
                const Var<double> c = k == 0   ? tg::floor(x)
                                      : k == 1 ? tg::ceil(x)
                                      : k == 2 ? tg::round(x)
                                               : tg::sign(x);
                CHECK_FALSE(c.requires_grad());
                return c + x;  // d/dx = 0 + 1
            },
            {-1.5, 0.0, 2.5});
        for (const auto* g : {&r.plain, &r.recorded, &r.forward}) check_close(*g, {1, 1, 1}, 0, "gradient");
    }
}

TEST_CASE("bad parameters raise DomainError or ShapeError naming the op and the numbers") {
    const Var<double> x(Tensor<double>{1.0, 2.0});
    auto message = [](auto&& f) {
        try {
            f();
        } catch (const tg::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THROWS_AS(tg::celu(x, 0.0), tg::DomainError);
    CHECK_THROWS_AS(tg::softplus(x, 0.0), tg::DomainError);
    CHECK_THROWS_AS(tg::softplus(x, -1.0), tg::DomainError);
    CHECK_THROWS_AS(tg::clamp(x, 2.0, 1.0), tg::DomainError);
    CHECK_THROWS_AS(tg::hardtanh(x.value(), 1.0, std::nan("")), tg::DomainError);
    CHECK_THROWS_AS(tg::polygamma(-1, x), tg::DomainError);
    CHECK(message([&] { tg::clamp(x, 2.0, 1.0); }).find("clamp: needs lo <= hi, got lo = 2, hi = 1") !=
          std::string::npos);
    CHECK(message([&] { tg::polygamma(31, x); }).find("polygamma") != std::string::npos);
    CHECK(message([&] { tg::softplus(x, -1.0); }).find("softplus: beta must be positive, got -1") !=
          std::string::npos);
    CHECK_THROWS_AS(
        tg::maximum(Var<double>(Tensor<double>{1.0, 2.0}), Var<double>(Tensor<double>{1.0, 2.0, 3.0})),
        tg::ShapeError);
    CHECK_THROWS_AS(tg::where(Tensor<double>{1.0, 0.0, 1.0}, x, x), tg::ShapeError);
}

// NOTE [zero cotangents] (ops/elementwise_unary.hpp): at the edge of a domain, where a derivative
// is infinite, a direction in which the input does not move moves nothing (0, not 0 * inf = NaN)
// and a moving one gets the IEEE value. pow(a, b) at b = 0 has d/da = 0 (y is constant, as
// PyTorch), also at a = 0. The same numbers in all four modes.
TEST_CASE("one convention at the edge of a domain: tensor reverse, tensor forward, tg::Dual, tg::Rev") {
    using D = tg::Dual<double>;
    using R = tg::Rev<double>;
    auto rev = [](auto f, double at, double seed) {  // d(seed * f(x))/dx by tg::Rev
        return tg::gradient([&](const std::vector<R>& v) { return seed * f(v[0]); }, std::vector<double>{at})
            .gradient[0];
    };
    // sqrt, log and x^0.5 at 0, with a zero and a unit (co)tangent. (Division is IEEE in tg::Dual:
    // 1 / Dual(0, 0) has tangent NaN; the tensor reciprocal and rsqrt are `singular`, tested below.)
    struct Case {
        const char* name;
        std::function<Var<double>(const Var<double>&)> var;
        std::function<D(D)> dual;
        std::function<R(R)> rv;
        double moving;  // the derivative for a moving input
    };
    const std::vector<Case> cases = {
        {"sqrt", [](auto& v) { return tg::sqrt(v); }, [](D d) { return sqrt(d); },
         [](R r) { return sqrt(r); }, inf},
        {"log", [](auto& v) { return tg::log(v); }, [](D d) { return log(d); }, [](R r) { return log(r); }, inf},
        {"pow(x, 0.5)", [](auto& v) { return tg::pow(v, 0.5); }, [](D d) { return pow(d, 0.5); },
         [](R r) { return pow(r, 0.5); }, inf},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        for (double seed : {0.0, 1.0}) {
            const double want = seed == 0 ? 0.0 : c.moving;
            tg::clear_tape<double>();
            const Var<double> x(Tensor<double>{0.0}, true);
            const Var<double> y = c.var(x);
            y.backward(Tensor<double>{seed});
            CHECK(x.grad().item() == want);  // plain sweep (fused kernel)
            const Var<double> x2(Tensor<double>{0.0}, true);
            CHECK(tg::gradients(c.var(x2), {x2}, Tensor<double>{seed}, {.create_graph = true})[0].item() ==
                  want);
            CHECK(tg::jvp<double>(c.var, Tensor<double>{0.0}, Tensor<double>{seed}).second.item() == want);
            CHECK(c.dual(D(0.0, seed)).d == want);
            CHECK(rev(c.rv, 0.0, seed) == want);
            tg::clear_tape<double>();
        }
    }
    for (int k = 0; k < 2; ++k) {  // tensor reciprocal and rsqrt at 0
        const std::function<Var<double>(const Var<double>&)> f = [k](const Var<double>& v) {
            return k == 0 ? tg::reciprocal(v) : tg::rsqrt(v);
        };
        const Grads z = run(
            [&](const Var<double>& v) {
                return f(v) * Var<double>(Tensor<double>{0.0, 1.0});
            },
            {0.0, 0.0});
        const auto fwd =
            tg::jvp<double>(f, Tensor<double>{0.0, 0.0}, Tensor<double>{0.0, 1.0}).second.to_vector();
        for (const auto* g : {&z.plain, &z.recorded, &fwd}) {
            CHECK((*g)[0] == 0.0);
            CHECK((*g)[1] == -inf);
        }
    }
    // pow(a, b) at a = 0, b = 0: d/da = 0 and d/db = 0 in every mode (PyTorch: d/da = 0 too)
    for (bool create_graph : {false, true}) {
        tg::clear_tape<double>();
        const Var<double> a(Tensor<double>{0.0}, true), b(Tensor<double>{0.0}, true);
        const auto g = tg::gradients(tg::pow(a, b), {a, b}, Tensor<double>{1.0},
                                     {.create_graph = create_graph});
        CHECK(g[0].item() == 0.0);
        CHECK(g[1].item() == 0.0);
        tg::clear_tape<double>();
    }
    const auto [y0,
                dy] = tg::jvp<double>([](const std::vector<Var<double>>& v) { return tg::pow(v[0], v[1]); },
                                      std::vector<Tensor<double>>{Tensor<double>{0.0}, Tensor<double>{0.0}},
                                      std::vector<Tensor<double>>{Tensor<double>{1.0}, Tensor<double>{1.0}});
    CHECK(y0.item() == 1.0);
    CHECK(dy.item() == 0.0);
    CHECK(pow(D(0.0, 1.0), D(0.0)).d == 0.0);
    CHECK(pow(D(0.0), D(0.0, 1.0)).d == 0.0);
    const auto rg = tg::gradient([](const std::vector<R>& v) { return pow(v[0], v[1]); },
                                 std::vector<double>{0.0, 0.0})
                        .gradient;
    CHECK(rg[0] == 0.0);
    CHECK(rg[1] == 0.0);
    // pow(x, 0) for a constant exponent: 0 at x = 0 as well
    const Grads p0 = run([](auto& x) { return tg::pow(x, 0.0); }, {0.0, 2.0});
    for (const auto* g : {&p0.plain, &p0.recorded, &p0.forward}) check_close(*g, {0, 0}, 0, "pow(x, 0)'");
}
