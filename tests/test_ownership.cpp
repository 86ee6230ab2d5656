// Gradient ownership, tape identity and version counters (docs/design.md, "Ownership"): ordinary
// code (clipping in place, a parameter on two tapes, an update between forward and backward) must
// give the right gradient or a clear error, never a silently wrong one.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {
template <class T>
Tensor<T> vec(std::initializer_list<double> v) {
    std::vector<T> x;
    for (double d : v) x.push_back(static_cast<T>(d));
    return Tensor<T>::from_vector(x);
}

// Nobody but its leaf sees a gradient: dense, and sharing no buffer with any other tensor given.
template <class T>
void check_private(const Tensor<T>& g, const std::vector<Tensor<T>>& others) {
    CHECK(g.is_contiguous());
    for (int i = 0; i < g.dim(); ++i) CHECK(g.strides()[i] != 0);
    for (const auto& o : others) CHECK_FALSE(g.shares_storage(o));
}
}  // namespace

// --- tape identity --------------------------------------------------------------------------

TEST_CASE("a vjp pullback stays right after its captured leaf is recorded on another tape") {
    Var<double> w(Tensor<double>{1.0, 2.0, 3.0}, true);
    auto [y, pull] = tg::vjp<double>([&](const Var<double>& x) { return x * w; },
                                     Tensor<double>{1.0, 1.0, 1.0});
    CHECK(tg::allclose(pull(tg::ones<double>({3})), Tensor<double>{1.0, 2.0, 3.0}));
    tg::sum(w * w).backward();  // w gets a slot on this thread's own tape
    CHECK(tg::allclose(pull(tg::ones<double>({3})), Tensor<double>{1.0, 2.0, 3.0}));
    CHECK(tg::allclose(pull(tg::ones<double>({3})), Tensor<double>{1.0, 2.0, 3.0}));
    // The pullback returns its gradient; it accumulates nothing into the captured parameter.
    CHECK(tg::allclose(w.grad(), Tensor<double>{2.0, 4.0, 6.0}));
}

TEST_CASE("a leaf recorded by three nested tapes gets its own gradient on each") {
    Var<double> w(Tensor<double>{0.5, -1.5}, true);
    const Var<double> y1 = tg::sum(w * w);  // outer tape: 2w
    Var<double> y2, y3;
    tg::TapeScope<double> s2;
    y2 = tg::sum(w * w * w);  // 3w^2
    {
        tg::TapeScope<double> s3;
        y3 = tg::sum(tg::sin(w));  // cos w
        const auto g3 = tg::gradients(y3, {w}, tg::ones<double>({}))[0];
        CHECK(tg::allclose(g3.value(), Tensor<double>{std::cos(0.5), std::cos(-1.5)}, 1e-15));
    }
    const auto g2 = tg::gradients(y2, {w}, tg::ones<double>({}))[0];
    CHECK(tg::allclose(g2.value(), Tensor<double>{0.75, 6.75}, 1e-15));
    const auto g1 = tg::gradients(y1, {w}, tg::ones<double>({}))[0];
    CHECK(tg::allclose(g1.value(), Tensor<double>{1.0, -3.0}, 1e-15));
}

TEST_CASE("a leaf alternating between two tapes keeps one slot per tape") {
    Var<double> w(Tensor<double>{2.0}, true), v(Tensor<double>{3.0}, true);
    tg::TapeScope<double> outer;
    Var<double> acc = v * w;  // outer: v first, then w
    for (int i = 0; i < 20; ++i) {
        {
            tg::TapeScope<double> inner;
            const Var<double> z = tg::sum(w * w);  // inner: w is its first leaf
            CHECK(tg::gradients(z, {w}, tg::ones<double>({}))[0].value().item() == 4.0);
        }
        acc = acc + w;  // back on the outer tape, w's hint points at the inner one
    }
    const auto g = tg::gradients(tg::sum(acc), {v, w}, tg::ones<double>({}));
    CHECK(g[0].value().item() == 2.0);
    CHECK(g[1].value().item() == 3.0 + 20.0);
}

// --- gradients are private ------------------------------------------------------------------

