// Recurrent networks: RNN (tanh, relu), LSTM and GRU against torch 1.13 (outputs, final states and
// every gradient, with weights from a closed formula: tests/data/recurrent_reference.py made
// tests/recurrent_reference.hpp), gradcheck of tiny LSTM and GRU in double, the cells against a
// one-step layer, float32, parameter names and init, shape errors, sequences of length 0 and 1.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/recurrent.hpp"
#include "recurrent_reference.hpp"

using tg::index_t;
using tg::Shape;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;
namespace ref = recurrent_reference;

namespace {
// value(i) = scale sin(a i + b) over the flat row-major index: the reference script's formula.
template <class T>
Tensor<T> formula(const Shape& s, double a, double b, double scale) {
    std::vector<T> v(static_cast<std::size_t>(s.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(scale * std::sin(a * double(i) + b));
    return Tensor<T>::from_vector(v, s);
}
// Parameter k gets 0.4 sin(0.37 i + seed + k), as the script's fill().
template <class T>
void fill(nn::Module<T>& m, double seed) {
    int k = 0;
    for (auto& [n, p] : m.named_parameters()) {
        Tensor<T> v = p.value();
        v.assign(formula<T>(p.shape(), 0.37, seed + k++, 0.4));
    }
}
template <class T>
double max_diff(const Tensor<T>& t, const std::vector<double>& want) {
    const auto got = t.to_vector();
    if (got.size() != want.size()) return INFINITY;
    double d = 0;
    for (std::size_t i = 0; i < got.size(); ++i) d = std::max(d, std::abs(double(got[i]) - want[i]));
    return d;
}
// The script's loss: every output weighted differently.
template <class T>
Var<T> loss_of(const nn::RecurrentOutput<T>& o) {
    auto w = [](const Var<T>& v, double a, double b) {
        return tg::sum(v * Var<T>(formula<T>(v.shape(), a, b, 1)));
    };
    Var<T> l = w(o.output, 0.5, 0.3) + w(o.h_n, 0.8, 0.1);
    return o.c_n.defined() ? l + w(o.c_n, 0.6, 0.7) : l;
}
std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("nn recurrent: LSTM, 2 layers, with h0 and c0, matches torch in outputs and every gradient") {
    nn::LSTM<double> lstm(3, 4, {.num_layers = 2});
    fill(lstm, 0.25);
    Var<double> x(formula<double>({5, 2, 3}, 0.9, 0.2, 1), true);
    Var<double> h0(formula<double>({2, 2, 4}, 0.7, 0.4, 0.5), true);
    Var<double> c0(formula<double>({2, 2, 4}, 0.45, 0.9, 0.5), true);
    auto o = lstm.forward(x, h0, c0);
    CHECK(o.output.shape() == Shape{5, 2, 4});
    CHECK(max_diff(o.output.value(), ref::lstm_output) < 1e-12);
    CHECK(max_diff(o.h_n.value(), ref::lstm_h_n) < 1e-12);
    CHECK(max_diff(o.c_n.value(), ref::lstm_c_n) < 1e-12);
    loss_of(o).backward();
    CHECK(max_diff(x.grad(), ref::lstm_grad_x) < 1e-12);
    CHECK(max_diff(h0.grad(), ref::lstm_grad_h0) < 1e-12);
    CHECK(max_diff(c0.grad(), ref::lstm_grad_c0) < 1e-12);
    const std::vector<const std::vector<double>*> grads{
        &ref::lstm_grad_weight_ih_l0, &ref::lstm_grad_weight_hh_l0, &ref::lstm_grad_bias_ih_l0,
        &ref::lstm_grad_bias_hh_l0,   &ref::lstm_grad_weight_ih_l1, &ref::lstm_grad_weight_hh_l1,
        &ref::lstm_grad_bias_ih_l1,   &ref::lstm_grad_bias_hh_l1};
    const auto named = lstm.named_parameters();
    REQUIRE(named.size() == grads.size());
    for (std::size_t k = 0; k < named.size(); ++k) {
        INFO(named[k].first);
        CHECK(max_diff(named[k].second.grad(), *grads[k]) < 1e-12);
    }
}

TEST_CASE("nn recurrent: GRU, 2 layers, batch first, matches torch (b_hn inside the r product)") {
    nn::GRU<double> gru(3, 4, {.num_layers = 2, .batch_first = true});
    fill(gru, 0.25);
    Var<double> x(formula<double>({2, 4, 3}, 0.9, 0.2, 1), true);
    Var<double> h0(formula<double>({2, 2, 4}, 0.7, 0.4, 0.5), true);
    auto o = gru.forward(x, h0);
    CHECK(o.output.shape() == Shape{2, 4, 4});
    CHECK(!o.c_n.defined());
    CHECK(max_diff(o.output.value(), ref::gru_output) < 1e-12);
    CHECK(max_diff(o.h_n.value(), ref::gru_h_n) < 1e-12);
    loss_of(o).backward();
    CHECK(max_diff(x.grad(), ref::gru_grad_x) < 1e-12);
    CHECK(max_diff(h0.grad(), ref::gru_grad_h0) < 1e-12);
    const std::vector<const std::vector<double>*> grads{
        &ref::gru_grad_weight_ih_l0, &ref::gru_grad_weight_hh_l0, &ref::gru_grad_bias_ih_l0,
        &ref::gru_grad_bias_hh_l0,   &ref::gru_grad_weight_ih_l1, &ref::gru_grad_weight_hh_l1,
        &ref::gru_grad_bias_ih_l1,   &ref::gru_grad_bias_hh_l1};
    const auto named = gru.named_parameters();
    REQUIRE(named.size() == grads.size());
    for (std::size_t k = 0; k < named.size(); ++k) {
        INFO(named[k].first);
        CHECK(max_diff(named[k].second.grad(), *grads[k]) < 1e-12);
    }
}

TEST_CASE("nn recurrent: RNN tanh and RNN relu without bias match torch") {
    {
        nn::RNN<double> rnn(3, 5);
        fill(rnn, 0.25);
        Var<double> x(formula<double>({3, 2, 3}, 0.9, 0.2, 1), true);
        Var<double> h0(formula<double>({1, 2, 5}, 0.7, 0.4, 0.5), true);
        auto o = rnn.forward(x, h0);
        CHECK(max_diff(o.output.value(), ref::rnn_tanh_output) < 1e-12);
        CHECK(max_diff(o.h_n.value(), ref::rnn_tanh_h_n) < 1e-12);
        loss_of(o).backward();
        CHECK(max_diff(x.grad(), ref::rnn_tanh_grad_x) < 1e-12);
        CHECK(max_diff(h0.grad(), ref::rnn_tanh_grad_h0) < 1e-12);
        CHECK(max_diff(rnn.named_parameters()[1].second.grad(), ref::rnn_tanh_grad_weight_hh_l0) < 1e-12);
        CHECK(max_diff(rnn.named_parameters()[3].second.grad(), ref::rnn_tanh_grad_bias_hh_l0) < 1e-12);
    }
    nn::RNN<double> rnn(2, 3, {.num_layers = 2, .bias = false}, nn::RNNNonlinearity::relu);
    fill(rnn, 0.25);
    const auto named = rnn.named_parameters();
    REQUIRE(named.size() == 4);
    CHECK(named[2].first == "weight_ih_l1");
    Var<double> x(formula<double>({4, 3, 2}, 0.9, 0.2, 1), true);
    Var<double> h0(formula<double>({2, 3, 3}, 0.7, 0.4, 0.5), true);
    auto o = rnn.forward(x, h0);
    CHECK(max_diff(o.output.value(), ref::rnn_relu_output) < 1e-12);
    CHECK(max_diff(o.h_n.value(), ref::rnn_relu_h_n) < 1e-12);
    loss_of(o).backward();
    CHECK(max_diff(x.grad(), ref::rnn_relu_grad_x) < 1e-12);
    CHECK(max_diff(h0.grad(), ref::rnn_relu_grad_h0) < 1e-12);
    CHECK(max_diff(named[0].second.grad(), ref::rnn_relu_grad_weight_ih_l0) < 1e-12);
    CHECK(max_diff(named[3].second.grad(), ref::rnn_relu_grad_weight_hh_l1) < 1e-12);
    CHECK(rnn.describe() ==
          "RNN(input=2, hidden=3, num_layers=2, bias=false, batch_first=false, nonlinearity=relu)");
}

TEST_CASE("nn recurrent: float32 LSTM agrees with the double reference to float rounding") {
    nn::LSTM<float> lstm(3, 4, {.num_layers = 2});
    fill(lstm, 0.25);
    Var<float> x(formula<float>({5, 2, 3}, 0.9, 0.2, 1), true);
    auto o = lstm.forward(x, Var<float>(formula<float>({2, 2, 4}, 0.7, 0.4, 0.5)),
                          Var<float>(formula<float>({2, 2, 4}, 0.45, 0.9, 0.5)));
    CHECK(max_diff(o.output.value(), ref::lstm_output) < 1e-6);
    loss_of(o).backward();
    CHECK(max_diff(x.grad(), ref::lstm_grad_x) < 1e-5);
}

TEST_CASE("nn recurrent: gradcheck of a tiny LSTM and GRU in double (weights, input and states)") {
    // Two steps through the cell functions, every input differentiated.
    const index_t I = 2, H = 3;
    auto x = formula<double>({2, 2, I}, 0.9, 0.2, 1);
    auto h = formula<double>({2, H}, 0.7, 0.4, 0.5), c = formula<double>({2, H}, 0.45, 0.9, 0.5);
    auto lstm = [](const std::vector<Var<double>>& v) {
        Var<double> h = v[1], c = v[2];
        for (index_t t = 0; t < 2; ++t)
            std::tie(h, c) = nn::lstm_cell(tg::squeeze(tg::slice(v[0], 0, t, t + 1), 0), h, c, v[3], v[4],
                                           v[5], v[6]);
        return tg::sum(h * h) + tg::sum(c);
    };
    auto rep = tg::gradcheck(lstm, {x, h, c, formula<double>({4 * H, I}, 0.37, 0.1, 0.4),
                                    formula<double>({4 * H, H}, 0.37, 0.2, 0.4),
                                    formula<double>({4 * H}, 0.37, 0.3, 0.4),
                                    formula<double>({4 * H}, 0.37, 0.4, 0.4)});
    CHECK_MESSAGE(rep.ok, rep.str());
    auto gru = [](const std::vector<Var<double>>& v) {
        Var<double> h = v[1];
        for (index_t t = 0; t < 2; ++t)
            h = nn::gru_cell(tg::squeeze(tg::slice(v[0], 0, t, t + 1), 0), h, v[2], v[3], v[4], v[5]);
        return tg::sum(h * h);
    };
    rep = tg::gradcheck(
        gru, {x, h, formula<double>({3 * H, I}, 0.37, 0.1, 0.4), formula<double>({3 * H, H}, 0.37, 0.2, 0.4),
              formula<double>({3 * H}, 0.37, 0.3, 0.4), formula<double>({3 * H}, 0.37, 0.4, 0.4)});
    CHECK_MESSAGE(rep.ok, rep.str());
    // And the layer module in x and h0 (its own weights held fixed), 2 layers, batch first.
    nn::GRU<double> layer(I, H, {.num_layers = 2, .batch_first = true});
    rep = tg::gradcheck(
        [&](const std::vector<Var<double>>& v) {
            return tg::sum(tg::square(layer.forward(v[0], v[1]).output));
        },
        {x, formula<double>({2, 2, H}, 0.3, 0.1, 0.5)});
    CHECK_MESSAGE(rep.ok, rep.str());
}

TEST_CASE("nn recurrent: the cells equal a one-step layer; unbatched inputs") {
    tg::manual_seed(3);
    nn::LSTMCell<double> cell(3, 4);
    nn::LSTM<double> layer(3, 4);
    const auto cp = cell.parameters(), lp = layer.parameters();
    for (std::size_t k = 0; k < 4; ++k) {
        Tensor<double> v = lp[k].value();
        v.assign(cp[k].value());
    }
    auto x = formula<double>({2, 3}, 0.9, 0.2, 1);
    auto h = formula<double>({2, 4}, 0.7, 0.4, 0.5), c = formula<double>({2, 4}, 0.45, 0.9, 0.5);
    auto [h1, c1] = cell.forward(Var<double>(x), Var<double>(h), Var<double>(c));
    auto o = layer.forward(Var<double>(x.reshape({1, 2, 3})), Var<double>(h.reshape({1, 2, 4})),
                           Var<double>(c.reshape({1, 2, 4})));
    CHECK(o.output.shape() == Shape{1, 2, 4});
    CHECK(max_diff(h1.value(), o.h_n.value().to_vector()) < 1e-15);
    CHECK(max_diff(c1.value(), o.c_n.value().to_vector()) < 1e-15);
    // Unbatched: (I) for a cell, (L, I) for a layer, states without the batch axis.
    Var<double> one = cell.forward(Var<double>(formula<double>({3}, 0.9, 0.2, 1)));
    CHECK(one.shape() == Shape{4});
    auto ou = layer.forward(Var<double>(formula<double>({6, 3}, 0.9, 0.2, 1)), Var<double>(), Var<double>());
    CHECK(ou.output.shape() == Shape{6, 4});
    CHECK(ou.h_n.shape() == Shape{1, 4});
    // The zero-state RNNCell and GRUCell give the right shapes and describe themselves.
    nn::GRUCell<float> g(3, 5);
    CHECK(g.forward(Var<float>(tg::ones<float>({7, 3}))).shape() == Shape{7, 5});
    CHECK(g.describe() == "GRUCell(input=3, hidden=5, bias=true)");
    nn::RNNCell<float> r(3, 5, false, nn::RNNNonlinearity::relu);
    CHECK(r.parameters().size() == 2);
    CHECK(r.describe() == "RNNCell(input=3, hidden=5, bias=false, nonlinearity=relu)");
}

TEST_CASE("nn recurrent: names, layouts and the default init U(-1/sqrt(H), 1/sqrt(H))") {
    tg::manual_seed(7);
    nn::LSTM<float> lstm(10, 16, {.num_layers = 3});
    const auto named = lstm.named_parameters();
    REQUIRE(named.size() == 12);
    CHECK(named[0].first == "weight_ih_l0");
    CHECK(named[0].second.shape() == Shape{64, 10});
    CHECK(named[1].first == "weight_hh_l0");
    CHECK(named[1].second.shape() == Shape{64, 16});
    CHECK(named[3].first == "bias_hh_l0");
    CHECK(named[4].first == "weight_ih_l1");
    CHECK(named[4].second.shape() == Shape{64, 16});
    CHECK(named[11].first == "bias_hh_l2");
    CHECK(lstm.num_parameters() == 4 * 16 * (10 + 16 + 2) + 2 * 4 * 16 * (16 + 16 + 2));
    double lo = 1, hi = -1, mean = 0;
    index_t n = 0;
    for (const auto& p : lstm.parameters())
        for (float v : p.value().to_vector()) {
            lo = std::min(lo, double(v));
            hi = std::max(hi, double(v));
            mean += v;
            ++n;
        }
    CHECK(lo >= -0.25);
    CHECK(hi <= 0.25);
    CHECK(lo < -0.24);  // the whole range is used
    CHECK(hi > 0.24);
    CHECK(std::abs(mean / double(n)) < 0.01);
    CHECK(lstm.describe() == "LSTM(input=10, hidden=16, num_layers=3, bias=true, batch_first=false)");
    nn::GRU<float> gru(4, 8);
    CHECK(gru.named_parameters()[0].second.shape() == Shape{24, 4});
}

TEST_CASE("nn recurrent: sequences of length 1 and 0") {
    tg::manual_seed(2);
    nn::LSTM<double> lstm(3, 4, {.num_layers = 2, .batch_first = true});
    Var<double> h0(formula<double>({2, 5, 4}, 0.7, 0.4, 0.5), true);
    Var<double> c0(formula<double>({2, 5, 4}, 0.3, 0.1, 0.5), true);
    auto one = lstm.forward(Var<double>(formula<double>({5, 1, 3}, 0.9, 0.2, 1)), h0, c0);
    CHECK(one.output.shape() == Shape{5, 1, 4});
    // With one step the output is the last layer's final state.
    auto last = tg::slice(one.h_n, 0, 1, 2).value().to_vector();
    CHECK(max_diff(one.output.value(), last) < 1e-15);
    // Length 0: an empty output, the state unchanged (and its gradient passes straight through).
    auto none = lstm.forward(Var<double>(tg::zeros<double>({5, 0, 3})), h0, c0);
    CHECK(none.output.shape() == Shape{5, 0, 4});
    CHECK(max_diff(none.h_n.value(), h0.value().to_vector()) == 0);
    tg::sum(none.h_n + none.c_n).backward();
    CHECK(max_diff(h0.grad(), std::vector<double>(40, 1.0)) == 0);
    auto empty = lstm.forward(Var<double>(tg::zeros<double>({5, 0, 3})));
    CHECK(empty.shape() == Shape{5, 0, 4});
}

TEST_CASE("nn recurrent: shape errors name the module and the shapes") {
    nn::LSTM<float> lstm(3, 4, {.num_layers = 2});
    CHECK(message_of([&] {
              lstm.forward(Var<float>(tg::ones<float>({5, 2, 7})));
          }) == "LSTM: input must be (L, N, 3) or unbatched (L, 3), got [5,2,7]");
    CHECK(message_of([&] { lstm.forward(Var<float>(tg::ones<float>({3}))); }).find("got [3]") !=
          std::string::npos);
    CHECK(
        message_of([&] {
            lstm.forward(Var<float>(tg::ones<float>({5, 2, 3})), Var<float>(tg::ones<float>({1, 2, 4})), {});
        }) == "LSTM: h0 must be [2,2,4] for input [5,2,3], got [1,2,4]");
    CHECK(
        message_of([&] {
            lstm.forward(Var<float>(tg::ones<float>({5, 2, 3})), {}, Var<float>(tg::ones<float>({2, 3, 4})));
        }) == "LSTM: c0 must be [2,2,4] for input [5,2,3], got [2,3,4]");
    CHECK_THROWS_AS(nn::GRU<float>(0, 4), tg::ShapeError);
    CHECK_THROWS_AS(nn::GRU<float>(3, 4, {.num_layers = 0}), tg::ShapeError);
    CHECK_THROWS_AS(nn::GRU<float>(3, 4, {.dropout = 1.0}), tg::DomainError);
    CHECK_THROWS_AS(lstm.layer_parameters(2), tg::IndexError);
    nn::GRUCell<float> cell(3, 4);
    CHECK(message_of([&] {
              cell.forward(Var<float>(tg::ones<float>({2, 3})), Var<float>(tg::ones<float>({3, 4})));
          }) == "GRUCell: state must be [2,4] for input [2,3], got [3,4]");
    CHECK(message_of([&] {
              cell.forward(Var<float>(tg::ones<float>({2, 5})));
          }) == "GRUCell: input must be (N, 3), got [2,5]");
    CHECK_THROWS_AS(nn::lstm_cell(Var<float>(tg::ones<float>({2, 3})), {}, {},
                                  Var<float>(tg::ones<float>({12, 3})), Var<float>(tg::ones<float>({12, 4})),
                                  {}, {}),
                    tg::ShapeError);  // 12 = 3 H: a GRU's weights
}

TEST_CASE("nn recurrent: inter-layer dropout only in training; eval is deterministic") {
    tg::manual_seed(5);
    nn::GRU<double> gru(3, 8, {.num_layers = 2, .dropout = 0.5});
    Var<double> x(formula<double>({4, 2, 3}, 0.9, 0.2, 1));
    auto a = gru.forward(x).value().to_vector(), b = gru.forward(x).value().to_vector();
    CHECK(a != b);
    gru.eval();
    CHECK(gru.forward(x).value().to_vector() == gru.forward(x).value().to_vector());
}

TEST_CASE("nn recurrent: hostile inputs: an empty batch, a transposed view, NaN") {
    tg::manual_seed(6);
    nn::LSTM<double> lstm(3, 4, {.num_layers = 2});
    // N = 0: empty outputs and states of the right shapes.
    auto e = lstm.forward(Var<double>(tg::zeros<double>({5, 0, 3})), {}, {});
    CHECK(e.output.shape() == Shape{5, 0, 4});
    CHECK(e.h_n.shape() == Shape{2, 0, 4});
    // A transposed (non-contiguous) input gives the same numbers as its contiguous copy.
    Tensor<double> base = formula<double>({2, 5, 3}, 0.9, 0.2, 1);
    Tensor<double> view = base.transpose(0, 1);  // (5, 2, 3), strided
    REQUIRE(!view.is_contiguous());
    Var<double> xv(view, true);
    auto a = lstm.forward(xv, {}, {});
    auto b = lstm.forward(Var<double>(view.contiguous()), {}, {});
    CHECK(max_diff(a.output.value(), b.output.value().to_vector()) == 0);
    tg::sum(a.output).backward();
    CHECK(xv.grad().shape() == Shape{5, 2, 3});
    // NaN in one sequence stays in that sequence (the batch rows are independent).
    Tensor<double> xn = formula<double>({5, 2, 3}, 0.9, 0.2, 1);
    std::vector<double> v = xn.to_vector();
    v[1 * 6 + 0] = NAN;  // step 1, sequence 0
    auto o = lstm.forward(Var<double>(Tensor<double>::from_vector(v, {5, 2, 3})), {}, {});
    const auto out = o.output.value().to_vector();
    CHECK(std::isnan(out[1 * 8 + 0]));   // step 1, sequence 0
    CHECK(!std::isnan(out[0 * 8 + 0]));  // before it
    CHECK(!std::isnan(out[4 * 8 + 4]));  // sequence 1, last step
}

TEST_CASE("nn recurrent: a model built and trained on a second thread gives the main thread's numbers") {
    // Each thread has its own tape and default generator: the same seed gives the same model and
    // the same gradient on any thread.
    auto run = [] {
        tg::manual_seed(21);
        nn::GRU<float> gru(3, 6, {.num_layers = 2});
        Var<float> x(formula<float>({4, 2, 3}, 0.9, 0.2, 1));
        tg::sum(tg::square(gru.forward(x))).backward();
        return gru.parameters()[1].grad().to_vector();
    };
    const auto here = run();
    std::vector<float> there;
    std::thread t([&] { there = run(); });
    t.join();
    CHECK(here == there);
}
