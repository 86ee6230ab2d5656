// Attacks on the recurrent layers, Bilinear, ConvTranspose2d and nn::to / clone, as a demanding
// user would try them: states that are views or need gradients (checked against finite
// differences), batch_first against a permuted input, long and saturated sequences, shared
// weights, a second thread, an optimizer step before backward, conversions of models with frozen
// parameters, buffers and derived classes, checkpoints of the new modules.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/bilinear.hpp"
#include "../nn/checkpoint.hpp"
#include "../nn/conv_transpose.hpp"
#include "../nn/convert.hpp"
#include "../nn/optim.hpp"
#include "../nn/recurrent.hpp"

using tg::index_t;
using tg::Shape;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {
// value(i) = scale sin(a i + b) over the flat row-major index.
template <class T>
Tensor<T> wave(const Shape& s, double a, double b, double scale = 1) {
    std::vector<T> v(static_cast<std::size_t>(s.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(scale * std::sin(a * double(i) + b));
    return Tensor<T>::from_vector(v, s);
}
template <class A, class B>
double max_diff(const Tensor<A>& a, const Tensor<B>& b) {
    auto x = a.to_vector();
    auto y = b.to_vector();
    if (x.size() != y.size()) return INFINITY;
    double d = 0;
    for (std::size_t i = 0; i < x.size(); ++i) d = std::max(d, std::abs(double(x[i]) - double(y[i])));
    return d;
}
template <class T>
bool all_finite(const Tensor<T>& t) {
    for (T v : t.to_vector())
        if (!std::isfinite(double(v))) return false;
    return true;
}
std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "no error";
}
// A weighted sum of every output, so each element's gradient differs.
template <class T>
Var<T> weighted(const nn::RecurrentOutput<T>& o) {
    auto w = [](const Var<T>& v, double a) { return tg::sum(v * Var<T>(wave<T>(v.shape(), a, 0.3))); };
    Var<T> l = w(o.output, 0.5) + w(o.h_n, 0.8);
    return o.c_n.defined() ? l + w(o.c_n, 0.6) : l;
}
}  // namespace

TEST_CASE("nn attack recurrent: LSTM h0 and c0 gradients through 2 layers agree with finite differences") {
    tg::manual_seed(21);
    nn::LSTM<double> lstm(2, 3, {.num_layers = 2});
    auto rep = tg::gradcheck(
        [&](const std::vector<Var<double>>& v) { return weighted(lstm.forward(v[0], v[1], v[2])); },
        {wave<double>({3, 2, 2}, 0.9, 0.2), wave<double>({2, 2, 3}, 0.7, 0.4, 0.5),
         wave<double>({2, 2, 3}, 0.45, 0.9, 0.5)});
    CHECK_MESSAGE(rep.ok, rep.str());
    // Unbatched, states (layers, H).
    rep = tg::gradcheck(
        [&](const std::vector<Var<double>>& v) { return weighted(lstm.forward(v[0], v[1], v[2])); },
        {wave<double>({3, 2}, 0.9, 0.2), wave<double>({2, 3}, 0.7, 0.4, 0.5),
         wave<double>({2, 3}, 0.45, 0.9, 0.5)});
    CHECK_MESSAGE(rep.ok, rep.str());
}

TEST_CASE("nn attack recurrent: states that are transposed views give their contiguous copy's numbers") {
    tg::manual_seed(22);
    nn::LSTM<double> lstm(2, 3, {.num_layers = 2});
    Tensor<double> hb = wave<double>({4, 2, 3}, 0.7, 0.4, 0.5), cb = wave<double>({4, 2, 3}, 0.3, 0.1, 0.5);
    Tensor<double> hv = hb.transpose(0, 1), cv = cb.transpose(0, 1);  // (2, 4, 3), strided
    REQUIRE(!hv.is_contiguous());
    Var<double> x(wave<double>({5, 4, 2}, 0.9, 0.2));
    Var<double> h(hv, true), c(cv, true);
    auto a = lstm.forward(x, h, c);
    const auto ao = a.output.value(), ac = a.c_n.value();
    weighted(a).backward();
    Var<double> hc(hv.contiguous(), true), cc(cv.contiguous(), true);
    auto b = lstm.forward(x, hc, cc);
    CHECK(max_diff(ao, b.output.value()) == 0);
    CHECK(max_diff(ac, b.c_n.value()) == 0);
    weighted(b).backward();
    CHECK(max_diff(h.grad(), hc.grad()) < 1e-14);
    CHECK(max_diff(c.grad(), cc.grad()) < 1e-14);
    CHECK(h.grad().shape() == Shape{2, 4, 3});
}

TEST_CASE("nn attack recurrent: batch_first on a permuted input equals time-major, values and gradients") {
    for (auto kind : {0, 1, 2}) {
        tg::manual_seed(23);
        nn::RecurrentOptions tm{.num_layers = 2}, bf{.num_layers = 2, .batch_first = true};
        std::shared_ptr<nn::Recurrent<double>> a, b;
        auto make = [&](const nn::RecurrentOptions& o) -> std::shared_ptr<nn::Recurrent<double>> {
            tg::manual_seed(23);
            if (kind == 0) return std::make_shared<nn::LSTM<double>>(3, 4, o);
            if (kind == 1) return std::make_shared<nn::GRU<double>>(3, 4, o);
            return std::make_shared<nn::RNN<double>>(3, 4, o, nn::RNNNonlinearity::relu);
        };
        a = make(tm);
        b = make(bf);
        Tensor<double> xt = wave<double>({5, 2, 3}, 0.9, 0.2);  // (L, N, I)
        Var<double> x1(xt, true), x2(xt.transpose(0, 1).contiguous(), true);
        Var<double> o1 = a->forward(x1);
        const auto v1 = o1.value();
        tg::sum(o1 * Var<double>(wave<double>({5, 2, 4}, 0.3, 0.1))).backward();
        Var<double> o2 = b->forward(x2);
        REQUIRE(o2.shape() == Shape{2, 5, 4});
        CHECK(max_diff(v1, tg::transpose(o2, 0, 1).value()) < 1e-15);
        tg::sum(tg::transpose(o2, 0, 1) * Var<double>(wave<double>({5, 2, 4}, 0.3, 0.1))).backward();
        CHECK(max_diff(x1.grad(), x2.grad().transpose(0, 1)) < 1e-14);
        auto pa = a->parameters(), pb = b->parameters();
        for (std::size_t i = 0; i < pa.size(); ++i) CHECK(max_diff(pa[i].grad(), pb[i].grad()) < 1e-13);
    }
}

TEST_CASE("nn attack recurrent: dropout between layers: eval equals dropout-free, train differs") {
    tg::manual_seed(24);
    nn::LSTM<double> with(3, 4, {.num_layers = 3, .dropout = 0.4});
    tg::manual_seed(24);
    nn::LSTM<double> without(3, 4, {.num_layers = 3});
    Var<double> x(wave<double>({6, 2, 3}, 0.9, 0.2));
    with.eval();
    CHECK(max_diff(with.forward(x).value(), without.forward(x).value()) == 0);
    with.train();
    CHECK(max_diff(with.forward(x).value(), without.forward(x).value()) > 1e-3);
    // One layer: nothing to drop (the dropout acts between layers only), so train == eval.
    tg::manual_seed(25);
    nn::GRU<double> one(3, 4, {.dropout = 0.4});
    auto t = one.forward(x).value();
    one.eval();
    CHECK(max_diff(t, one.forward(x).value()) == 0);
}

TEST_CASE("nn attack recurrent: length 0 with states needing gradients, batched and unbatched") {
    tg::manual_seed(26);
    nn::LSTM<double> lstm(3, 4, {.num_layers = 2});
    Var<double> h0(wave<double>({2, 4}, 0.7, 0.4), true), c0(wave<double>({2, 4}, 0.3, 0.1), true);
    auto o = lstm.forward(Var<double>(tg::zeros<double>({0, 3})), h0, c0);
    CHECK(o.output.shape() == Shape{0, 4});
    CHECK(o.h_n.shape() == Shape{2, 4});
    tg::sum(o.h_n * 2.0 + o.c_n * 3.0).backward();
    CHECK(max_diff(h0.grad(), tg::full<double>({2, 4}, 2.0)) == 0);
    CHECK(max_diff(c0.grad(), tg::full<double>({2, 4}, 3.0)) == 0);
    // A GRU with L = 0 and a wrong h0 is still refused (the empty sequence skips no check).
    nn::GRU<double> gru(3, 4);
    CHECK(
        message_of([&] {
            gru.forward(Var<double>(tg::zeros<double>({0, 2, 3})), Var<double>(tg::zeros<double>({1, 3, 4})));
        }) == "GRU: h0 must be [1,2,4] for input [0,2,3], got [1,3,4]");
    // An unbatched input with a batched state, and the reverse, are named.
    CHECK(message_of([&] {
              lstm.forward(Var<double>(tg::zeros<double>({5, 3})), Var<double>(tg::zeros<double>({2, 1, 4})),
                           {});
          }) == "LSTM: h0 must be [2,4] for input [5,3], got [2,1,4]");
    CHECK(message_of([&] {
              lstm.forward(Var<double>(tg::zeros<double>({5, 1, 3})), Var<double>(tg::zeros<double>({2, 4})),
                           {});
          }) == "LSTM: h0 must be [2,1,4] for input [5,1,3], got [2,4]");
    // The wrong number of layers.
    CHECK(message_of([&] {
              lstm.forward(Var<double>(tg::zeros<double>({5, 1, 3})), {},
                           Var<double>(tg::zeros<double>({3, 1, 4})));
          }) == "LSTM: c0 must be [2,1,4] for input [5,1,3], got [3,1,4]");
}

TEST_CASE("nn attack recurrent: 1000 steps and saturating inputs stay finite in values and gradients") {
    tg::manual_seed(27);
    nn::LSTM<float> lstm(2, 4);
    Var<float> x(wave<float>({1000, 1, 2}, 0.05, 0.0, 3.0), true);
    auto o = lstm.forward(x, {}, {});
    tg::sum(o.h_n).backward();
    CHECK(all_finite(o.output.value()));
    CHECK(all_finite(x.grad()));
    CHECK(all_finite(lstm.parameters()[0].grad()));
    // The first step's gradient has decayed through 1000 forget gates but is not NaN.
    CHECK(x.grad().shape() == Shape{1000, 1, 2});
    // Saturation: inputs of +-1e4 push every gate to 0 or 1; outputs bounded, gradients finite.
    for (int kind = 0; kind < 3; ++kind) {
        tg::manual_seed(28);
        std::shared_ptr<nn::Recurrent<float>> m;
        if (kind == 0) m = std::make_shared<nn::LSTM<float>>(2, 3, nn::RecurrentOptions{.num_layers = 2});
        if (kind == 1) m = std::make_shared<nn::GRU<float>>(2, 3, nn::RecurrentOptions{.num_layers = 2});
        if (kind == 2) m = std::make_shared<nn::RNN<float>>(2, 3, nn::RecurrentOptions{.num_layers = 2});
        Var<float> xs(wave<float>({4, 2, 2}, 1.3, 0.2, 1e4), true);
        Var<float> y = m->forward(xs);
        tg::sum(y).backward();
        CHECK(all_finite(y.value()));
        for (float v : y.value().to_vector()) CHECK(std::abs(v) <= 1.0f);
        CHECK(all_finite(xs.grad()));
        for (auto& p : m->parameters()) CHECK(all_finite(p.grad()));
    }
}

TEST_CASE("nn attack recurrent: a cell applied twice in one graph accumulates both uses' gradients") {
    tg::manual_seed(29);
    nn::GRUCell<double> cell(3, 4);
    Var<double> x1(wave<double>({2, 3}, 0.9, 0.2)), x2(wave<double>({2, 3}, 0.4, 0.7));
    // Together: h2 = cell(x2, cell(x1)).
    Var<double> h2 = cell.forward(x2, cell.forward(x1, {}));
    tg::sum(h2 * h2).backward();
    const auto together = cell.weight_hh.grad().to_vector();
    // Against finite differences on weight_hh (the shared one: used with h = 0, then with h1).
    Tensor<double> w0 = cell.weight_hh.value().contiguous();
    auto rep = tg::gradcheck(
        [&](const std::vector<Var<double>>& v) {
            Var<double> h = nn::gru_cell(x1, {}, cell.weight_ih, v[0], cell.bias_ih, cell.bias_hh);
            h = nn::gru_cell(x2, h, cell.weight_ih, v[0], cell.bias_ih, cell.bias_hh);
            return tg::sum(h * h);
        },
        {w0});
    CHECK_MESSAGE(rep.ok, rep.str());
    // And the module's accumulated gradient is that same gradient.
    Var<double> w(w0, true);
    Var<double> h = nn::gru_cell(x1, {}, cell.weight_ih, w, cell.bias_ih, cell.bias_hh);
    h = nn::gru_cell(x2, h, cell.weight_ih, w, cell.bias_ih, cell.bias_hh);
    tg::sum(h * h).backward();
    CHECK(max_diff(w.grad(), Tensor<double>::from_vector(together, w0.shape())) < 1e-14);
}

TEST_CASE("nn attack recurrent: one module, forward and backward on two threads at once") {
    tg::manual_seed(30);
    nn::LSTM<double> lstm(3, 4, {.num_layers = 2});
    // Each thread records on its own tape over the shared parameters; tg::gradients returns the
    // gradients instead of accumulating into the shared .grad (which would be the user's race).
    auto run = [&](double phase) {
        Var<double> x(wave<double>({6, 2, 3}, 0.9, phase), true);
        std::vector<Var<double>> wrt = lstm.parameters();
        wrt.insert(wrt.begin(), x);
        auto g = tg::gradients(tg::sum(tg::square(lstm.forward(x))), wrt, tg::ones<double>({}));
        std::vector<std::vector<double>> out;
        for (auto& v : g) out.push_back(v.value().to_vector());
        return out;
    };
    const auto want_a = run(0.2), want_b = run(1.1);
    REQUIRE(want_a != want_b);
    std::vector<std::vector<double>> got_a, got_b;
    int bad_a = 0, bad_b = 0;
    std::thread ta([&] {
        for (int i = 0; i < 10; ++i) bad_a += run(0.2) != want_a;
    });
    std::thread tb([&] {
        for (int i = 0; i < 10; ++i) bad_b += run(1.1) != want_b;
    });
    ta.join();
    tb.join();
    CHECK(bad_a == 0);
    CHECK(bad_b == 0);
    CHECK_FALSE(lstm.parameters()[0].has_grad());
}

TEST_CASE("nn attack recurrent: double backward through an LSTM and a GRU agrees with finite differences") {
    tg::manual_seed(40);
    nn::LSTM<double> lstm(2, 3);
    nn::GRU<double> gru(2, 3);
    for (nn::Recurrent<double>* m :
         {static_cast<nn::Recurrent<double>*>(&lstm), static_cast<nn::Recurrent<double>*>(&gru)}) {
        // f(x) = sum(d loss / d x  *  u), a Hessian-vector product: its gradient through
        // create_graph against central differences of f (gradcheck evaluates under NoGrad, so
        // the differences are taken here).
        const Tensor<double> u = wave<double>({3, 2, 2}, 0.6, 0.5);
        auto f = [&](const Tensor<double>& xv, bool create) {
            Var<double> x(xv, true);
            Var<double> loss = tg::sum(tg::square(m->forward(x)));
            auto g = tg::gradients(loss, {x}, tg::ones<double>({}), {.create_graph = create});
            return std::pair{x, tg::sum(g[0] * Var<double>(u))};
        };
        const Tensor<double> x0 = wave<double>({3, 2, 2}, 0.9, 0.2);
        auto [x, hv] = f(x0, true);
        const auto analytic = tg::gradients(hv, {x}, tg::ones<double>({}))[0].value().to_vector();
        const auto base = x0.to_vector();
        double worst = 0;
        for (std::size_t k = 0; k < base.size(); ++k) {
            const double h = 1e-5;
            auto plus = base, minus = base;
            plus[k] += h;
            minus[k] -= h;
            const double fp = f(Tensor<double>::from_vector(plus, x0.shape()), false).second.value().item();
            const double fm = f(Tensor<double>::from_vector(minus, x0.shape()), false).second.value().item();
            worst = std::max(worst, std::abs((fp - fm) / (2 * h) - analytic[k]));
        }
        CHECK(worst < 1e-7);
        double largest = 0;
        for (double a : analytic) largest = std::max(largest, std::abs(a));
        CHECK(largest > 1e-2);  // not a vacuous zero
    }
}

TEST_CASE("nn attack recurrent: two chunks chained through (h_n, c_n) equal the whole sequence") {
    tg::manual_seed(41);
    nn::LSTM<double> lstm(3, 4, {.num_layers = 2, .batch_first = true});
    const Tensor<double> xt = wave<double>({2, 6, 3}, 0.9, 0.2);
    Var<double> x(xt, true);
    auto whole = lstm.forward(x, {}, {});
    const auto out = whole.output.value(), hn = whole.h_n.value();
    tg::sum(tg::square(whole.h_n)).backward();
    const auto gx = x.grad(), gw = lstm.parameters()[1].grad();
    lstm.zero_grad();
    Var<double> x1(tg::slice(x, 1, 0, 2).value().contiguous(), true);
    Var<double> x2(tg::slice(x, 1, 2, 6).value().contiguous(), true);
    auto a = lstm.forward(x1, {}, {});
    auto b = lstm.forward(x2, a.h_n, a.c_n);
    CHECK(max_diff(tg::slice(Var<double>(out), 1, 2, 6).value(), b.output.value()) < 1e-15);
    CHECK(max_diff(hn, b.h_n.value()) < 1e-15);
    tg::sum(tg::square(b.h_n)).backward();
    CHECK(max_diff(tg::slice(Var<double>(gx), 1, 0, 2).value(), x1.grad()) < 1e-14);
    CHECK(max_diff(tg::slice(Var<double>(gx), 1, 2, 6).value(), x2.grad()) < 1e-14);
    CHECK(max_diff(gw, lstm.parameters()[1].grad()) < 1e-13);
}

TEST_CASE("nn attack recurrent: an unbatched cell's errors name the caller's shapes") {
    nn::LSTMCell<float> cell(3, 4);
    CHECK(message_of([&] {
              cell.forward(Var<float>(tg::ones<float>({3})), Var<float>(tg::ones<float>({5})), {});
          }) == "LSTMCell: an unbatched input [3] needs states (4), got [5]");
    CHECK(message_of([&] { cell.forward(Var<float>(tg::ones<float>({2})), {}, {}); }) ==
          "LSTMCell: input must be (N, 3) or unbatched (3), got [2]");
    CHECK(message_of([&] {
              cell.forward(Var<float>(tg::ones<float>({3})), Var<float>(tg::ones<float>({1, 4})), {});
          }) == "LSTMCell: an unbatched input [3] needs states (4), got [1,4]");
}

TEST_CASE("nn attack recurrent: a hidden size whose gate count overflows int64 is refused") {
    const index_t huge = index_t(1) << 62;  // 4 * 2^62 wraps to 0: empty weights, no error
    CHECK(message_of([&] { nn::LSTM<float>(3, huge); }) ==
          "LSTM: hidden_size 4611686018427387904 times 4 gates overflows int64");
    CHECK(message_of([&] { nn::LSTMCell<float>(3, huge); }) ==
          "LSTMCell: hidden_size 4611686018427387904 times 4 gates overflows int64");
    CHECK_THROWS_AS(nn::GRU<float>(3, huge), tg::ShapeError);
}

TEST_CASE("nn attack recurrent: an optimizer step between forward and backward is refused") {
    tg::manual_seed(31);
    nn::LSTM<double> lstm(3, 4);
    nn::SGD<double> opt(lstm.parameters(), {.lr = 0.1});
    Var<double> x(wave<double>({4, 2, 3}, 0.9, 0.2));
    tg::sum(lstm.forward(x)).backward();  // every parameter has a gradient now
    Var<double> loss = tg::sum(lstm.forward(x));
    opt.step();  // writes the weights the graph saved
    CHECK_THROWS_AS(loss.backward(), tg::Error);
}

TEST_CASE("nn attack recurrent: LSTM, GRU and cells round-trip a checkpoint into fresh modules") {
    tg::manual_seed(32);
    nn::LSTM<float> a(3, 4, {.num_layers = 2});
    nn::GRUCell<float> ca(3, 4);
    tg::manual_seed(33);
    nn::LSTM<float> b(3, 4, {.num_layers = 2});
    nn::GRUCell<float> cb(3, 4);
    Var<float> x(wave<float>({5, 2, 3}, 0.9, 0.2));
    REQUIRE(max_diff(a.forward(x).value(), b.forward(x).value()) > 1e-3);
    const std::string path = "test_nn_attack_layers_lstm.safetensors";
    nn::save_checkpoint(path, a);
    nn::load_checkpoint(path, b);
    CHECK(max_diff(a.forward(x).value(), b.forward(x).value()) == 0);
    nn::save_checkpoint(path, ca);
    nn::load_checkpoint(path, cb);
    Var<float> x2(wave<float>({2, 3}, 0.4, 0.1));
    CHECK(max_diff(ca.forward(x2).value(), cb.forward(x2).value()) == 0);
    // Into a double model: the float file converts.
    tg::manual_seed(34);
    nn::LSTM<double> d(3, 4, {.num_layers = 2});
    nn::save_checkpoint(path, a);
    nn::load_checkpoint(path, d);
    CHECK(max_diff(a.forward(x).value(), d.forward(Var<double>(wave<double>({5, 2, 3}, 0.9, 0.2))).value()) <
          1e-6);
    // A GRU's file does not load into an LSTM (names match, shapes do not).
    nn::GRU<float> g(3, 4, {.num_layers = 2});
    nn::save_checkpoint(path, g);
    CHECK_THROWS_AS(nn::load_checkpoint(path, a), tg::Error);
    std::remove(path.c_str());
}

TEST_CASE("nn attack bilinear: in1 != in2 with batch axes against finite differences; out = 0") {
    tg::manual_seed(35);
    auto rep = tg::gradcheck(
        [](const std::vector<Var<double>>& v) {
            return tg::sum(tg::square(nn::bilinear(v[0], v[1], v[2], v[3])));
        },
        {wave<double>({2, 3, 2}, 0.9, 0.2), wave<double>({2, 3, 5}, 0.4, 0.7),
         wave<double>({4, 2, 5}, 0.37, 0.1), wave<double>({4}, 0.5, 0.3)});
    CHECK_MESSAGE(rep.ok, rep.str());
    // One element by hand: y[n, o] = sum_ij x1[n,i] A[o,i,j] x2[n,j] + b[o].
    Tensor<double> x1 = wave<double>({2, 3, 2}, 0.9, 0.2), x2 = wave<double>({2, 3, 5}, 0.4, 0.7);
    Tensor<double> A = wave<double>({4, 2, 5}, 0.37, 0.1), b = wave<double>({4}, 0.5, 0.3);
    auto y = nn::bilinear(Var<double>(x1), Var<double>(x2), Var<double>(A), Var<double>(b)).value().to_vector();
    auto v1 = x1.to_vector(), v2 = x2.to_vector(), va = A.to_vector(), vb = b.to_vector();
    const int n = 4, o = 3;  // batch (1, 1), output 3
    double want = vb[o];
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 5; ++j) want += v1[n * 2 + i] * va[(o * 2 + i) * 5 + j] * v2[n * 5 + j];
    CHECK(std::abs(y[n * 4 + o] - want) < 1e-14);
    // Mismatched batch axes are named.
    CHECK_THROWS_AS(nn::bilinear(Var<double>(tg::zeros<double>({2, 2})),
                                 Var<double>(tg::zeros<double>({3, 5})), Var<double>(A)),
                    tg::ShapeError);
    // The same input on both sides (in1 == in2): both uses' gradients add up.
    rep = tg::gradcheck(
        [](const std::vector<Var<double>>& v) { return tg::sum(tg::square(nn::bilinear(v[0], v[0], v[1]))); },
        {wave<double>({3, 4}, 0.9, 0.2), wave<double>({2, 4, 4}, 0.37, 0.1)});
    CHECK_MESSAGE(rep.ok, rep.str());
    // No output features: an empty result, not a crash.
    nn::Bilinear<double> none(2, 5, 0);
    CHECK(none.forward(Var<double>(tg::ones<double>({3, 2})), Var<double>(tg::ones<double>({3, 5}))).shape() ==
          Shape{3, 0});
    // An empty batch.
    nn::Bilinear<double> m(2, 5, 4);
    auto e = m.forward(Var<double>(tg::zeros<double>({0, 2})), Var<double>(tg::zeros<double>({0, 5})));
    CHECK(e.shape() == Shape{0, 4});
}