TEST_CASE_TEMPLATE("clipping one gradient in place leaves the others alone", T, float, double) {
    Var<T> x(vec<T>({1, 2}), true), y(vec<T>({3, 4}), true);
    const Var<T> c(vec<T>({5, 6}));
    tg::sum((x + y) * c).backward();
    Tensor<T> gx = x.grad(), gy = y.grad();
    CHECK_FALSE(gx.shares_storage(gy));
    gx *= T(0.5);
    CHECK(tg::allclose(x.grad(), vec<T>({2.5, 3})));
    CHECK(tg::allclose(y.grad(), vec<T>({5, 6})));
}

TEST_CASE_TEMPLATE("a gradient through a sum is dense, not a broadcast view", T, float, double) {
    Var<T> u(vec<T>({1, 2, 3}), true), v(vec<T>({4, 5, 6}), true);
    tg::sum(u + v).backward();
    Tensor<T> g = u.grad();
    check_private(g, {v.grad(), u.value(), v.value()});
    CHECK(std::as_const(g).data()[1] == T(1));
    g += vec<T>({1, 2, 3});
    CHECK(tg::allclose(u.grad(), vec<T>({2, 3, 4})));
    CHECK(tg::allclose(v.grad(), vec<T>({1, 1, 1})));
}

TEST_CASE_TEMPLATE("the seed is copied, never adopted as a gradient", T, float, double) {
    Var<T> x(vec<T>({1, 2}), true);
    Tensor<T> seed = vec<T>({7, 8});
    (x + Var<T>(T(1))).backward(seed);
    seed.fill(T(0));
    CHECK(tg::allclose(x.grad(), vec<T>({7, 8})));
    Var<T> leaf(vec<T>({1, 2}), true);
    Tensor<T> seed2 = vec<T>({3, 4});
    leaf.backward(seed2);  // d leaf / d leaf: the seed's values, in a buffer of the leaf's own
    seed2.fill(T(0));
    CHECK(tg::allclose(leaf.grad(), vec<T>({3, 4})));
    const auto g = tg::gradients(leaf, {leaf}, seed2);
    CHECK_FALSE(g[0].value().shares_storage(seed2));
}

TEST_CASE("a custom VJP that returns its input does not make the parameter its own gradient") {
    const auto pass = tg::custom_function<double>(
        "pass", [](const std::vector<Tensor<double>>& x) { return x[0].clone(); },
        [](const std::vector<Var<double>>& x, const Var<double>&, const Var<double>&) {
            return std::vector<Var<double>>{x[0]};  // wrong on purpose, but it must not alias
        });
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    tg::sum(pass({x})).backward();
    CHECK(x.grad_var().node() != x.node());
    Tensor<double> g = x.grad();
    g.fill(0);
    CHECK(tg::allclose(x.value(), Tensor<double>{1.0, 2.0}));
}

TEST_CASE_TEMPLATE("ops that pass their cotangent through hand out private gradients", T, float, double) {
    using F = std::function<Var<T>(const Var<T>&)>;
    const std::vector<std::pair<const char*, F>> cases = {
        {"add", [](const Var<T>& x) { return x + x; }},
        {"sub", [](const Var<T>& x) { return x - Var<T>(T(1)); }},
        {"neg", [](const Var<T>& x) { return -x; }},
        {"reshape",
         [](const Var<T>& x) {
             return tg::reshape(x, {3, 2});
         }},
        {"sum", [](const Var<T>& x) { return tg::sum(x, {1}); }},
        {"mean", [](const Var<T>& x) { return tg::mean(x); }},
        {"broadcast_to",
         [](const Var<T>& x) {
             return tg::broadcast_to(x, {4, 2, 3});
         }},
        {"slice", [](const Var<T>& x) { return tg::slice(x, 1, 0, 2); }},
        {"copy", [](const Var<T>& x) { return tg::copy(x); }},
    };
    for (const auto& [name, f] : cases) {
        CAPTURE(name);
        tg::Generator gen(7);
        Var<T> x(tg::normal<T>({2, 3}, 0, 1, gen), true), other(tg::normal<T>({2, 3}, 0, 1, gen), true);
        const Var<T> y = f(x);
        const Tensor<T> seed = tg::ones<T>(y.shape());
        (tg::sum(y * Var<T>(T(1))) + tg::sum(other)).backward();  // first accumulation
        check_private(x.grad(), {other.grad(), seed, x.value()});
        const Tensor<T> first = x.grad().clone();
        const Var<T> y2 = f(x);
        y2.backward(tg::ones<T>(y2.shape()));  // a later accumulation, seeded directly
        check_private(x.grad(), {seed, x.value()});
        Tensor<T> g = x.grad();
        g *= T(0);
        CHECK(tg::allclose(other.grad(), tg::ones<T>({2, 3})));
        CHECK(first.numel() == 6);
    }
}

