#include "recurrent.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "../ops/functions.hpp"
#include "../ops/nn_functions.hpp"
#include "../ops/shape_index_functions.hpp"
#include "../tensor/error.hpp"
#include "init.hpp"
#include "layers.hpp"

namespace tg::nn {

namespace {

int gates_of(CellKind k) { return k == CellKind::lstm ? 4 : k == CellKind::gru ? 3 : 1; }

const char* name_of(CellKind k) {
    switch (k) {
        case CellKind::lstm:
            return "LSTM";
        case CellKind::gru:
            return "GRU";
        default:
            return "RNN";
    }
}

// One step from the input projection xp = x W_ih^T + b_ih (N, G H), so that a layer can compute
// xp for all time steps in one GEMM. Returns {h', c'}.
template <class T>
std::pair<Var<T>, Var<T>> step_projected(CellKind kind, const Var<T>& xp, const Var<T>& h, const Var<T>& c,
                                         const Var<T>& w_hh, const Var<T>& b_hh) {
    const index_t H = w_hh.shape()[1];
    Var<T> hp = linear(h, w_hh, b_hh);
    switch (kind) {
        case CellKind::rnn_tanh:
            return {tanh(xp + hp), {}};
        case CellKind::rnn_relu:
            return {relu(xp + hp), {}};
        case CellKind::lstm: {
            std::vector<Var<T>> g = split(xp + hp, H, 1);
            Var<T> c2 = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
            return {sigmoid(g[3]) * tanh(c2), c2};
        }
        case CellKind::gru: {
            std::vector<Var<T>> xs = split(xp, H, 1), hs = split(hp, H, 1);
            Var<T> r = sigmoid(xs[0] + hs[0]), z = sigmoid(xs[1] + hs[1]);
            Var<T> n = tanh(xs[2] + r * hs[2]);
            return {n + z * (h - n), {}};  // (1 - z) n + z h with one op fewer
        }
    }
    throw DomainError("recurrent: unknown cell kind");
}

template <class T>
void check_cell_weights(const char* fn, int gates, const Var<T>& w_ih, const Var<T>& w_hh, const Var<T>& b_ih,
                        const Var<T>& b_hh) {
    const bool ok = w_ih.dim() == 2 && w_hh.dim() == 2 && w_hh.shape()[0] == gates * w_hh.shape()[1] &&
                    w_ih.shape()[0] == w_hh.shape()[0] &&
                    (!b_ih.defined() || b_ih.shape() == Shape{w_hh.shape()[0]}) &&
                    (!b_hh.defined() || b_hh.shape() == Shape{w_hh.shape()[0]});
    if (!ok)
        throw ShapeError(std::string(fn) + ": weights must be weight_ih (" + std::to_string(gates) +
                         "H, I), weight_hh (" + std::to_string(gates) + "H, H) and biases (" +
                         std::to_string(gates) + "H), got " + w_ih.shape().str() + ", " + w_hh.shape().str() +
                         (b_ih.defined() ? ", " + b_ih.shape().str() : "") +
                         (b_hh.defined() ? ", " + b_hh.shape().str() : ""));
}

// Checks a cell's input (N, I) and state (N, H) and runs one step; undefined states are zeros.
template <class T>
std::pair<Var<T>, Var<T>> cell_step(const char* fn, CellKind kind, const Var<T>& x, const Var<T>& h,
                                    const Var<T>& c, const Var<T>& w_ih, const Var<T>& w_hh,
                                    const Var<T>& b_ih, const Var<T>& b_hh) {
    check_cell_weights(fn, gates_of(kind), w_ih, w_hh, b_ih, b_hh);
    const index_t I = w_ih.shape()[1], H = w_hh.shape()[1];
    if (x.dim() != 2 || x.shape()[1] != I)
        throw ShapeError(std::string(fn) + ": input must be (N, " + std::to_string(I) + "), got " +
                         x.shape().str());
    const Shape state{x.shape()[0], H};
    for (const Var<T>* s : {&h, &c})
        if (s->defined() && s->shape() != state)
            throw ShapeError(std::string(fn) + ": state must be " + state.str() + " for input " +
                             x.shape().str() + ", got " + s->shape().str());
    Var<T> h0 = h.defined() ? h : Var<T>(zeros<T>(state));
    Var<T> c0 = kind == CellKind::lstm ? (c.defined() ? c : Var<T>(zeros<T>(state))) : Var<T>();
    return step_projected(kind, linear(x, w_ih, b_ih), h0, c0, w_hh, b_hh);
}

std::string bool_str(bool b) { return b ? "true" : "false"; }

}  // namespace

template <class T>
Var<T> rnn_cell(const Var<T>& x, const Var<T>& h, const Var<T>& w_ih, const Var<T>& w_hh, const Var<T>& b_ih,
                const Var<T>& b_hh, RNNNonlinearity nl) {
    return cell_step("rnn_cell", nl == RNNNonlinearity::tanh ? CellKind::rnn_tanh : CellKind::rnn_relu, x, h,
                     Var<T>(), w_ih, w_hh, b_ih, b_hh)
        .first;
}
template <class T>
std::pair<Var<T>, Var<T>> lstm_cell(const Var<T>& x, const Var<T>& h, const Var<T>& c, const Var<T>& w_ih,
                                    const Var<T>& w_hh, const Var<T>& b_ih, const Var<T>& b_hh) {
    return cell_step("lstm_cell", CellKind::lstm, x, h, c, w_ih, w_hh, b_ih, b_hh);
}
template <class T>
Var<T> gru_cell(const Var<T>& x, const Var<T>& h, const Var<T>& w_ih, const Var<T>& w_hh, const Var<T>& b_ih,
                const Var<T>& b_hh) {
    return cell_step("gru_cell", CellKind::gru, x, h, Var<T>(), w_ih, w_hh, b_ih, b_hh).first;
}

namespace {
// PyTorch's default for every recurrent parameter: U(-1/sqrt(H), 1/sqrt(H)).
template <class T>
Tensor<T> recurrent_init(const Shape& s, index_t H, Generator& gen) {
    Tensor<T> t = zeros<T>(s);
    const double k = 1.0 / std::sqrt(static_cast<double>(H));
    init::uniform_(t, -k, k, gen);
    return t;
}

void check_sizes(const std::string& who, index_t input, index_t hidden, int gates) {
    if (input <= 0 || hidden <= 0)
        throw ShapeError(who + ": input_size and hidden_size must be positive, got " + std::to_string(input) +
                         " and " + std::to_string(hidden));
    // gates * hidden sizes the weights: an overflow would wrap (to 0 for 4 * 2^62) and build a
    // module of empty weights without a word.
    if (hidden > std::numeric_limits<index_t>::max() / gates)
        throw ShapeError(who + ": hidden_size " + std::to_string(hidden) + " times " + std::to_string(gates) +
                         " gates overflows int64");
}
}  // namespace

template <class T>
RecurrentCell<T>::RecurrentCell(CellKind kind, index_t input, index_t hidden, bool bias, Generator& gen)
    : input_size(input), hidden_size(hidden), kind(kind) {
    check_sizes(std::string(name_of(kind)) + "Cell", input, hidden, gates_of(kind));
    const index_t GH = gates_of(kind) * hidden;
    weight_ih = this->register_parameter("weight_ih", recurrent_init<T>({GH, input}, hidden, gen));
    weight_hh = this->register_parameter("weight_hh", recurrent_init<T>({GH, hidden}, hidden, gen));
    if (bias) {
        bias_ih = this->register_parameter("bias_ih", recurrent_init<T>({GH}, hidden, gen));
        bias_hh = this->register_parameter("bias_hh", recurrent_init<T>({GH}, hidden, gen));
    }
}

template <class T>
std::pair<Var<T>, Var<T>> RecurrentCell<T>::step(const Var<T>& x, const Var<T>& h, const Var<T>& c) {
    const std::string fn = std::string(name_of(kind)) + "Cell";
    if (x.dim() == 1) {  // unbatched: (I) with states (H); checked here to name the caller's shapes
        if (x.shape()[0] != input_size)
            throw ShapeError(fn + ": input must be (N, " + std::to_string(input_size) + ") or unbatched (" +
                             std::to_string(input_size) + "), got " + x.shape().str());
        for (const Var<T>* s : {&h, &c})
            if (s->defined() && !(s->shape() == Shape{hidden_size}))
                throw ShapeError(fn + ": an unbatched input " + x.shape().str() + " needs states (" +
                                 std::to_string(hidden_size) + "), got " + s->shape().str());
        auto lift = [](const Var<T>& v) { return v.defined() ? unsqueeze(v, 0) : v; };
        auto [h2, c2] = step(unsqueeze(x, 0), lift(h), lift(c));
        return {squeeze(h2, 0), c2.defined() ? squeeze(c2, 0) : c2};
    }
    return cell_step(fn.c_str(), kind, x, h, c, weight_ih, weight_hh, bias_ih, bias_hh);
}

template <class T>
Var<T> RecurrentCell<T>::forward(const Var<T>& x) {
    return step(x, {}, {}).first;
}

template <class T>
std::string RecurrentCell<T>::describe() const {
    std::string s = std::string(name_of(kind)) + "Cell(input=" + std::to_string(input_size) +
                    ", hidden=" + std::to_string(hidden_size) + ", bias=" + bool_str(bias_ih.defined());
    if (kind == CellKind::rnn_relu) s += ", nonlinearity=relu";
    return s + ")";
}

template <class T>
Recurrent<T>::Recurrent(CellKind kind, index_t input, index_t hidden, const RecurrentOptions& o, Generator& gen)
    : input_size(input), hidden_size(hidden), options(o), kind(kind), dropout_generator(gen.next_u64()) {
    check_sizes(name_of(kind), input, hidden, gates_of(kind));
    if (o.num_layers < 1)
        throw ShapeError(std::string(name_of(kind)) + ": num_layers must be at least 1, got " +
                         std::to_string(o.num_layers));
    if (!(o.dropout >= 0 && o.dropout < 1))
        throw DomainError(std::string(name_of(kind)) + ": dropout must be in [0, 1), got " +
                          std::to_string(o.dropout));
    const index_t GH = gates_of(kind) * hidden;
    for (index_t k = 0; k < o.num_layers; ++k) {
        const std::string l = "_l" + std::to_string(k);
        const index_t in = k == 0 ? input : hidden;
        std::vector<Var<T>> p{
            this->register_parameter("weight_ih" + l, recurrent_init<T>({GH, in}, hidden, gen)),
            this->register_parameter("weight_hh" + l, recurrent_init<T>({GH, hidden}, hidden, gen))};
        if (o.bias) {
            p.push_back(this->register_parameter("bias_ih" + l, recurrent_init<T>({GH}, hidden, gen)));
            p.push_back(this->register_parameter("bias_hh" + l, recurrent_init<T>({GH}, hidden, gen)));
        } else {
            p.resize(4);
        }
        layers_.push_back(std::move(p));
    }
}

template <class T>
std::vector<Var<T>> Recurrent<T>::layer_parameters(index_t k) const {
    if (k < 0 || k >= static_cast<index_t>(layers_.size()))
        throw IndexError(std::string(name_of(kind)) + ": layer " + std::to_string(k) + " out of range for " +
                         std::to_string(layers_.size()) + " layers");
    return layers_[static_cast<std::size_t>(k)];
}

template <class T>
RecurrentOutput<T> Recurrent<T>::run(const Var<T>& x_in, const Var<T>& h0_in, const Var<T>& c0_in) {
    const std::string fn = name_of(kind);
    const index_t layers = options.num_layers, H = hidden_size;
    if ((x_in.dim() != 2 && x_in.dim() != 3) || x_in.shape()[x_in.dim() - 1] != input_size)
        throw ShapeError(fn + ": input must be " + (options.batch_first ? "(N, L, " : "(L, N, ") +
                         std::to_string(input_size) + ") or unbatched (L, " + std::to_string(input_size) +
                         "), got " + x_in.shape().str());
    if (kind != CellKind::lstm && c0_in.defined())
        throw ShapeError(fn + ": only an LSTM has a cell state c0");
    const bool batched = x_in.dim() == 3;
    // Work time-major and batched: (L, N, I).
    Var<T> x = !batched ? unsqueeze(x_in, 1) : options.batch_first ? transpose(x_in, 0, 1) : x_in;
    const index_t L = x.shape()[0], N = x.shape()[1];
    const Shape state = batched ? Shape{layers, N, H} : Shape{layers, H};
    auto initial = [&](const Var<T>& s, const char* what) {
        if (!s.defined()) return Var<T>(zeros<T>({layers, N, H}));
        if (s.shape() != state)
            throw ShapeError(fn + ": " + what + " must be " + state.str() + " for input " +
                             x_in.shape().str() + ", got " + s.shape().str());
        return batched ? s : unsqueeze(s, 1);
    };
    Var<T> h0 = initial(h0_in, "h0");
    Var<T> c0 = kind == CellKind::lstm ? initial(c0_in, "c0") : Var<T>();

    RecurrentOutput<T> out;
    if (L == 0) {  // the empty sequence leaves the state where it was
        out.output = Var<T>(
            zeros<T>(batched ? (options.batch_first ? Shape{N, 0, H} : Shape{0, N, H}) : Shape{0, H}));
        out.h_n = batched ? h0 : squeeze(h0, 1);
        if (c0.defined()) out.c_n = batched ? c0 : squeeze(c0, 1);
        return out;
    }
    std::vector<Var<T>> h_last, c_last;
    Var<T> seq = x;
    for (index_t k = 0; k < layers; ++k) {
        const auto& p = layers_[static_cast<std::size_t>(k)];
        // The input projection of every step in one GEMM: (L, N, I) -> (L, N, G H).
        std::vector<Var<T>> xp = split(linear(seq, p[0], p[2]), 1, 0);
        Var<T> h = layers == 1 ? squeeze(h0, 0) : squeeze(slice(h0, 0, k, k + 1), 0);
        Var<T> c;
        if (c0.defined()) c = layers == 1 ? squeeze(c0, 0) : squeeze(slice(c0, 0, k, k + 1), 0);
        std::vector<Var<T>> hs;
        hs.reserve(static_cast<std::size_t>(L));
        for (index_t t = 0; t < L; ++t) {
            std::tie(h, c) = step_projected(kind, squeeze(xp[static_cast<std::size_t>(t)], 0), h, c, p[1],
                                            p[3]);
            hs.push_back(h);
        }
        h_last.push_back(h);
        if (c.defined()) c_last.push_back(c);
        seq = L == 1 ? unsqueeze(hs[0], 0) : stack(hs, 0);
        if (options.dropout > 0 && this->is_training() && k + 1 < layers)
            seq = dropout(seq, options.dropout, draw_seed(dropout_generator), true);
    }
    auto finals = [&](std::vector<Var<T>>& v) { return v.size() == 1 ? unsqueeze(v[0], 0) : stack(v, 0); };
    out.h_n = finals(h_last);
    if (!c_last.empty()) out.c_n = finals(c_last);
    if (!batched) {
        out.output = squeeze(seq, 1);
        out.h_n = squeeze(out.h_n, 1);
        if (out.c_n.defined()) out.c_n = squeeze(out.c_n, 1);
    } else {
        out.output = options.batch_first ? transpose(seq, 0, 1) : seq;
    }
    return out;
}

template <class T>
std::string Recurrent<T>::describe() const {
    std::ostringstream os;
    os << name_of(kind) << "(input=" << input_size << ", hidden=" << hidden_size
       << ", num_layers=" << options.num_layers << ", bias=" << bool_str(options.bias)
       << ", batch_first=" << bool_str(options.batch_first);
    if (options.dropout > 0) os << ", dropout=" << options.dropout;
    if (kind == CellKind::rnn_relu) os << ", nonlinearity=relu";
    os << ")";
    return os.str();
}

#define TG_RECURRENT_INSTANTIATE(T)                                                                        \
    template Var<T> rnn_cell<T>(const Var<T>&, const Var<T>&, const Var<T>&, const Var<T>&, const Var<T>&, \
                                const Var<T>&, RNNNonlinearity);                                           \
    template std::pair<Var<T>, Var<T>> lstm_cell<T>(const Var<T>&, const Var<T>&, const Var<T>&,           \
                                                    const Var<T>&, const Var<T>&, const Var<T>&,           \
                                                    const Var<T>&);                                        \
    template Var<T> gru_cell<T>(const Var<T>&, const Var<T>&, const Var<T>&, const Var<T>&, const Var<T>&, \
                                const Var<T>&);                                                            \
    template class RecurrentCell<T>;                                                                       \
    template class Recurrent<T>;
TG_RECURRENT_INSTANTIATE(float)
TG_RECURRENT_INSTANTIATE(double)
#undef TG_RECURRENT_INSTANTIATE

}  // namespace tg::nn
