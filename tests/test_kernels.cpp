// Tensor kernels against plain loops: elementwise math (contiguous, transposed, broadcast, large
// enough for TBB, odd sizes for the SIMD tail), reductions, sum_to, and matmul on BLAS.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../ops/fused_kernels.hpp"

namespace {

// Deterministic values uniform in [lo, hi).
template <class T>
tg::Tensor<T> uniform_values(const tg::Shape& shape, double lo, double hi, unsigned seed = 1) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    std::vector<T> v(static_cast<std::size_t>(shape.numel()));
    for (auto& x : v) x = static_cast<T>(u(rng));
    return tg::Tensor<T>::from_vector(v, shape);
}

template <class T>
std::vector<T> vals(std::initializer_list<double> v) {
    return std::vector<T>(v.begin(), v.end());
}

// Relative tolerance of the elementwise functions (xsimd is a few ulp off libm).
template <class T>
constexpr double fn_tol = std::is_same_v<T, float> ? 4e-6 : 1e-14;

bool close(double got, double want, double rtol, double atol = 0) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    return std::abs(got - want) <= atol + rtol * std::abs(want);
}

// Sums carry float rounding from SIMD partial sums (in blocks); double is nearly exact.
template <class T>
constexpr double sum_tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;

// Sum of a 3-D tensor over the flagged axes by a plain loop, row-major with keepdims.
template <class T>
std::vector<double> loop_sum3(const tg::Tensor<T>& x, bool r0, bool r1, bool r2) {
    const tg::index_t n0 = x.shape()[0], n1 = x.shape()[1], n2 = x.shape()[2];
    const tg::index_t m1 = r1 ? 1 : n1, m2 = r2 ? 1 : n2;
    std::vector<double> out(static_cast<std::size_t>((r0 ? 1 : n0) * m1 * m2), 0.0);
    for (tg::index_t i = 0; i < n0; ++i)
        for (tg::index_t j = 0; j < n1; ++j)
            for (tg::index_t k = 0; k < n2; ++k)
                out[static_cast<std::size_t>(((r0 ? 0 : i) * m1 + (r1 ? 0 : j)) * m2 + (r2 ? 0 : k))] += x.at(
                    {i, j, k});
    return out;
}

// Every element of `got` (row-major) within rtol of `want` (and rtol absolute near 0).
template <class T>
void check_close(const tg::Tensor<T>& got, const std::vector<double>& want, double rtol) {
    const auto g = got.to_vector();
    REQUIRE(g.size() == want.size());
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(close(g[i], want[i], rtol, rtol));
}

// Reference product of two 2-D tensors, and sum |a_ik b_kj| as the scale of its rounding error.
template <class T>
void naive_matmul(const tg::Tensor<T>& a, const tg::Tensor<T>& b, std::vector<double>& c,
                  std::vector<double>& scale) {
    const tg::index_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
    c.assign(static_cast<std::size_t>(m * n), 0.0);
    scale.assign(static_cast<std::size_t>(m * n), 0.0);
    for (tg::index_t i = 0; i < m; ++i)
        for (tg::index_t j = 0; j < n; ++j)
            for (tg::index_t p = 0; p < k; ++p) {
                const double x = static_cast<double>(a.at({i, p})) * static_cast<double>(b.at({p, j}));
                c[static_cast<std::size_t>(i * n + j)] += x;
                scale[static_cast<std::size_t>(i * n + j)] += std::abs(x);
            }
}

template <class T>
constexpr double mm_tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;

// Checks a 2-D matmul result against the naive loop, relative to the scale of each entry.
template <class T>
void check_matmul_2d(const tg::Tensor<T>& a, const tg::Tensor<T>& b, const tg::Tensor<T>& got) {
    std::vector<double> ref, scale;
    naive_matmul(a, b, ref, scale);
    REQUIRE(got.shape() == tg::Shape{a.shape()[0], b.shape()[1]});
    const auto g = got.to_vector();
    for (std::size_t i = 0; i < ref.size(); ++i)
        CHECK(std::abs(g[i] - ref[i]) <= mm_tol<T> * scale[i] + 1e-30);
}

// The 2-D block [i0, i1, ..., :, :] of t as a contiguous matrix.
template <class T>
tg::Tensor<T> matrix_at(tg::Tensor<T> t, std::initializer_list<tg::index_t> batch) {
    for (tg::index_t i : batch) {
        auto dims = t.shape().to_vector();
        dims.erase(dims.begin());
        t = t.slice(0, i, i + 1).reshape(tg::Shape(dims));
    }
    return t;
}

}  // namespace

// ---- elementwise ----