TEST_CASE("two requested gradients of one Var are two buffers") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    const Var<double> y = tg::sum(x + x);
    const auto g = tg::gradients(y, {x, x}, tg::ones<double>({}));
    CHECK(tg::allclose(g[0].value(), Tensor<double>{2.0, 2.0}));
    CHECK(tg::allclose(g[1].value(), Tensor<double>{2.0, 2.0}));
    CHECK_FALSE(g[0].value().shares_storage(g[1].value()));
}

TEST_CASE("retained and leaf gradients do not share a buffer") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    Var<double> y = x + Var<double>(0.0);
    y.retain_grad();
    tg::sum(y).backward();
    Tensor<double> gx = x.grad();
    CHECK_FALSE(gx.shares_storage(y.grad()));
    gx *= 0.5;
    CHECK(tg::allclose(y.grad(), Tensor<double>{1.0, 1.0}));
}

TEST_CASE("a gradient the user holds is not changed by a later backward") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    tg::sum(x * x).backward();
    const Tensor<double> held = x.grad();
    tg::sum(x * x).backward();
    CHECK(tg::allclose(held, Tensor<double>{2.0, 4.0}));
    CHECK(tg::allclose(x.grad(), Tensor<double>{4.0, 8.0}));
}

TEST_CASE("create_graph gradients are private and differentiable") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true), y(Tensor<double>{3.0, 4.0}, true);
    tg::sum((x + y) * (x + y)).backward({.create_graph = true});
    CHECK_FALSE(x.grad().shares_storage(y.grad()));
    const auto h = tg::gradients(tg::sum(x.grad_var()), {x}, tg::ones<double>({}));  // d/dx sum 2(x+y)
    CHECK(tg::allclose(h[0].value(), Tensor<double>{2.0, 2.0}));
}

// --- forward-over-reverse -------------------------------------------------------------------

TEST_CASE("accumulated gradients keep their tangents under forward mode") {
    tg::ForwardScope fwd;
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    tg::set_tangent(x, Var<double>(Tensor<double>{1.0, 1.0}));
    tg::sum(x * x * x).backward();
    tg::sum(x * x * x).backward();
    CHECK(tg::allclose(x.grad(), Tensor<double>{6.0, 24.0}));
    const Var<double> t = tg::tangent_of(x.grad_var());
    REQUIRE(t.defined());
    CHECK(tg::allclose(t.value(), Tensor<double>{12.0, 24.0}));
}

// --- versions -------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("an input written between forward and backward is an error naming the op", T, float, double) {
    Var<T> x(vec<T>({1, 2}), true);
    const Var<T> y = tg::sum(x * x);
    Tensor<T> v = x.value();  // shares storage
    v += tg::ones<T>({2});
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("input 0 of 'mul'"), tg::AutogradError);
    try {
        y.backward();
    } catch (const tg::AutogradError& e) {
        CHECK(std::string(e.what()).find("recorded at version 0") != std::string::npos);
    }
}

TEST_CASE("a saved output written in place is an error; so is a write through data()") {
    Var<double> x(Tensor<double>{0.5, 1.0}, true);
    const Var<double> y = tg::exp(x);
    const Var<double> loss = tg::sum(y);
    Tensor<double> out = y.value();
    out.data()[0] = 0;  // mutable access counts as a write
    CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("the output of 'exp'"), tg::AutogradError);

    Var<double> w(Tensor<double>{1.0, 2.0}, true);
    const Var<double> z = tg::sum(w * w);
    Tensor<double> wv = w.value();
    wv.slice(0, 1, 2).fill(5);  // through a view of the same buffer
    CHECK_THROWS_AS(z.backward(), tg::AutogradError);
}

