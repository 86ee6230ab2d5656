// The shape_index family: shape ops, indexing with integer data, reductions and scans, norms,
// einsum and the several-input vjp. Values against closed forms or reference numbers from
// PyTorch 1.13 / NumPy 1.24 (Debian's /usr/bin/python3; each block says how they were made);
// derivatives of compositions through tg::gradcheck; bad input through the error types.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <tensorgrad/tensorgrad.hpp>

using tg::IndexArray;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

Tensor<double> T1(std::vector<double> v) { return Tensor<double>::from_vector(v); }
Tensor<double> T2(std::vector<double> v, Shape s) { return Tensor<double>::from_vector(v, s); }
bool same(const Tensor<double>& a, const Tensor<double>& b, double tol = 1e-14) {
    return tg::allclose(a, b, tol, tol);
}
// Gradient of sum(w * f(x)) for a fixed w (so every element has its own weight).
template <class F>
Tensor<double> weighted_grad(F f, const Tensor<double>& x, const Tensor<double>& w) {
    Var<double> v(x, true);
    tg::sum(f(v) * Var<double>(w)).backward();
    return v.grad();
}
tg::GradcheckReport check(const tg::GradFn& f, const std::vector<Tensor<double>>& xs) {
    tg::GradcheckOptions o;
    o.forward = true;
    return tg::gradcheck(f, xs, o);
}

}  // namespace

// ---- shape -------------------------------------------------------------------------------------

TEST_CASE("concat of one to five inputs along any axis, gradient split back") {
    std::vector<Var<double>> xs;
    std::vector<double> all;
    for (int n = 1; n <= 5; ++n) {
        std::vector<double> v;
        for (int i = 0; i < 2 * n; ++i) v.push_back(10 * n + i);
        xs.emplace_back(T2(v, {2, n}), true);
        const Var<double> y = tg::concat(xs, 1);
        CHECK(y.shape() == Shape{2, n * (n + 1) / 2});
        CHECK(y.value().at({1, n * (n + 1) / 2 - 1}) == 10 * n + 2 * n - 1);
    }
    // Five inputs are a balanced tree of four binary nodes; each input gets its own slice back.
    const auto report = check([](const std::vector<Var<double>>& v) { return tg::concat(v, -1); },
                              {T2({1, 2}, {2, 1}), T2({3, 4, 5, 6}, {2, 2}), T2({7, 8}, {2, 1}),
                               T2({9, 10, 11, 12, 13, 14}, {2, 3}), T2({15, 16}, {2, 1})});
    CHECK_MESSAGE(report.ok, report.str());
    tg::TapeScope<double> scope;
    (void)tg::concat(xs, 1);
    CHECK(tg::tape_size<double>() == 4);
}

TEST_CASE("concat and stack refuse mismatched shapes, naming them") {
    const Var<double> a(Tensor<double>(Shape{2, 3})), b(Tensor<double>(Shape{2, 4}));
    CHECK_THROWS_WITH_AS(tg::concat({a, b}, 0),
                         doctest::Contains("concat: shapes [2,3] and [2,4] differ outside axis 0"),
                         tg::ShapeError);
    CHECK_NOTHROW(tg::concat({a, b}, 1));
    CHECK_THROWS_AS(tg::concat(std::vector<Var<double>>{}, 0), tg::ShapeError);
    CHECK_THROWS_AS(tg::concat({Var<double>(1.0), Var<double>(2.0)}, 0), tg::ShapeError);
    CHECK_THROWS_AS(tg::concat({a, b}, 2), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::stack({a, b}), doctest::Contains("[2,3], [2,4]"), tg::ShapeError);
}