TEST_CASE("nn attack conv_transpose2d: groups, stride, output_padding and dilation against finite differences") {
    tg::manual_seed(36);
    tg::Conv2dOptions o{.stride = {2, 3},
                        .padding = {1, 0},
                        .dilation = {2, 1},
                        .groups = 2,
                        .output_padding = {1, 2}};
    nn::ConvTranspose2d<double> m(4, 6, tg::Pair{2, 3}, o);
    CHECK(m.weight.shape() == Shape{4, 3, 2, 3});
    Var<double> x(wave<double>({1, 4, 3, 2}, 0.9, 0.2));
    Var<double> y = m.forward(x);
    // (H - 1) s - 2 p + d (k - 1) + op + 1: (2) 2 - 2 + 2 + 1 + 1 = 6; (1) 3 - 0 + 2 + 2 + 1 = 8.
    CHECK(y.shape() == Shape{1, 6, 6, 8});
    CHECK(m.describe() ==
          "ConvTranspose2d(in=4, out=6, kernel=(2, 3), stride=(2, 3), padding=(1, 0), dilation=(2, 1), "
          "output_padding=(1, 2), groups=2, bias=true)");
    auto rep = tg::gradcheck(
        [&](const std::vector<Var<double>>& v) {
            return tg::sum(tg::square(tg::conv_transpose2d(v[0], v[1], v[2], o)));
        },
        {wave<double>({1, 4, 3, 2}, 0.9, 0.2), m.weight.value().contiguous(), m.bias.value().contiguous()});
    CHECK_MESSAGE(rep.ok, rep.str());
    // The module's output is the function's output.
    CHECK(max_diff(y.value(), tg::conv_transpose2d(x, m.weight, m.bias, o).value()) == 0);
    // output_padding not below stride or dilation is refused.
    tg::Conv2dOptions bad{.stride = {2, 2}, .output_padding = {2, 0}};
    nn::ConvTranspose2d<double> mb(2, 2, tg::Pair{3, 3}, bad);
    CHECK_THROWS_AS(mb.forward(Var<double>(tg::zeros<double>({1, 2, 3, 3}))), tg::Error);
}