TEST_CASE_TEMPLATE("unary functions match std:: on a few hundred values", T, float, double) {
    using F = std::function<double(double)>;
    using G = std::function<tg::Tensor<T>(const tg::Tensor<T>&)>;
    struct Case {
        const char* name;
        G f;
        F ref;
        double lo, hi;
    };
#define TG_UNARY(fn) [](const tg::Tensor<T>& x) { return tg::fn(x); }
    const Case cases[] = {
        {"neg", TG_UNARY(neg), [](double x) { return -x; }, -5, 5},
        {"square", TG_UNARY(square), [](double x) { return x * x; }, -5, 5},
        {"sqrt", TG_UNARY(sqrt), [](double x) { return std::sqrt(x); }, 0, 50},
        {"exp", TG_UNARY(exp), [](double x) { return std::exp(x); }, -20, 20},
        {"log", TG_UNARY(log), [](double x) { return std::log(x); }, 1e-3, 50},
        {"abs", TG_UNARY(abs), [](double x) { return std::abs(x); }, -5, 5},
        {"sin", TG_UNARY(sin), [](double x) { return std::sin(x); }, -10, 10},
        {"cos", TG_UNARY(cos), [](double x) { return std::cos(x); }, -10, 10},
        {"tanh", TG_UNARY(tanh), [](double x) { return std::tanh(x); }, -5, 5},
        {"sigmoid", TG_UNARY(sigmoid), [](double x) { return 1 / (1 + std::exp(-x)); }, -20, 20},
        {"relu", TG_UNARY(relu), [](double x) { return std::max(x, 0.0); }, -5, 5},
        {"sign", TG_UNARY(sign), [](double x) { return double((x > 0) - (x < 0)); }, -5, 5},
        {"log1p", TG_UNARY(log1p), [](double x) { return std::log1p(x); }, -0.9, 10},
        {"expm1", TG_UNARY(expm1), [](double x) { return std::expm1(x); }, -5, 5},
        {"reciprocal", TG_UNARY(reciprocal), [](double x) { return 1 / x; }, 0.01, 10},
        {"rsqrt", TG_UNARY(rsqrt), [](double x) { return 1 / std::sqrt(x); }, 0.01, 10},
        {"step", TG_UNARY(step), [](double x) { return x > 0 ? 1.0 : 0.0; }, -5, 5},
    };
#undef TG_UNARY
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const auto x = uniform_values<T>({301}, c.lo, c.hi);
        const auto y = c.f(x).to_vector(), xv = x.to_vector();
        REQUIRE(y.size() == 301);
        // Reference on the T input in double, rounded to T: the kernel's best possible answer.
        for (std::size_t i = 0; i < y.size(); ++i)
            CHECK(close(y[i], static_cast<T>(c.ref(xv[i])), fn_tol<T>, fn_tol<T>));
    }
}

TEST_CASE_TEMPLATE("unary functions read transposed and strided views in their logical order", T, float,
                   double) {
    const auto base = uniform_values<T>({13, 23}, -3, 3);
    const auto t = base.transpose();         // (23, 13), last axis strided
    const auto s = base.slice(1, 1, 23, 3);  // (13, 8), step 3
    const auto et = tg::exp(t), ts = tg::tanh(s);
    REQUIRE(et.shape() == tg::Shape{23, 13});
    REQUIRE(ts.shape() == tg::Shape{13, 8});
    for (tg::index_t i = 0; i < 23; ++i)
        for (tg::index_t j = 0; j < 13; ++j)
            CHECK(close(et.at({i, j}), std::exp(double(base.at({j, i}))), fn_tol<T>));
    for (tg::index_t i = 0; i < 13; ++i)
        for (tg::index_t j = 0; j < 8; ++j)
            CHECK(close(ts.at({i, j}), std::tanh(double(base.at({i, 1 + 3 * j}))), fn_tol<T>, 1e-30));
}

TEST_CASE_TEMPLATE("binary functions match a plain loop elementwise", T, float, double) {
    using G = std::function<tg::Tensor<T>(const tg::Tensor<T>&, const tg::Tensor<T>&)>;
    using F = std::function<double(T, T)>;
#define TG_BINARY(fn) [](const tg::Tensor<T>& a, const tg::Tensor<T>& b) { return tg::fn(a, b); }
    const std::pair<G, F> cases[] = {
        {TG_BINARY(add), [](T a, T b) { return T(a + b); }},
        {TG_BINARY(sub), [](T a, T b) { return T(a - b); }},
        {TG_BINARY(mul), [](T a, T b) { return T(a * b); }},
        {TG_BINARY(div), [](T a, T b) { return T(a / b); }},
        {TG_BINARY(maximum), [](T a, T b) { return std::max(a, b); }},
        {TG_BINARY(minimum), [](T a, T b) { return std::min(a, b); }},
        {TG_BINARY(greater), [](T a, T b) { return double(a > b); }},
        {TG_BINARY(less), [](T a, T b) { return double(a < b); }},
        {TG_BINARY(equal), [](T a, T b) { return double(a == b); }},
        {TG_BINARY(greater_equal), [](T a, T b) { return double(a >= b); }},
    };
#undef TG_BINARY
    auto a = uniform_values<T>({20, 15}, -4, 4, 1), b = uniform_values<T>({20, 15}, 0.5, 4, 2);
    a.set({3, 4}, b.at({3, 4}));  // one tie for equal / greater_equal
    const auto av = a.to_vector(), bv = b.to_vector();
    int k = 0;
    for (const auto& [f, ref] : cases) {
        CAPTURE(k++);
        const auto y = f(a, b).to_vector();
        for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == static_cast<T>(ref(av[i], bv[i])));  // exact
    }
    const auto p = tg::pow(b, a).to_vector();
    for (std::size_t i = 0; i < p.size(); ++i)
        CHECK(close(p[i], std::pow(double(bv[i]), double(av[i])), 10 * fn_tol<T>));
}

TEST_CASE_TEMPLATE("binary functions on transposed operands use the logical element order", T, float, double) {
    const auto a = uniform_values<T>({15, 20}, -4, 4, 3).transpose();  // (20, 15), strided
    const auto b = uniform_values<T>({20, 15}, -4, 4, 4);
    const auto c = uniform_values<T>({15, 20}, 1, 4, 5).transpose();
    const auto s = tg::add(a, b), d = tg::div(b, c), m = tg::mul(a, c);
    REQUIRE(s.shape() == tg::Shape{20, 15});
    for (tg::index_t i = 0; i < 20; ++i)
        for (tg::index_t j = 0; j < 15; ++j) {
            CHECK(s.at({i, j}) == T(a.at({i, j}) + b.at({i, j})));
            CHECK(d.at({i, j}) == T(b.at({i, j}) / c.at({i, j})));
            CHECK(m.at({i, j}) == T(a.at({i, j}) * c.at({i, j})));
        }
}