TEST_CASE("stack, split, squeeze, unsqueeze and flatten") {
    const Var<double> a(T1({1, 2, 3})), b(T1({4, 5, 6}));
    CHECK(same(tg::stack({a, b}).value(), T2({1, 2, 3, 4, 5, 6}, {2, 3})));
    CHECK(same(tg::stack({a, b}, -1).value(), T2({1, 4, 2, 5, 3, 6}, {3, 2})));
    const Var<double> x(T2({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {5, 2}));
    const auto parts = tg::split(x, 2);
    REQUIRE(parts.size() == 3);
    CHECK(same(parts[2].value(), T2({8, 9}, {1, 2})));
    const auto uneven = tg::split(x, {1, 4}, 0);
    CHECK(uneven[1].shape() == Shape{4, 2});
    CHECK_THROWS_WITH_AS(tg::split(x, {1, 3}, 0), doctest::Contains("add up to 4"), tg::ShapeError);
    CHECK_THROWS_AS(tg::split(x, 0), tg::ShapeError);
    const Var<double> c(Tensor<double>(Shape{1, 3, 1, 2}));
    CHECK(tg::squeeze(c).shape() == Shape{3, 2});
    CHECK(tg::squeeze(c, -2).shape() == Shape{1, 3, 2});
    CHECK_THROWS_WITH_AS(tg::squeeze(c, 1), doctest::Contains("has size 3, not 1"), tg::ShapeError);
    CHECK(tg::unsqueeze(c, 4).shape() == Shape{1, 3, 1, 2, 1});
    CHECK(tg::unsqueeze(c, -1).shape() == Shape{1, 3, 1, 2, 1});
    CHECK_THROWS_AS(tg::unsqueeze(c, 5), tg::ShapeError);
    const Var<double> d(Tensor<double>(Shape{2, 3, 4, 5}));
    CHECK(tg::flatten(d).shape() == Shape{120});
    CHECK(tg::flatten(d, 1, 2).shape() == Shape{2, 12, 5});
    CHECK(tg::flatten(d, -2).shape() == Shape{2, 3, 20});
    CHECK(tg::flatten(Var<double>(2.0)).shape() == Shape{1});
    CHECK_THROWS_AS(tg::flatten(d, 2, 1), tg::ShapeError);
    const auto report = check(
        [](const std::vector<Var<double>>& v) {
            const auto p = tg::split(v[0], 2, 1);
            return tg::stack({p[0] * p[1], tg::squeeze(tg::unsqueeze(p[1], 0))}, 1);
        },
        {T2({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4})});
    CHECK_MESSAGE(report.ok, report.str());
}

TEST_CASE("transpose of two axes and slices with steps and negative bounds (existing ops)") {
    const Var<double> x(T2({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2}));
    const Var<double> t = tg::transpose(x, 0, 2);
    CHECK(t.shape() == Shape{2, 3, 2});
    CHECK(t.value().at({1, 2, 0}) == x.value().at({0, 2, 1}));
    const Var<double> r(T1({0, 1, 2, 3, 4, 5, 6}));
    CHECK(same(tg::slice(r, 0, -5, -1, 2).value(), T1({2, 4})));
    CHECK(same(tg::slice(r, 0, -100, 100, 3).value(), T1({0, 3, 6})));
    CHECK(tg::slice(r, 0, 5, 2).numel() == 0);
    CHECK_THROWS_AS(tg::slice(r, 0, 0, 3, 0), tg::IndexError);
    CHECK_THROWS_AS(tg::slice(r, 0, 3, 0, -1), tg::IndexError);  // negative steps: use flip
    CHECK_THROWS_AS(tg::slice(r, 1, 0, 3), tg::ShapeError);
}

TEST_CASE("pad, constant and reflect") {
    const Tensor<double> x = T2({1, 2, 3, 4, 5, 6}, {2, 3});
    // torch.nn.functional.pad(x[None], (2, 1), mode='reflect')[0] and its gradient for w = 1..12
    const Tensor<double> w = tg::arange<double>(1, 13).reshape({2, 6});
    auto reflect = [](const Var<double>& v) { return tg::pad(v, {0, 0, 2, 1}, tg::PadMode::reflect); };
    CHECK(same(reflect(Var<double>(x)).value(), T2({3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}, {2, 6})));
    CHECK(same(weighted_grad(reflect, x, w), T2({3, 12, 6, 9, 30, 18}, {2, 3})));
    // np.pad(x, ((1, 1), (2, 1)), mode='reflect')
    CHECK(same(tg::pad(Var<double>(x), {1, 1, 2, 1}, tg::PadMode::reflect).value(),
               T2({6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2}, {4, 6})));
    const Var<double> c = tg::pad(Var<double>(x), {1, 0, 0, 2}, tg::PadMode::constant, -1.5);
    CHECK(same(c.value(), T2({-1.5, -1.5, -1.5, -1.5, -1.5, 1, 2, 3, -1.5, -1.5, 4, 5, 6, -1.5, -1.5}, {3, 5})));
    const auto report = check(
        [](const std::vector<Var<double>>& v) {
            return tg::pad(tg::pad(v[0], {1, 2, 0, 1}, tg::PadMode::constant, 0.5), {2, 1, 1, 2},
                           tg::PadMode::reflect);
        },
        {x});
    CHECK_MESSAGE(report.ok, report.str());
    CHECK_THROWS_WITH_AS(tg::pad(Var<double>(x), {0, 0, 3, 0}, tg::PadMode::reflect),
                         doctest::Contains("less than the size 3"), tg::ShapeError);
    CHECK_THROWS_AS(tg::pad(Var<double>(x), {0, 0, 1}), tg::ShapeError);
    CHECK_THROWS_AS(tg::pad(Var<double>(x), {0, 0, -1, 0}), tg::ShapeError);
}

TEST_CASE("tile / repeat and flip") {
    const Tensor<double> x = T2({1, 2, 3, 4}, {2, 2});
    CHECK(same(tg::tile(Var<double>(x), {2, 1}).value(), T2({1, 2, 3, 4, 1, 2, 3, 4}, {4, 2})));
    CHECK(same(tg::repeat(Var<double>(x), {1, 2}).value(), T2({1, 2, 1, 2, 3, 4, 3, 4}, {2, 4})));
    CHECK(tg::tile(Var<double>(x), {3, 1, 2}).shape() == Shape{3, 2, 4});
    CHECK(same(tg::tile(Var<double>(T1({1, 2})), {2, 2}).value(), T2({1, 2, 1, 2, 1, 2, 1, 2}, {2, 4})));
    CHECK_THROWS_AS(tg::tile(Var<double>(x), {-1, 1}), tg::ShapeError);
    // Each element appears 6 times in tile(x, {2, 3}): its gradient is the sum of its copies' weights.
    const Tensor<double> w = tg::arange<double>(0, 24).reshape({4, 6});
    const Tensor<double> g = weighted_grad([](const Var<double>& v) { return tg::tile(v, {2, 3}); }, x, w);
    CHECK(g.at({0, 0}) == 0 + 2 + 4 + 12 + 14 + 16);
    CHECK(same(tg::flip(Var<double>(x), {0, 1}).value(), T2({4, 3, 2, 1}, {2, 2})));
    CHECK(same(tg::flip(Var<double>(x), {-1}).value(), tg::flip(x, {1})));
    CHECK_THROWS_AS(tg::flip(Var<double>(x), {1, -1}), tg::ShapeError);
    const auto report = check(
        [](const std::vector<Var<double>>& v) {
            return tg::flip(tg::tile(v[0], {1, 2}), {1}) * tg::tile(v[0], {1, 2});
        },
        {x});
    CHECK_MESSAGE(report.ok, report.str());
}

// ---- indexing ----------------------------------------------------------------------------------

TEST_CASE("index_select: repeated indices accumulate their gradient") {
    const Tensor<double> x = tg::arange<double>(0, 15).reshape({5, 3});
    const std::vector<tg::index_t> idx{4, 0, 2, 2, 4, 4};
    const Var<double> y = tg::index_select(Var<double>(x), 0, idx);
    CHECK(same(y.value(), T2({12, 13, 14, 0, 1, 2, 6, 7, 8, 6, 7, 8, 12, 13, 14, 12, 13, 14}, {6, 3})));
    const Tensor<double> g = weighted_grad([&](const Var<double>& v) { return tg::index_select(v, 0, idx); },
                                           x, tg::ones<double>({6, 3}));
    CHECK(same(g, T2({1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0, 3, 3, 3}, {5, 3})));
    CHECK_THROWS_WITH_AS(tg::index_select(Var<double>(x), 0, {1, 5}),
                         doctest::Contains("index_select: index 5 is out of range for axis 0 of size 5"),
                         tg::IndexError);
    CHECK_THROWS_AS(tg::index_select(Var<double>(x), 1, {-1}), tg::IndexError);
}

TEST_CASE("embedding: indices of any shape, the gradient of a repeated row is the sum of its uses") {
    const Tensor<double> weight = tg::arange<double>(0, 12).reshape({4, 3});
    const IndexArray idx{{2, 3}, {1, 3, 1, 1, 0, 3}};
    const Var<double> e = tg::embedding(Var<double>(weight), idx);
    CHECK(e.shape() == Shape{2, 3, 3});
    CHECK(e.value().at({1, 2, 2}) == 11);
    CHECK(e.value().at({1, 0, 0}) == 3);
    const Tensor<double> w = tg::arange<double>(1, 19).reshape({2, 3, 3});
    const Tensor<double> g = weighted_grad([&](const Var<double>& v) { return tg::embedding(v, idx); },
                                           weight, w);
    // Independent: row r's gradient is the sum of w[i, j, :] over the positions where idx == r.
    for (tg::index_t r = 0; r < 4; ++r)
        for (tg::index_t d = 0; d < 3; ++d) {
            double want = 0;
            for (tg::index_t k = 0; k < 6; ++k)
                if (idx.data[static_cast<std::size_t>(k)] == r) want += w.at({k / 3, k % 3, d});
            CHECK(g.at({r, d}) == want);
        }
    CHECK(g.at({1, 0}) == 1 + 7 + 10);  // row 1 used three times
    CHECK_THROWS_WITH_AS(tg::embedding(Var<double>(weight), IndexArray{{2}, {0, 4}}),
                         doctest::Contains("embedding: index 4 is out of range for a weight of 4 rows"),
                         tg::IndexError);
    CHECK_THROWS_AS(tg::embedding(Var<double>(weight), IndexArray{{3}, {0, 1}}), tg::ShapeError);
    CHECK_THROWS_AS(tg::embedding(Var<double>(T1({1, 2})), IndexArray{{1}, {0}}), tg::ShapeError);
}

TEST_CASE("gather and scatter_add against torch") {
    // torch.gather(x, 1, idx); its gradient for w; base.scatter_add(1, idx, src) (python above)
    const Tensor<double> x = tg::arange<double>(1, 10).reshape({3, 3});
    const IndexArray idx{{3, 2}, {2, 0, 1, 1, 0, 2}};
    CHECK(same(tg::gather(Var<double>(x), 1, idx).value(), T2({3, 1, 5, 5, 7, 9}, {3, 2})));
    const Tensor<double> w = T2({1, 2, 3, 4, 5, 6}, {3, 2});
    const Tensor<double> want = T2({2, 0, 1, 0, 7, 0, 5, 0, 6}, {3, 3});
    CHECK(same(weighted_grad([&](const Var<double>& v) { return tg::gather(v, 1, idx); }, x, w), want));
    CHECK(same(tg::scatter_add(Var<double>(Tensor<double>(Shape{3, 3})), 1, idx, Var<double>(w)).value(), want));
    // torch.ones(3, 3).scatter_add(0, [[2,0,1],[2,2,0]], [[1,2,3],[4,5,6]])
    const Var<double> s = tg::scatter_add(Var<double>(tg::ones<double>({3, 3})), 0,
                                          IndexArray{{2, 3}, {2, 0, 1, 2, 2, 0}},
                                          Var<double>(T2({1, 2, 3, 4, 5, 6}, {2, 3})));
    CHECK(same(s.value(), T2({1, 3, 7, 1, 1, 4, 6, 6, 1}, {3, 3})));
    const auto report = check(
        [&](const std::vector<Var<double>>& v) { return tg::scatter_add(v[0] * v[0], 1, idx, v[1]); }, {x, w});
    CHECK_MESSAGE(report.ok, report.str());
    CHECK_THROWS_WITH_AS(tg::gather(Var<double>(x), 0, IndexArray{{1, 1}, {3}}),
                         doctest::Contains("gather: index 3 is out of range for axis 0 of size 3"),
                         tg::IndexError);
    CHECK_THROWS_AS(tg::gather(Var<double>(x), 0, IndexArray{{4}, {0, 0, 0, 0}}), tg::ShapeError);
    CHECK_THROWS_AS(tg::gather(Var<double>(x), 0, IndexArray{{1, 4}, {0, 0, 0, 0}}), tg::ShapeError);
    CHECK_THROWS_AS(tg::scatter_add(Var<double>(x), 1, idx, Var<double>(x)), tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::scatter_add(Var<double>(x), 1, IndexArray{{1, 1}, {-1}}, Var<double>(T2({1}, {1, 1}))),
        doctest::Contains("index -1 is out of range"), tg::IndexError);
}

// ---- reductions --------------------------------------------------------------------------------

TEST_CASE("var and std with correction, against numpy and torch") {
    const Tensor<double> a = T2({1, 2, 3, 4, 2, -1, 0.5, 7}, {2, 4});
    // np.var(a, ddof=1), np.var(a, axis=1, ddof=1), np.var(a, axis=0), np.std(a, axis=1, ddof=1)
    CHECK(tg::var(Var<double>(a)).item() == doctest::Approx(5.924107142857143).epsilon(1e-15));
    CHECK(same(tg::var(Var<double>(a), {1}).value(), T1({1.6666666666666667, 12.0625})));
    CHECK(same(tg::var(Var<double>(a), {0}, 0).value(), T1({0.25, 2.25, 1.5625, 2.25})));
    CHECK(same(tg::stddev(Var<double>(a), {1}).value(), T1({1.2909944487358056, 3.473110997362451})));
    CHECK(tg::var(Var<double>(a), {1}, 1, true).shape() == Shape{2, 1});
    // torch: (a.std(dim=1) * [1, -2]).sum().backward()
    const Tensor<double> g = weighted_grad([](const Var<double>& v) { return tg::stddev(v, {1}); }, a,
                                           T1({1, -2}));
    CHECK(same(g,
               T2({-0.38729833462074165, -0.12909944487358055, 0.12909944487358055, 0.38729833462074165,
                   0.023993858358289814, 0.5998464589572453, 0.31192015865776757, -0.9357604759733028},
                  {2, 4}),
               1e-14));
    CHECK_THROWS_WITH_AS(tg::var(Var<double>(T1({3})), {}), doctest::Contains("no degrees of freedom"),
                         tg::DomainError);
    CHECK_NOTHROW(tg::var(Var<double>(T1({3})), {}, 0));
}

TEST_CASE("var is stable for a large offset and exact for constant groups; std's gradient there is 0") {
    // E[x^2] - E[x]^2 loses everything here: 1e8 + {1, 2, 3, 4} has variance 5/3.
    CHECK(tg::var(Var<double>(T1({1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4}))).item() ==
          doctest::Approx(5.0 / 3).epsilon(1e-12));
    const Var<float> f(Tensor<float>::from_vector({1e4f + 1, 1e4f + 2, 1e4f + 3, 1e4f + 4}));
    CHECK(tg::var(f).item() == doctest::Approx(5.0 / 3).epsilon(1e-6));
    const Tensor<double> c = tg::full<double>({2, 3}, 0.1);
    CHECK(tg::var(Var<double>(c), {1}).value().to_vector() == std::vector<double>{0, 0});
    const Tensor<double> g = weighted_grad([](const Var<double>& v) { return tg::stddev(v, {1}); }, c,
                                           T1({1, 1}));
    CHECK(g.to_vector() == std::vector<double>(6, 0.0));
}

TEST_CASE("prod with one and two zeros: exact gradients, no division") {
    auto grad_of = [](const Tensor<double>& x) {
        return weighted_grad([](const Var<double>& v) { return tg::prod(v); }, x, Tensor<double>::scalar(1));
    };
    CHECK(tg::prod(Var<double>(T1({2, -3, 4}))).item() == -24);
    CHECK(same(grad_of(T1({2, 0, 3, 4})), T1({0, 24, 0, 0})));
    CHECK(same(grad_of(T1({2, 0, 3, 0})), T1({0, 0, 0, 0})));
    CHECK(same(grad_of(T1({1e-200, 1e200, 1e-200, 1e200})), T1({1e200, 1e-200, 1e200, 1e-200}), 1e-13));
    // Second derivatives at a zero: d2/dx0 dx1 of x0 x1 x2 x3 at x1 = 0 is x2 x3 = 12.
    const Tensor<double> h = tg::hessian([](const Var<double>& v) { return tg::prod(v); }, T1({2, 0, 3, 4}));
    CHECK(same(h, T2({0, 12, 0, 0, 12, 0, 8, 6, 0, 8, 0, 0, 0, 6, 0, 0}, {4, 4})));
    const Tensor<double> h2 = tg::hessian([](const Var<double>& v) { return tg::prod(v); }, T1({2, 0, 3, 0}));
    CHECK(same(h2, T2({0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 6, 0, 0}, {4, 4})));
    CHECK(tg::prod(Var<double>(Tensor<double>(Shape{2, 0})), {1}).value().to_vector() ==
          std::vector<double>{1, 1});
}

TEST_CASE("cumsum and cumprod, with zeros and without underflow in the gradient") {
    const Tensor<double> x = T2({1, 2, 3, 4, 5, 6}, {2, 3});
    CHECK(same(tg::cumsum(Var<double>(x), 1).value(), T2({1, 3, 6, 4, 9, 15}, {2, 3})));
    CHECK(same(tg::cumsum(Var<double>(x), 0, true).value(), T2({5, 7, 9, 4, 5, 6}, {2, 3})));
    CHECK(same(tg::cumprod(Var<double>(x), -1).value(), T2({1, 2, 6, 4, 20, 120}, {2, 3})));
    auto grad_of = [](const Tensor<double>& v) {
        return weighted_grad([](const Var<double>& u) { return tg::cumprod(u, 0); }, v,
                             tg::ones<double>(v.shape()));
    };
    // d/dx sum(cumprod(x)) for x = (2, 0, 3): (1 + x1 + x1 x2, x0 + x0 x2, x0 x1) = (1, 8, 0)
    CHECK(same(grad_of(T1({2, 0, 3})), T1({1, 8, 0})));
    CHECK(same(grad_of(T1({0, 2, 0, 3})), T1({1 + 2, 0, 0, 0})));
    // y = (1e-200, 0 (underflow), 0): a rule dividing y by x would lose x1's and x0's gradients.
    CHECK(same(grad_of(T1({1e-200, 1e-200, 1e200})), T1({2, 1, 0}), 1e-15));
    const Tensor<double> h = tg::hessian([](const Var<double>& v) { return tg::sum(tg::cumprod(v, 0)); },
                                         T1({2, 0, 3}));
    // sum = x0 + x0 x1 + x0 x1 x2: H = [[0, 1 + x2, x1], [1 + x2, 0, x0], [x1, x0, 0]]
    CHECK(same(h, T2({0, 4, 0, 4, 0, 2, 0, 2, 0}, {3, 3})));
}

TEST_CASE("max and min over all elements and along axes; ties; argmax and argmin") {
    const Tensor<double> x = T2({1, 3, 3, 2, -4, 0, -4, 1}, {2, 4});
    CHECK(tg::max(Var<double>(x)).item() == 3);
    CHECK(tg::min(Var<double>(x)).item() == -4);
    CHECK(same(tg::amax(Var<double>(x), {1}).value(), T1({3, 1})));
    CHECK(same(tg::amin(Var<double>(x), {0}, true).value(), T2({-4, 0, -4, 1}, {1, 4})));
    CHECK(same(tg::min(Var<double>(x), 1).value(), T1({1, -4})));
    // Ties share the gradient of amax / amin evenly; max(x, axis) and min(x, axis) give it to the first.
    CHECK(same(weighted_grad([](const Var<double>& v) { return tg::max(v); }, x, Tensor<double>::scalar(1)),
               T2({0, 0.5, 0.5, 0, 0, 0, 0, 0}, {2, 4})));
    CHECK(same(weighted_grad([](const Var<double>& v) { return tg::amin(v, {1}); }, x, T1({1, 1})),
               T2({1, 0, 0, 0, 0.5, 0, 0.5, 0}, {2, 4})));
    CHECK(same(weighted_grad([](const Var<double>& v) { return tg::min(v, 1); }, x, T1({1, 1})),
               T2({1, 0, 0, 0, 1, 0, 0, 0}, {2, 4})));
    CHECK(same(tg::argmax(Var<double>(x), 1), T1({1, 3})));
    CHECK(same(tg::argmin(Var<double>(x), 1), T1({0, 0})));
    CHECK(tg::argmax(Var<double>(x)).item() == 1);
    CHECK(tg::argmin(Var<double>(x)).item() == 4);
    CHECK(same(tg::argmin(x, 0, true), T2({1, 1, 1, 1}, {1, 4})));
    CHECK_THROWS_AS(tg::max(Var<double>(Tensor<double>(Shape{0}))), tg::ShapeError);
    CHECK_THROWS_AS(tg::argmin(Var<double>(Tensor<double>(Shape{2, 0})), 1), tg::ShapeError);
}

TEST_CASE("norms: L1, L2, Frobenius, inf; no overflow; gradient 0 at 0") {
    const Tensor<double> x = T2({3, -4, 0, 12}, {2, 2});
    CHECK(tg::norm(Var<double>(x), 1).item() == 19);
    CHECK(tg::norm(Var<double>(x)).item() == doctest::Approx(13).epsilon(1e-15));
    CHECK(tg::frobenius_norm(Var<double>(x)).item() == doctest::Approx(13).epsilon(1e-15));
    CHECK(tg::norm(Var<double>(x), INFINITY).item() == 12);
    CHECK(same(tg::norm(Var<double>(x), 2, {1}).value(), T1({5, 12})));
    CHECK(tg::norm(Var<double>(T1({1e200, 1e200}))).item() == doctest::Approx(std::sqrt(2.0) * 1e200));
    CHECK(tg::norm(Var<double>(T1({1e-200, 1e-200}))).item() == doctest::Approx(std::sqrt(2.0) * 1e-200));
    const Var<float> big(Tensor<float>::from_vector({3e30f, 4e30f}));
    CHECK(tg::norm(big).item() == doctest::Approx(5e30));
    const Tensor<double> g0 = weighted_grad([](const Var<double>& v) { return tg::norm(v); }, T1({0, 0, 0}),
                                            Tensor<double>::scalar(1));
    CHECK(g0.to_vector() == std::vector<double>{0, 0, 0});
    CHECK(same(weighted_grad([](const Var<double>& v) { return tg::norm(v); }, T1({3, -4}),
                             Tensor<double>::scalar(1)),
               T1({0.6, -0.8})));
    CHECK_THROWS_WITH_AS(tg::norm(Var<double>(x), 0.5),
                         doctest::Contains("norm: p must be 0, >= 1 or +-infinity"), tg::DomainError);
    CHECK_THROWS_AS(tg::norm(Var<double>(x), -2), tg::DomainError);
    CHECK_THROWS_AS(tg::norm(Var<double>(x), NAN), tg::DomainError);
    CHECK(tg::norm(Var<double>(x), -INFINITY).item() == 0);
    CHECK(tg::norm(Var<double>(x), 0).item() == 3);  // nonzeros
    CHECK(same(tg::norm(Var<double>(x), 0, {1}).value(), T1({2, 1})));
}

TEST_CASE("norm with a general p: value, gradient, no overflow, zero groups") {
    // (1 + 8 + 27)^(1/3) and d/dx_i = x_i^2 / 36^(2/3)
    const Tensor<double> x = T1({1, -2, 3});
    CHECK(tg::norm(Var<double>(x), 3).item() == doctest::Approx(std::cbrt(36.0)).epsilon(1e-15));
    const double s = std::pow(36.0, 2.0 / 3.0);
    const Tensor<double> g = weighted_grad([](const Var<double>& v) { return tg::norm(v, 3); }, x,
                                           Tensor<double>::scalar(1));
    CHECK(g.to_vector()[0] == doctest::Approx(1 / s).epsilon(1e-14));
    CHECK(g.to_vector()[1] == doctest::Approx(-4 / s).epsilon(1e-14));
    CHECK(g.to_vector()[2] == doctest::Approx(9 / s).epsilon(1e-14));
    // |x|^100 of 1e4 overflows double; the scaled form does not: (2 * 1e400)^(1/100) = 1e4 2^0.01
    CHECK(tg::norm(Var<double>(T1({1e4, -1e4})), 100).item() ==
          doctest::Approx(1e4 * std::pow(2.0, 0.01)).epsilon(1e-14));
    const Var<float> tiny(Tensor<float>::from_vector({3e-30f, 4e-30f}));
    CHECK(tg::norm(tiny, 4).item() == doctest::Approx(std::pow(81.0 + 256.0, 0.25) * 1e-30).epsilon(1e-6));
    // a group of zeros: norm 0, gradient 0 (not NaN); the other group unaffected
    const Tensor<double> z = T2({0, 0, 3, 4}, {2, 2});
    CHECK(same(tg::norm(Var<double>(z), 3, {1}).value(), T1({0, std::cbrt(91.0)})));
    const Tensor<double> gz = weighted_grad([](const Var<double>& v) { return tg::norm(v, 3, {1}); }, z,
                                            T1({1, 1}));
    CHECK(gz.to_vector()[0] == 0);
    CHECK(gz.to_vector()[1] == 0);
    CHECK(gz.to_vector()[2] == doctest::Approx(9 / std::pow(91.0, 2.0 / 3.0)).epsilon(1e-14));
    CHECK_THROWS_AS(tg::frobenius_norm(Var<double>(T1({1}))), tg::ShapeError);
}

TEST_CASE("mean over several axes (existing op)") {
    const Tensor<double> x = tg::arange<double>(0, 24).reshape({2, 3, 4});
    CHECK(same(tg::mean(Var<double>(x), {0, 2}).value(), T1({7.5, 11.5, 15.5})));
    CHECK(tg::mean(Var<double>(x), {-1, 0}, true).shape() == Shape{1, 3, 1});
    CHECK_THROWS_AS(tg::mean(Var<double>(x), {0, 0}), tg::ShapeError);
}

// ---- einsum ------------------------------------------------------------------------------------

namespace {
Tensor<double> ramp(Shape s, double scale, double shift) {
    return tg::add(tg::mul(tg::arange<double>(0, static_cast<double>(s.numel())).reshape(s),
                           Tensor<double>::scalar(scale)),
                   Tensor<double>::scalar(shift));
}
}  // namespace

TEST_CASE("einsum: the common contractions against direct computations") {
    const Tensor<double> A = ramp({2, 3}, 0.5, -1), B = ramp({3, 4}, 0.25, -1), C = ramp({4, 2}, 1, -3.5);
    const Var<double> a(A), b(B), c(C);
    CHECK(same(tg::einsum("ij,jk->ik", {a, b}).value(), tg::matmul(A, B)));
    CHECK(same(tg::einsum("ij,jk", {a, b}).value(), tg::matmul(A, B)));  // implicit output "ik"
    CHECK(same(tg::einsum("ij->ji", {a}).value(), A.transpose().contiguous()));
    // np.einsum('ij,jk,kl->il', A, B, C)
    CHECK(same(tg::einsum("ij,jk,kl->il", {a, b, c}).value(), T2({-4.625, -2.875, 3.25, 11.75}, {2, 2})));
    const Tensor<double> S = ramp({3, 3}, 1, 0);
    CHECK(same(tg::einsum("ii->i", {Var<double>(S)}).value(), T1({0, 4, 8})));
    CHECK(tg::einsum("ii", {Var<double>(S)}).item() == 12);  // trace
    const Tensor<double> u = T1({1, 2, 3}), v = T1({4, -5});
    CHECK(tg::einsum("i,i->", {Var<double>(u), Var<double>(u)}).item() == 14);
    CHECK(same(tg::einsum("i,j->ij", {Var<double>(u), Var<double>(v)}).value(),
               T2({4, -5, 8, -10, 12, -15}, {3, 2})));
    CHECK(same(tg::einsum("ij,ij->ij", {a, a}).value(), tg::mul(A, A)));
    CHECK(same(tg::einsum("ij->", {a}).value(), Tensor<double>::scalar(tg::sum_all(A))));
    const Tensor<double> X = ramp({2, 3, 4}, 0.1, -1), Y = ramp({2, 4, 5}, -0.2, 2);
    CHECK(same(tg::einsum("bij,bjk->bik", {Var<double>(X), Var<double>(Y)}).value(), tg::matmul(X, Y), 1e-13));
    // attention scores: q [b,h,q,d] k [b,h,k,d] -> [b,h,q,k] = q @ k^T
    const Tensor<double> Q = ramp({2, 2, 3, 4}, 0.05, -0.3), K = ramp({2, 2, 5, 4}, -0.03, 0.4);
    CHECK(same(tg::einsum("bhqd,bhkd->bhqk", {Var<double>(Q), Var<double>(K)}).value(),
               tg::matmul(Q, K.transpose()), 1e-13));
    // every element of a batched diagonal-times-sum against a loop
    const Tensor<double> D = ramp({2, 3, 3}, 1, 1);
    const Tensor<double> dv =
        tg::einsum("bii,bj->bij", {Var<double>(D), Var<double>(ramp({2, 4}, 1, 0))}).value();
    CHECK(dv.shape() == Shape{2, 3, 4});
    CHECK(dv.at({1, 2, 3}) == D.at({1, 2, 2}) * 7);
}

TEST_CASE("einsum derivatives through gradcheck, and bad subscripts") {
    const Tensor<double> A = ramp({2, 3}, 0.5, -1), B = ramp({3, 4}, 0.25, -1), C = ramp({4, 2}, 1, -3.5);
    for (const char* spec : {"ij,jk,kl->il", "ij,jk->ki", "ij,kl->ijkl"}) {
        const auto report = check(
            [&](const std::vector<Var<double>>& v) {
                const std::string s(spec);
                if (s == "ij,kl->ijkl") return tg::einsum(s, {v[0], v[2]});
                if (s == "ij,jk->ki") return tg::einsum(s, {v[0], v[1]});
                return tg::einsum(s, v);
            },
            {A, B, C});
        CHECK_MESSAGE(report.ok, spec << ": " << report.str());
    }
    const auto trace = check(
        [](const std::vector<Var<double>>& v) {
            return tg::einsum("bii->b", v) * tg::einsum("bij,bij->", {v[0], v[0]});
        },
        {ramp({2, 3, 3}, 0.3, -1)});
    CHECK_MESSAGE(trace.ok, trace.str());
    const Var<double> a(A), b(B);
    CHECK_THROWS_WITH_AS(tg::einsum("ij,kl->im", {a, b}),
                         doctest::Contains("einsum: subscripts \"ij,kl->im\" for shapes [2,3], [3,4]"),
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::einsum("ij,ik->jk", {a, b}), doctest::Contains("'i' has size 2 and 3"),
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::einsum("ijk,jk->ik", {a, b}), doctest::Contains("3 subscripts 'ijk' for 2 axes"),
                         tg::ShapeError);
    CHECK_THROWS_AS(tg::einsum("ij->ix", {a}), tg::ShapeError);
    CHECK_THROWS_AS(tg::einsum("ij->ii", {a}), tg::ShapeError);
    CHECK_THROWS_AS(tg::einsum("ij,jk->ik", {a}), tg::ShapeError);
    CHECK_THROWS_AS(tg::einsum("...j,jk->k", {a, b}), tg::ShapeError);
}

// ---- vjp of several inputs ---------------------------------------------------------------------

TEST_CASE("vjp of a function of several inputs returns one cotangent per input") {
    auto f = [](const std::vector<Var<double>>& v) { return v[0] * v[1] + tg::sin(v[0]); };
    const Tensor<double> x = T1({0.5, -1}), y = T1({2, 3}), z = T1({7});
    auto [out, pull] = tg::vjp<double>(f, {x, y});
    CHECK(same(out, T1({1 + std::sin(0.5), -3 + std::sin(-1.0)})));
    const auto g = pull(T1({1, -2}));
    REQUIRE(g.size() == 2);
    CHECK(same(g[0], T1({2 + std::cos(0.5), -2 * (3 + std::cos(-1.0))})));
    CHECK(same(g[1], T1({0.5, 2})));
    CHECK(same(pull(T1({0, 1}))[1], T1({0, -1})));  // callable again
    CHECK_THROWS_AS(pull(T1({1})), tg::ShapeError);
    // An input the output does not depend on gets zeros.
    auto [o2, pull2] = tg::vjp<double>([](const std::vector<Var<double>>& v) { return v[0] * 2.0; }, {x, z});
    CHECK(same(pull2(T1({1, 1}))[1], T1({0})));
}