TEST_CASE("reading through a const handle or updating after backward is fine") {
    Var<double> w(Tensor<double>{1.0, 2.0}, true);
    for (int step = 0; step < 3; ++step) {
        const Var<double> loss = tg::sum(w * w);
        const Tensor<double>& cw = w.value();
        CHECK(cw.data()[0] != 123.0);  // const access: no write recorded
        loss.backward();
        Tensor<double> wv = w.value();
        wv -= w.grad() * 0.25;  // an optimizer step after backward
        w.zero_grad();
    }
    CHECK(tg::allclose(w.value(), Tensor<double>{0.125, 0.25}));
}

TEST_CASE("keep_graph: a write between two backward passes is caught by the second") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    const Var<double> y = tg::sum(tg::sin(x));
    y.backward({.keep_graph = true});
    Tensor<double> v = x.value();
    v.set({0}, 3.0);
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("'sin'"), tg::AutogradError);
}

TEST_CASE("a write to a tensor on an unrelated graph of the same tape does not stop backward") {
    Var<double> a(Tensor<double>{1.0}, true), b(Tensor<double>{2.0}, true);
    const Var<double> ya = tg::sum(a * a);
    const Var<double> yb = tg::sum(b * b);
    Tensor<double> bv = b.value();
    bv += Tensor<double>{1.0};
    ya.backward({.keep_graph = true});
    CHECK(a.grad().item() == 2.0);
    CHECK_THROWS_AS(yb.backward(), tg::AutogradError);
}

// --- found by review: nested scopes, failing sweeps, tangents, released tapes ----------------

TEST_CASE("a create_graph backward of an outer graph inside a TapeScope keeps second derivatives") {
    Var<double> x(Tensor<double>{2.0}, true);
    const Var<double> z = tg::sum(x * x * x);  // outer tape
    Var<double> g;
    {
        tg::TapeScope<double> inner;
        // The backward of z is recorded on z's tape, so g depends on x through x * x too.
        g = tg::gradients(z, {x}, tg::ones<double>({}), {.create_graph = true})[0];
        CHECK(g.value().item() == 12.0);
        // On the inner tape g is a constant (NOTE [nesting]): a clear error, not 6x with a term lost.
        CHECK_THROWS_WITH_AS(tg::gradients(tg::sum(g), {x}, tg::ones<double>({})),
                             doctest::Contains("outer TapeScope"), tg::AutogradError);
    }
    const auto h = tg::gradients(tg::sum(g), {x}, tg::ones<double>({}))[0];
    CHECK(h.value().item() == 12.0);  // 6x
}

TEST_CASE("a sweep that throws leaves retained gradients untouched") {
    int calls = 0;
    const auto flaky = tg::custom_function<double>(
        "flaky", [](const std::vector<Tensor<double>>& x) { return x[0].clone(); },
        [&calls](const std::vector<Var<double>>&, const Var<double>&, const Var<double>& gy) {
            if (calls++ == 0) throw tg::NumericalError("flaky: first call fails");
            return std::vector<Var<double>>{gy};
        });
    Var<double> x(Tensor<double>{1.0}, true), w(Tensor<double>{1.0}, true);
    const Var<double> a = flaky({w});
    Var<double> y = x * 2.0;
    y.retain_grad();
    const Var<double> loss = tg::sum(y) + tg::sum(a);
    CHECK_THROWS_AS(loss.backward({.keep_graph = true}), tg::NumericalError);
    CHECK_FALSE(y.has_grad());
    CHECK_FALSE(x.has_grad());
    loss.backward({.keep_graph = true});
    CHECK(y.grad().item() == 1.0);
    CHECK(x.grad().item() == 2.0);
    CHECK(w.grad().item() == 1.0);
}

TEST_CASE("writing a recorded output whose op saves nothing is still an error") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    const Var<double> y = x + x;
    Tensor<double> t = y.value();
    t *= 0.5;
    const Var<double> l = tg::sum(y * y);
    CHECK_THROWS_WITH_AS(l.backward(), doctest::Contains("the output of 'add'"), tg::AutogradError);
}