namespace {
// A user's subclass of a library module that changes forward but declares no hooks of its own.
template <class T>
struct ScaledLSTM : nn::LSTM<T> {
    ScaledLSTM() : nn::LSTM<T>(2, 3) {}
    Var<T> forward(const Var<T>& x) override { return nn::LSTM<T>::forward(x) * T(10); }
};
}  // namespace

TEST_CASE("nn attack convert: a derived class without its own hooks is refused, not sliced") {
    tg::manual_seed(37);
    ScaledLSTM<float> m;
    // Its inherited hooks would rebuild a plain LSTM: forward results 10x off with no error.
    CHECK_THROWS_AS(nn::to<double>(m), tg::Error);
    CHECK_THROWS_AS(nn::clone(m), tg::Error);
    CHECK(message_of([&] { nn::clone(m); }).find("TG_NN_REMAKE") != std::string::npos);
    // The library's own classes still convert.
    nn::LSTM<float> plain(2, 3);
    auto c = nn::clone(plain);
    CHECK(typeid(*c) == typeid(plain));
}

TEST_CASE("nn attack convert: frozen parameters, BatchNorm statistics, training the copy leaves the source") {
    tg::manual_seed(38);
    auto model = std::make_shared<nn::Sequential<float>>();
    auto fc = model->push_back(std::make_shared<nn::Linear<float>>(3, 4));
    auto bn = model->push_back(std::make_shared<nn::BatchNorm1d<float>>(4));
    model->push_back(std::make_shared<nn::LSTMCell<float>>(4, 2));
    fc->bias.requires_grad_(false);
    Var<float> x(wave<float>({5, 3}, 0.9, 0.2));
    model->forward(x);  // moves the running statistics off (0, 1)
    const auto rm = bn->running_mean.to_vector();
    REQUIRE(std::abs(rm[0]) > 1e-3);
    auto d = nn::to<double>(*model);
    auto& dbn = dynamic_cast<nn::BatchNorm1d<double>&>(*d->children()[1].second);
    CHECK(max_diff(dbn.running_mean, bn->running_mean) < 1e-7);
    CHECK(max_diff(dbn.running_var, bn->running_var) < 1e-7);
    CHECK(max_diff(dbn.num_batches_tracked, bn->num_batches_tracked) == 0);
    auto& dfc = dynamic_cast<nn::Linear<double>&>(*d->children()[0].second);
    CHECK(!dfc.bias.requires_grad());
    CHECK(dfc.weight.requires_grad());
    // Train the clone several steps: the source's parameters and statistics do not move.
    auto c = nn::clone(*model);
    std::vector<std::vector<float>> before;
    for (auto& p : model->parameters()) before.push_back(p.value().to_vector());
    const auto rm_before = bn->running_mean.to_vector();
    std::vector<Var<float>> trainable;
    for (auto& p : c->parameters())
        if (p.requires_grad()) trainable.push_back(p);
    nn::SGD<float> opt(trainable, {.lr = 0.5});
    for (int i = 0; i < 3; ++i) {
        opt.zero_grad();
        tg::sum(tg::square(c->forward(x))).backward();
        opt.step();
    }
    auto after = model->parameters();
    for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].value().to_vector() == before[i]);
    CHECK(bn->running_mean.to_vector() == rm_before);
    CHECK(max_diff(c->parameters()[0].value(), model->parameters()[0].value()) > 1e-3);
    // The frozen bias of the clone did not move either (no gradient reached it).
    CHECK(c->parameters()[1].value().to_vector() == before[1]);
}