TEST_CASE_TEMPLATE("a transposed operand broadcast against a 3-D one uses the logical order", T, float, double) {
    const auto a = uniform_values<T>({4, 3}, -2, 2, 40).transpose();  // (3, 4), strided last axis
    const auto b = uniform_values<T>({2, 1, 4}, -2, 2, 41);
    const auto c = tg::mul(b, a);
    REQUIRE(c.shape() == tg::Shape{2, 3, 4});
    for (tg::index_t i = 0; i < 2; ++i)
        for (tg::index_t j = 0; j < 3; ++j)
            for (tg::index_t k = 0; k < 4; ++k) CHECK(c.at({i, j, k}) == T(b.at({i, 0, k}) * a.at({j, k})));
}

TEST_CASE_TEMPLATE("(4,1,3) + (5,1) broadcasts to (4,5,3)", T, float, double) {
    const auto a = uniform_values<T>({4, 1, 3}, -2, 2, 6), b = uniform_values<T>({5, 1}, -2, 2, 7);
    const auto c = a + b, d = b - a;
    REQUIRE(c.shape() == tg::Shape{4, 5, 3});
    REQUIRE(d.shape() == tg::Shape{4, 5, 3});
    for (tg::index_t i = 0; i < 4; ++i)
        for (tg::index_t j = 0; j < 5; ++j)
            for (tg::index_t k = 0; k < 3; ++k) {
                CHECK(c.at({i, j, k}) == T(a.at({i, 0, k}) + b.at({j, 0})));
                CHECK(d.at({i, j, k}) == T(b.at({j, 0}) - a.at({i, 0, k})));
            }
    CHECK_THROWS_WITH_AS(tg::add(a, uniform_values<T>({5, 2}, 0, 1)), doctest::Contains("add"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("scalars broadcast on either side of the operators", T, float, double) {
    const tg::Tensor<T> x{{1, 2}, {4, 8}};
    CHECK((x - T(1)).to_vector() == vals<T>({0, 1, 3, 7}));
    CHECK((T(1) - x).to_vector() == vals<T>({0, -1, -3, -7}));
    CHECK((x / T(2)).to_vector() == vals<T>({0.5, 1, 2, 4}));
    CHECK((T(2) / x).to_vector() == vals<T>({2, 1, 0.5, 0.25}));
    CHECK((T(3) * x + T(1)).to_vector() == vals<T>({4, 7, 13, 25}));
    CHECK(tg::sub(tg::Tensor<T>{10}, x).to_vector() == vals<T>({9, 8, 6, 2}));  // shape [1]
    CHECK(tg::sub(x.transpose(), tg::Tensor<T>::scalar(1)).to_vector() == vals<T>({0, 3, 1, 7}));
    CHECK(tg::pow(x, T(0.5)).to_vector()[3] == doctest::Approx(std::sqrt(8.0)).epsilon(1e-6));
}

TEST_CASE_TEMPLATE("large unary and binary kernels (TBB, odd SIMD tail) equal a scalar loop", T, float, double) {
    const tg::index_t n = 100003;
    const auto x = uniform_values<T>({n}, -5, 5, 8), y = uniform_values<T>({n}, -5, 5, 9);
    const auto xv = x.to_vector(), yv = y.to_vector();
    const auto s = (x * y + x).to_vector(), m = tg::maximum(x, y).to_vector();
    const auto e = tg::exp(x).to_vector(), g = tg::sigmoid(y).to_vector();
    REQUIRE(s.size() == static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < xv.size(); ++i) {
        if (s[i] != T(T(xv[i] * yv[i]) + xv[i]) || m[i] != std::max(xv[i], yv[i])) FAIL_CHECK("at " << i);
        if (!close(e[i], static_cast<T>(std::exp(double(xv[i]))), fn_tol<T>)) FAIL_CHECK("exp at " << i);
        if (!close(g[i], static_cast<T>(1 / (1 + std::exp(-double(yv[i])))), fn_tol<T>))
            FAIL_CHECK("sigmoid at " << i);
    }
    CHECK(s.back() == T(T(xv.back() * yv.back()) + xv.back()));  // the tail element itself
}

TEST_CASE_TEMPLATE("a large broadcast (row path over TBB) equals a scalar loop", T, float, double) {
    const auto a = uniform_values<T>({1001, 101}, -1, 1, 10), row = uniform_values<T>({101}, -1, 1, 11);
    const auto col = uniform_values<T>({1001, 1}, -1, 1, 12);
    const auto c = tg::mul(tg::add(a, row), col);
    REQUIRE(c.shape() == tg::Shape{1001, 101});
    const auto av = a.to_vector(), rv = row.to_vector(), cv = col.to_vector(), out = c.to_vector();
    for (std::size_t i = 0; i < 1001; ++i)
        for (std::size_t j = 0; j < 101; ++j)
            if (out[i * 101 + j] != T(T(av[i * 101 + j] + rv[j]) * cv[i])) FAIL_CHECK("at " << i << "," << j);
}

// A sum's VJP hands on its 0-d cotangent broadcast to the input's shape (every stride 0); the
// kernels read such a view as one value, including when every input is one.
TEST_CASE_TEMPLATE("kernels over views of one broadcast value fill every element", T, float, double) {
    const tg::Tensor<T> one = tg::Tensor<T>::scalar(T(3)).broadcast_to({40, 25});
    const auto x = uniform_values<T>({40, 25}, -1, 1, 13);
    CHECK(tg::neg(one).to_vector() == std::vector<T>(1000, T(-3)));
    CHECK(tg::mul(one, one).to_vector() == std::vector<T>(1000, T(9)));
    CHECK(tg::neg(tg::Tensor<T>::scalar(T(2)).broadcast_to({5})).to_vector() == std::vector<T>(5, T(-2)));
    const auto xv = x.to_vector(), p = tg::mul(x, one).to_vector();
    for (std::size_t i = 0; i < xv.size(); ++i)
        if (p[i] != T(xv[i] * T(3))) FAIL_CHECK("at " << i);
}

TEST_CASE_TEMPLATE("operator+= updates a contiguous tensor in place, broadcasting the right side", T, float,
                   double) {
    auto a = uniform_values<T>({300, 7}, -1, 1, 14);
    const auto b = uniform_values<T>({7}, -1, 1, 15), before = a.clone();
    const T* data = a.data();
    a += b;
    CHECK(a.data() == data);  // the same buffer: nothing reallocated
    CHECK(tg::allclose(a, tg::add(before, b), 0, 0));
    a -= b;
    a *= T(2);
    CHECK(a.data() == data);
    CHECK(tg::allclose(a, tg::add(before, before), 1e-6, 1e-6));
}

// The fused derivative kernels (plain backward; each declared in its op) against the
// differentiable formulas they replace.
template <class Op, class T>
tg::Tensor<T> fused(const tg::Tensor<T>& g, const tg::Tensor<T>& x, const tg::Tensor<T>& y, double p = 0) {
    tg::Attrs a;
    a.scalar = p;
    return tg::ops::fused_vjp<Op, T>(g, x, y, a);
}

TEST_CASE_TEMPLATE("fused derivative kernels equal the op formulas", T, float, double) {
    namespace o = tg::ops;
    const auto x = uniform_values<T>({37, 3}, 0.2, 2, 16), g = uniform_values<T>({37, 3}, -1, 1, 17);
    const auto sig = tg::sigmoid(x), th = tg::tanh(x), sq = tg::sqrt(x);
    const T tol = std::is_same_v<T, float> ? T(2e-6) : T(1e-14);
    auto same = [&](const tg::Tensor<T>& a, const tg::Tensor<T>& b) { return tg::allclose(a, b, tol, tol); };
    CHECK(same(fused<o::Square>(g, x, x), g * (T(2) * x)));
    CHECK(same(fused<o::Sqrt>(g, x, sq), g * (T(0.5) / sq)));
    CHECK(same(fused<o::Log>(g, x, x), g * (T(1) / x)));
    CHECK(same(fused<o::Abs>(g, x - T(1), x), g * tg::sign(x - T(1))));
    CHECK(same(fused<o::Sin>(g, x, x), g * tg::cos(x)));
    CHECK(same(fused<o::Cos>(g, x, x), g * -tg::sin(x)));
    CHECK(same(fused<o::Tanh>(g, x, th), g * (T(1) - th * th)));
    CHECK(same(fused<o::Sigmoid>(g, x, sig), g * (sig * (T(1) - sig))));
    CHECK(same(fused<o::Relu>(g, x - T(1), x), g * tg::step(x - T(1))));
    CHECK(same(fused<o::PowScalar>(g, x, x, 2.5), g * (T(2.5) * tg::pow(x, T(1.5)))));
    const auto b = uniform_values<T>({3}, 0.5, 1.5, 18), y = tg::div(x, b), p = tg::pow(x, b);
    CHECK(same(tg::div_rhs_vjp(g, y, b), -(g * y) / b));
    CHECK(same(tg::pow_lhs_vjp(g, x, b), g * b * tg::pow(x, b - T(1))));
    CHECK(same(tg::pow_rhs_vjp(g, p, x), g * p * tg::log(x)));
    // pow's cotangent for the exponent is 0 (not NaN) where the base is 0
    const tg::Tensor<T> zero{0, 1};
    CHECK(tg::pow_rhs_vjp(tg::Tensor<T>{1, 1}, tg::Tensor<T>{0, 1}, zero).to_vector() == vals<T>({0, 0}));
}

// NumPy's maximum/minimum and PyTorch's maximum/minimum/relu return NaN when either input is NaN,
// as tg::max (the reduction) already does. 37 elements: the SIMD body and the scalar tail.
TEST_CASE_TEMPLATE("maximum, minimum and relu propagate NaN from either operand", T, float, double) {
    const T nan = std::numeric_limits<T>::quiet_NaN();
    auto a = tg::full<T>({37}, T(1)), b = tg::full<T>({37}, T(2));
    for (tg::index_t i : {0, 5, 36}) a.set({i}, nan);  // NaN on the left
    for (tg::index_t i : {1, 6, 35}) b.set({i}, nan);  // NaN on the right
    const auto mx = tg::maximum(a, b).to_vector(), mn = tg::minimum(a, b).to_vector();
    for (std::size_t i : {0, 5, 36, 1, 6, 35}) {
        CAPTURE(i);
        CHECK(std::isnan(mx[i]));
        CHECK(std::isnan(mn[i]));
    }
    CHECK(mx[2] == T(2));
    CHECK(mn[2] == T(1));
    CHECK(std::isnan(tg::relu(a).to_vector()[0]));
    CHECK(std::isnan(tg::relu(a).to_vector()[36]));
}

TEST_CASE_TEMPLATE("sigmoid is exactly 0 and 1 at -1000 and +1000 - exp overflows to inf", T, float, double) {
    const tg::Tensor<T> x{-1000, 1000, 0};
    const auto s = tg::sigmoid(x).to_vector();
    CHECK(s[0] == T(0));
    CHECK(s[1] == T(1));
    CHECK(s[2] == T(0.5));
    const auto e = tg::exp(x).to_vector();
    CHECK(e[0] == T(0));
    CHECK(e[1] == std::numeric_limits<T>::infinity());
    CHECK(e[2] == T(1));
}

TEST_CASE_TEMPLATE("relu, sign and step are 0 at 0", T, float, double) {
    const tg::Tensor<T> x{-2, T(-0.0), 0, 3};
    CHECK(tg::relu(x).to_vector() == vals<T>({0, 0, 0, 3}));
    CHECK(tg::sign(x).to_vector() == vals<T>({-1, 0, 0, 1}));
    CHECK(tg::step(x).to_vector() == vals<T>({0, 0, 0, 1}));
    CHECK(tg::step(tg::Tensor<T>{std::numeric_limits<T>::denorm_min()}).item() == T(1));
}

// ---- reductions ----

TEST_CASE_TEMPLATE("sum over all axes of a 3-D tensor matches a loop", T, float, double) {
    const auto x = uniform_values<T>({3, 4, 5}, -1, 1, 13);
    const auto want = loop_sum3(x, true, true, true);
    CHECK(tg::sum(x).shape() == tg::Shape{});
    CHECK(tg::sum(x, {}, true).shape() == tg::Shape{1, 1, 1});
    CHECK(close(tg::sum(x).item(), want[0], sum_tol<T>, sum_tol<T>));
    CHECK(close(tg::sum(x, {0, 1, 2}).item(), want[0], sum_tol<T>, sum_tol<T>));
    CHECK(close(tg::sum_all(x), want[0], sum_tol<T>, sum_tol<T>));
}

TEST_CASE_TEMPLATE("sum over axis 0 of a 3-D tensor, keepdims on and off, matches a loop", T, float, double) {
    const auto x = uniform_values<T>({3, 4, 5}, -1, 1, 13);
    const auto s = tg::sum(x, {0}), sk = tg::sum(x, {0}, true);
    CHECK(s.shape() == tg::Shape{4, 5});
    CHECK(sk.shape() == tg::Shape{1, 4, 5});
    check_close(s, loop_sum3(x, true, false, false), sum_tol<T>);
    CHECK(sk.to_vector() == s.to_vector());
}

TEST_CASE_TEMPLATE("sum over axis 1 (also as -2) of a 3-D tensor matches a loop", T, float, double) {
    const auto x = uniform_values<T>({3, 4, 5}, -1, 1, 13);
    const auto s = tg::sum(x, {1}), sn = tg::sum(x, {-2}, true);
    CHECK(s.shape() == tg::Shape{3, 5});
    CHECK(sn.shape() == tg::Shape{3, 1, 5});
    check_close(s, loop_sum3(x, false, true, false), sum_tol<T>);
    CHECK(sn.to_vector() == s.to_vector());
}

TEST_CASE_TEMPLATE("sum over axes {0,2} of a 3-D tensor, keepdims on and off, matches a loop", T, float,
                   double) {
    const auto x = uniform_values<T>({3, 4, 5}, -1, 1, 13);
    const auto s = tg::sum(x, {2, 0}), sk = tg::sum(x, {0, -1}, true);
    CHECK(s.shape() == tg::Shape{4});
    CHECK(sk.shape() == tg::Shape{1, 4, 1});
    check_close(s, loop_sum3(x, true, false, true), sum_tol<T>);
    CHECK(sk.to_vector() == s.to_vector());
}

TEST_CASE_TEMPLATE("sum of a transposed view matches a loop over the logical order", T, float, double) {
    const auto x = uniform_values<T>({4, 5, 3}, -1, 1, 14);
    const auto p = x.permute({0, 2, 1});  // (4, 3, 5), strided
    check_close(tg::sum(p, {1}), loop_sum3(p.contiguous(), false, true, false), sum_tol<T>);
    check_close(tg::sum(p, {0, 2}), loop_sum3(p.contiguous(), true, false, true), sum_tol<T>);
    check_close(tg::sum(p, {2}), loop_sum3(x, false, true, false), sum_tol<T>);
}

TEST_CASE("sum of 2e7 copies of 0.1f is 2e6 within 1 (double accumulation)") {
    const auto x = tg::full<float>({20000000}, 0.1f);
    CHECK(std::abs(double(tg::sum(x).item()) - 2e6) <= 1.0);
    CHECK(std::abs(tg::sum_all(x) - 2e6) <= 1.0);
    const auto cols = tg::full<float>({5000000, 4}, 0.1f);  // column sums: the (outer, n, inner) path
    const auto s = tg::sum(cols, {0}).to_vector();
    for (float v : s) CHECK(std::abs(double(v) - 5e5) <= 1.0);
}

TEST_CASE_TEMPLATE("sum over an empty axis is 0, mean over one throws ShapeError", T, float, double) {
    const auto x = tg::zeros<T>({3, 0});
    CHECK(tg::sum(x, {1}).to_vector() == vals<T>({0, 0, 0}));
    CHECK(tg::sum(x, {0}).shape() == tg::Shape{0});
    CHECK_THROWS_WITH_AS(tg::mean(x, {1}), doctest::Contains("mean"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::mean(x), doctest::Contains("mean"), tg::ShapeError);
    const tg::Tensor<T> y{{1, 2, 3}, {4, 5, 9}};
    const auto m = tg::mean(y, {1}).to_vector();
    CHECK(m[0] == doctest::Approx(2.0));
    CHECK(m[1] == doctest::Approx(6.0));
    CHECK(tg::mean(y).item() == doctest::Approx(4.0));
    CHECK(tg::mean(y, {0}, true).shape() == tg::Shape{1, 3});
}

TEST_CASE_TEMPLATE("sum rejects bad and repeated axes with ShapeError", T, float, double) {
    const auto x = tg::zeros<T>({2, 3});
    CHECK_THROWS_WITH_AS(tg::sum(x, {2}), doctest::Contains("sum"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::sum(x, {-3}), doctest::Contains("sum"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::sum(x, {1, -1}), doctest::Contains("sum"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("max and argmax along each axis match loops", T, float, double) {
    const tg::Tensor<T> x{{3, -1, 7, 2}, {5, 8, -2, 2}, {0, 4, 6, 9}};
    CHECK(tg::max(x, 0).to_vector() == vals<T>({5, 8, 7, 9}));
    CHECK(tg::max(x, 1).to_vector() == vals<T>({7, 8, 9}));
    CHECK(tg::max(x, -1, true).shape() == tg::Shape{3, 1});
    CHECK(tg::argmax(x, 0).to_vector() == vals<T>({1, 1, 0, 2}));
    CHECK(tg::argmax(x, 1).to_vector() == vals<T>({2, 1, 3}));
    CHECK(tg::argmax(x, 0, true).shape() == tg::Shape{1, 4});
    CHECK(tg::max(x.transpose(), 1).to_vector() == vals<T>({5, 8, 7, 9}));
    CHECK_THROWS_WITH_AS(tg::max(x, 2), doctest::Contains("max"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::argmax(x, -3), doctest::Contains("argmax"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::max(tg::zeros<T>({2, 0}), 1), doctest::Contains("max"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("max propagates NaN and argmax points at the first NaN", T, float, double) {
    const T nan = std::numeric_limits<T>::quiet_NaN();
    const tg::Tensor<T> x{{1, nan, 3, nan}, {nan, 5, 2, 0}, {1, 2, 9, 4}};
    const auto m = tg::max(x, 1).to_vector();
    CHECK(std::isnan(m[0]));
    CHECK(std::isnan(m[1]));
    CHECK(m[2] == T(9));
    CHECK(tg::argmax(x, 1).to_vector() == vals<T>({1, 0, 2}));
    const auto m0 = tg::max(x, 0).to_vector();
    CHECK(std::isnan(m0[0]));
    CHECK(std::isnan(m0[1]));
    CHECK(m0[2] == T(9));
    CHECK(std::isnan(m0[3]));
}

TEST_CASE_TEMPLATE("argmax picks the first of tied maxima", T, float, double) {
    const tg::Tensor<T> x{{2, 5, 5, 1}, {7, 7, 7, 7}, {0, 0, 3, 3}};
    CHECK(tg::argmax(x, 1).to_vector() == vals<T>({1, 0, 2}));
    const tg::Tensor<T> y{{1, 4}, {1, 4}, {0, 4}};
    CHECK(tg::argmax(y, 0).to_vector() == vals<T>({0, 0}));
    CHECK(tg::max(x, 1).to_vector() == vals<T>({5, 7, 3}));
}

TEST_CASE_TEMPLATE("argmax_mask is one-hot at the first maximum", T, float, double) {
    const tg::Tensor<T> x{{2, 5, 5, 1}, {7, 7, 7, 7}, {0, -1, 3, 2}};
    const auto m1 = tg::argmax_mask(x, 1), m0 = tg::argmax_mask(x, 0);
    CHECK(m1.shape() == x.shape());
    CHECK(m1.to_vector() == vals<T>({0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0}));
    CHECK(m0.to_vector() == vals<T>({0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}));
    CHECK(tg::sum(m1, {1}).to_vector() == vals<T>({1, 1, 1}));
    CHECK(tg::argmax_mask(x.transpose(), 0).to_vector() == m1.transpose().contiguous().to_vector());
}

TEST_CASE_TEMPLATE("sum_to reduces (2,3,4) to (3,1) like a loop", T, float, double) {
    const auto x = uniform_values<T>({2, 3, 4}, -1, 1, 15);
    const auto s = tg::sum_to(x, {3, 1});
    REQUIRE(s.shape() == tg::Shape{3, 1});
    check_close(s, loop_sum3(x, true, false, true), sum_tol<T>);
    check_close(tg::sum_to(x, {3, 4}), loop_sum3(x, true, false, false), sum_tol<T>);
    check_close(tg::sum_to(x, {2, 1, 4}), loop_sum3(x, false, true, false), sum_tol<T>);
    CHECK(close(tg::sum_to(x, {}).item(), loop_sum3(x, true, true, true)[0], sum_tol<T>, sum_tol<T>));
    CHECK(tg::sum_to(x, {2, 3, 4}).to_vector() == x.to_vector());
}

TEST_CASE("sum_to rejects shapes x does not broadcast from, with ShapeError") {
    const auto x = tg::zeros<double>({2, 3, 4});
    CHECK_THROWS_WITH_AS(tg::sum_to(x, {2, 4}), doctest::Contains("sum_to"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::sum_to(x, {3, 2}), doctest::Contains("sum_to"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::sum_to(x, {1, 2, 3, 4}), doctest::Contains("sum_to"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::sum_to(x, {5}), doctest::Contains("sum_to"), tg::ShapeError);
}

// ---- matmul ----

TEST_CASE_TEMPLATE("2-D matmul matches a naive triple loop", T, float, double) {
    const auto a = uniform_values<T>({7, 5}, -1, 1, 16), b = uniform_values<T>({5, 9}, -1, 1, 17);
    check_matmul_2d(a, b, tg::matmul(a, b));
    const auto c = uniform_values<T>({33, 65}, -1, 1, 18), d = uniform_values<T>({65, 31}, -1, 1, 19);
    check_matmul_2d(c, d, tg::matmul(c, d));
    const auto e = uniform_values<T>({1, 4}, -1, 1, 20), f = uniform_values<T>({4, 1}, -1, 1, 21);
    check_matmul_2d(e, f, tg::matmul(e, f));
    check_matmul_2d(f, e, tg::matmul(f, e));
}

TEST_CASE_TEMPLATE("matmul of transposed and strided views gives the right values", T, float, double) {
    const auto a = uniform_values<T>({5, 7}, -1, 1, 22).transpose();  // (7, 5)
    const auto b = uniform_values<T>({9, 5}, -1, 1, 23).transpose();  // (5, 9)
    check_matmul_2d(a, b, tg::matmul(a, b));
    const auto c = uniform_values<T>({7, 10}, -1, 1, 24).slice(1, 0, 10, 2);  // (7, 5), column step 2
    check_matmul_2d(c, b, tg::matmul(c, b));
    const auto col = uniform_values<T>({1, 5}, -1, 1, 25).transpose();  // (5, 1)
    check_matmul_2d(a, col, tg::matmul(a, col));
    const auto bc = uniform_values<T>({5}, -1, 1, 26).broadcast_to({7, 5});  // stride-0 rows
    check_matmul_2d(bc, b, tg::matmul(bc, b));
}

// Matrix-vector products go to gemv: every layout of the matrix (plain, transposed, a strided
// slice) against every layout of the vector (column, row, transposed row, strided), both sides.
TEST_CASE_TEMPLATE("matrix-vector products in every operand layout match the loop", T, float, double) {
    const auto big = uniform_values<T>({9, 14}, -1, 1, 21), vbig = uniform_values<T>({2, 14}, -1, 1, 22);
    const tg::Tensor<T> plain = big.slice(1, 0, 7).contiguous();                // 9 x 7
    const tg::Tensor<T> strided = big.slice(1, 0, 14, 2);                       // 9 x 7, column stride 2
    const tg::Tensor<T> trans = big.slice(0, 0, 7).slice(1, 0, 9).transpose();  // 9 x 7, a transposed view
    const tg::Tensor<T> col = vbig.slice(1, 0, 7).transpose().slice(1, 0, 1);   // 7 x 1, row stride 1
    const tg::Tensor<T> col_strided = vbig.slice(0, 0, 1).slice(1, 0, 14, 2).transpose();  // 7 x 1, stride 2
    const tg::Tensor<T> row = vbig.slice(0, 1, 2).slice(1, 0, 9);                          // 1 x 9
    const tg::Tensor<T> row_t = big.slice(1, 3, 4).transpose();  // 1 x 9 read down a column (stride 14)
    for (const auto* a : {&plain, &strided, &trans}) {
        for (const auto* x : {&col, &col_strided}) check_matmul_2d(*a, *x, tg::matmul(*a, *x));
        for (const auto* y : {&row, &row_t}) check_matmul_2d(*y, *a, tg::matmul(*y, *a));
        const tg::Tensor<T> v = col.reshape({7}), w = row.reshape({9});  // 1-D operands
        check_matmul_2d(*a, col, tg::matmul(*a, v).reshape({9, 1}));
        check_matmul_2d(row, *a, tg::matmul(w, *a).reshape({1, 7}));
    }
}

TEST_CASE_TEMPLATE("outer products (inner dimension 1) in every operand layout match the loop", T, float,
                   double) {
    const auto big = uniform_values<T>({6, 11}, -1, 1, 23);
    const tg::Tensor<T> col = big.slice(1, 2, 3),
                        col_t = big.slice(0, 1, 2).slice(1, 0, 6).transpose();             // 6 x 1
    const tg::Tensor<T> row = big.slice(0, 4, 5), row_t = big.slice(1, 5, 6).transpose();  // 1 x 11, 1 x 6
    const tg::Tensor<T> row_s = big.slice(0, 0, 1).slice(1, 0, 11, 2);                     // 1 x 6, stride 2
    for (const auto* u : {&col, &col_t}) {
        check_matmul_2d(*u, row, tg::matmul(*u, row));
        check_matmul_2d(*u, row_t, tg::matmul(*u, row_t));
        check_matmul_2d(*u, row_s, tg::matmul(*u, row_s));
    }
}

TEST_CASE_TEMPLATE("batched matmul (2,3,4) @ (4,5) is one product per batch", T, float, double) {
    const auto a = uniform_values<T>({2, 3, 4}, -1, 1, 27), b = uniform_values<T>({4, 5}, -1, 1, 28);
    const auto c = tg::matmul(a, b);
    REQUIRE(c.shape() == tg::Shape{2, 3, 5});
    for (tg::index_t i = 0; i < 2; ++i) check_matmul_2d(matrix_at(a, {i}), b, matrix_at(c, {i}));
    const auto at = uniform_values<T>({2, 4, 3}, -1, 1, 29).transpose(-2, -1);  // (2,3,4) strided
    const auto ct = tg::matmul(at, b);
    for (tg::index_t i = 0; i < 2; ++i)
        check_matmul_2d(matrix_at(at, {i}).contiguous(), b, matrix_at(ct, {i}));
}

TEST_CASE_TEMPLATE("batched matmul reads permuted and sliced batch operands", T, float, double) {
    const auto a = uniform_values<T>({3, 2, 4}, -1, 1, 42).permute({1, 0, 2});             // (2,3,4)
    const auto b = uniform_values<T>({6, 5, 4}, -1, 1, 43).slice(0, 1, 6, 3).transpose();  // (2,4,5)
    const auto c = tg::matmul(a, b);
    REQUIRE(c.shape() == tg::Shape{2, 3, 5});
    for (tg::index_t i = 0; i < 2; ++i)
        check_matmul_2d(matrix_at(a, {i}), matrix_at(b, {i}), matrix_at(c, {i}));
}

TEST_CASE_TEMPLATE("matmul broadcasts batch axes: (2,1,3,4) @ (5,4,2) -> (2,5,3,2)", T, float, double) {
    const auto a = uniform_values<T>({2, 1, 3, 4}, -1, 1, 30), b = uniform_values<T>({5, 4, 2}, -1, 1, 31);
    const auto c = tg::matmul(a, b);
    REQUIRE(c.shape() == tg::Shape{2, 5, 3, 2});
    for (tg::index_t i = 0; i < 2; ++i)
        for (tg::index_t j = 0; j < 5; ++j) {
            CAPTURE(i);
            CAPTURE(j);
            check_matmul_2d(matrix_at(a, {i, 0}), matrix_at(b, {j}), matrix_at(c, {i, j}));
        }
}

TEST_CASE_TEMPLATE("matmul promotes 1-D operands as NumPy does", T, float, double) {
    const auto v = uniform_values<T>({3}, -1, 1, 32), m = uniform_values<T>({3, 4}, -1, 1, 33);
    const auto w = uniform_values<T>({4}, -1, 1, 34);
    const auto vm = tg::matmul(v, m), mw = tg::matmul(m, w), vv = tg::matmul(v, v);
    CHECK(vm.shape() == tg::Shape{4});
    CHECK(mw.shape() == tg::Shape{3});
    CHECK(vv.shape() == tg::Shape{});
    check_matmul_2d(v.reshape({1, 3}), m, vm.reshape({1, 4}));
    check_matmul_2d(m, w.reshape({4, 1}), mw.reshape({3, 1}));
    check_matmul_2d(v.reshape({1, 3}), v.reshape({3, 1}), vv.reshape({1, 1}));
    const auto batch = uniform_values<T>({2, 3, 4}, -1, 1, 35);
    const auto bv = tg::matmul(v, batch), bw = tg::matmul(batch, w);
    REQUIRE(bv.shape() == tg::Shape{2, 4});
    REQUIRE(bw.shape() == tg::Shape{2, 3});
    for (tg::index_t i = 0; i < 2; ++i) {
        check_matmul_2d(v.reshape({1, 3}), matrix_at(batch, {i}), matrix_at(bv, {i}).reshape({1, 4}));
        check_matmul_2d(matrix_at(batch, {i}), w.reshape({4, 1}), matrix_at(bw, {i}).reshape({3, 1}));
    }
}

TEST_CASE_TEMPLATE("matmul with an empty inner dimension gives zeros", T, float, double) {
    const auto c = tg::matmul(tg::zeros<T>({3, 0}), tg::zeros<T>({0, 4}));
    CHECK(c.shape() == tg::Shape{3, 4});
    CHECK(c.to_vector() == std::vector<T>(12, T(0)));
    CHECK(tg::matmul(tg::zeros<T>({2, 3, 0}), tg::zeros<T>({0, 2})).to_vector() == std::vector<T>(12, T(0)));
    CHECK(tg::matmul(tg::zeros<T>({0}), tg::zeros<T>({0})).item() == T(0));
    CHECK(tg::matmul(tg::zeros<T>({0, 3}), tg::zeros<T>({3, 4})).shape() == tg::Shape{0, 4});
}

TEST_CASE("matmul names the op and both shapes when inner dimensions differ") {
    const auto a = tg::zeros<float>({32, 784}), b = tg::zeros<float>({256, 10});
    CHECK_THROWS_WITH_AS(tg::matmul(a, b), "matmul: inner dimensions differ: [32,784] @ [256,10]",
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::matmul(tg::zeros<double>({3}), tg::zeros<double>({4})),
                         doctest::Contains("matmul"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::matmul(tg::zeros<double>({2, 3, 4}), tg::zeros<double>({3, 4, 5})),
                         doctest::Contains("matmul"), tg::ShapeError);  // batch 2 vs 3
    CHECK_THROWS_WITH_AS(tg::matmul(tg::Tensor<double>::scalar(1), tg::zeros<double>({1})),
                         doctest::Contains("matmul"), tg::ShapeError);
}

TEST_CASE_TEMPLATE("matmul_into writes a @ b and rejects a wrong output", T, float, double) {
    const auto a = uniform_values<T>({4, 6}, -1, 1, 36), b = uniform_values<T>({3, 6}, -1, 1, 37).transpose();
    auto out = tg::full<T>({4, 3}, T(99));
    tg::matmul_into(a, b, out);
    check_matmul_2d(a, b, out);
    auto wrong = tg::zeros<T>({3, 4});
    CHECK_THROWS_WITH_AS(tg::matmul_into(a, b, wrong), doctest::Contains("matmul_into"), tg::ShapeError);
    auto strided = tg::zeros<T>({3, 4}).transpose();  // right shape, not contiguous
    CHECK_THROWS_WITH_AS(tg::matmul_into(a, b, strided), doctest::Contains("matmul_into"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::matmul_into(a, a, out), doctest::Contains("matmul"), tg::ShapeError);
}