TEST_CASE("forward-over-reverse refuses tangents changed after the forward pass") {
    tg::ForwardScope fwd;
    Var<double> x(Tensor<double>{2.0}, true);
    tg::set_tangent(x, Var<double>(Tensor<double>{1.0}));
    const Var<double> l = tg::sum(x * x * x);
    l.backward({.keep_graph = true});
    CHECK(tg::tangent_of(x.grad_var()).value().item() == 12.0);  // H v = 6 x v
    x.zero_grad();
    tg::set_tangent(x, Var<double>(Tensor<double>{10.0}));
    CHECK_THROWS_WITH_AS(l.backward(), doctest::Contains("changed after the op was recorded"),
                         tg::AutogradError);
    CHECK_THROWS_WITH_AS(tg::set_tangent(x, Var<double>(Tensor<double>{1.0, 2.0})),
                         doctest::Contains("set_tangent: tangent of shape [2]"), tg::ShapeError);
}

TEST_CASE("a create_graph sweep through a rule that uses a captured parameter") {
    Var<double> p(Tensor<double>{3.0}, true);
    const auto scale = tg::custom_function<double>(
        "scale_by_p", [&p](const std::vector<Tensor<double>>& x) { return tg::mul(x[0], p.value()); },
        [&p](const std::vector<Var<double>>&, const Var<double>&, const Var<double>& gy) {
            return std::vector<Var<double>>{gy * p};  // p is first registered during the sweep
        });
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    tg::sum(scale({x})).backward({.create_graph = true});
    CHECK(tg::allclose(x.grad(), Tensor<double>{3.0, 3.0}, 0, 0));
    CHECK_FALSE(p.has_grad());  // not on the forward graph
    const auto d = tg::gradients(tg::sum(x.grad_var()), {p}, tg::ones<double>({}))[0];
    CHECK(d.value().item() == 2.0);
}

TEST_CASE("a rule that releases the tape being swept is an error, not a crash") {
    const auto rude = tg::custom_function<double>(
        "rude", [](const std::vector<Tensor<double>>& x) { return x[0].clone(); },
        [](const std::vector<Var<double>>&, const Var<double>&, const Var<double>& gy) {
            tg::clear_tape<double>();
            return std::vector<Var<double>>{gy};
        });
    Var<double> x(Tensor<double>{1.0}, true);
    CHECK_THROWS_WITH_AS(tg::sum(rude({x})).backward(), doctest::Contains("being swept"), tg::AutogradError);
}

TEST_CASE("tape scopes ended out of order leave a usable stack") {
    Var<double> x(Tensor<double>{2.0}, true);
    auto a = std::make_unique<tg::TapeScope<double>>();
    auto b = std::make_unique<tg::TapeScope<double>>();
    a.reset();
    const Var<double> y = tg::sum(x * x);  // on b's tape
    CHECK(tg::gradients(y, {x}, tg::ones<double>({}))[0].value().item() == 4.0);
    b.reset();
    const Var<double> z = tg::sum(x * x * x);  // on the thread's own tape
    z.backward();
    CHECK(x.grad().item() == 12.0);
}

TEST_CASE("tg::grad of a function returning a Var of the caller's graph leaves that graph alive") {
    Var<double> p(Tensor<double>{2.0}, true);
    const Var<double> loss = tg::sum(p * p);
    const Tensor<double> g = tg::grad<double>([&](const Var<double>&) { return loss; }, Tensor<double>{1.0});
    CHECK(g.item() == 0.0);
    loss.backward();
    CHECK(p.grad().item() == 4.0);
}

TEST_CASE("a vjp pullback survives writes to the caller's x and y") {
    Tensor<double> x{0.5, 1.0};
    auto [y, pull] = tg::vjp<double>([](const Var<double>& v) { return tg::exp(v); }, x);
    y *= 0.0;
    x *= 3.0;
    CHECK(tg::allclose(pull(tg::ones<double>({2})), Tensor<double>{std::exp(0.5), std::exp(1.0)}, 1e-15));
}