TEST_CASE("nn attack convert: a converted LSTM forwards to float rounding, with states and gradients") {
    tg::manual_seed(39);
    nn::LSTM<double> lstm(3, 4, {.num_layers = 2, .batch_first = true});
    auto f = nn::to<float>(lstm);
    auto& lf = dynamic_cast<nn::LSTM<float>&>(*f);
    CHECK(lf.options.batch_first);
    Var<double> xd(wave<double>({2, 5, 3}, 0.9, 0.2), true);
    Var<float> xf(wave<float>({2, 5, 3}, 0.9, 0.2), true);
    Var<double> hd(wave<double>({2, 2, 4}, 0.7, 0.4, 0.5));
    Var<float> hf(wave<float>({2, 2, 4}, 0.7, 0.4, 0.5));
    auto od = lstm.forward(xd, hd, {});
    auto of = lf.forward(xf, hf, {});
    CHECK(max_diff(od.output.value(), of.output.value()) < 1e-5);
    CHECK(max_diff(od.c_n.value(), of.c_n.value()) < 1e-5);
    weighted(od).backward();
    weighted(of).backward();
    CHECK(max_diff(xd.grad(), xf.grad()) < 1e-4);
    // Stepping the converted copy does not touch the source.
    const auto w = lstm.parameters()[0].value().to_vector();
    nn::SGD<float> opt(lf.parameters(), {.lr = 1.0});
    opt.step();
    CHECK(lstm.parameters()[0].value().to_vector() == w);
    CHECK(max_diff(lf.parameters()[0].value(), lstm.parameters()[0].value()) > 1e-3);
}

TEST_CASE("a Dropout module shared by two threads in training mode draws every seed exactly once") {
    tg::nn::Dropout<float> drop(0.5);
    tg::Generator expected = drop.generator;
    const tg::Var<float> x(tg::ones<float>({4, 8}));
    const auto work = [&] {
        for (int i = 0; i < 2000; ++i) (void)drop(x);
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    // 4000 draws under the lock: the module's stream is exactly 4000 steps on (a lost update of
    // an unsynchronized draw would leave it behind)
    for (int i = 0; i < 4000; ++i) (void)expected.next_u64();
    CHECK(drop.generator.next_u64() == expected.next_u64());
}
