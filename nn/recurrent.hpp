#pragma once
// Recurrent networks in PyTorch's layouts, so a state dict maps one to one:
//   RNN:  h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu; W_ih (H, I)
//   LSTM: W_ih (4H, I), W_hh (4H, H), gates in the order i, f, g, o:
//         i, f, o = sigmoid(.), g = tanh(.);  c' = f c + i g;  h' = o tanh(c')
//   GRU:  W_ih (3H, I), W_hh (3H, H), gates in the order r, z, n:
//         r, z = sigmoid(x W_i^T + b_i + h W_h^T + b_h);  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn))
//         h' = (1 - z) n + z h      (b_hn inside the product with r, as PyTorch and cuDNN)
// Every parameter starts U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's default). Everything is composed of
// registered ops (sigmoid, tanh, split, stack, ...) and nn::linear (one recorded function whose
// rules are Var ops), so gradients, double backward and gradcheck come for free. A layer computes
// the input projection of all time steps in one GEMM before the loop; only h W_hh^T stays inside.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "module.hpp"

namespace tg::nn {

enum class RNNNonlinearity { tanh, relu };

/// One step of each cell as a function: x (N, I), h and c (N, H) (undefined: zeros), weights in
/// the layouts above (biases may be undefined). lstm_cell returns {h', c'}.
/// @throws ShapeError naming the function and every shape when they do not fit
template <class T>
Var<T> rnn_cell(const Var<T>& x, const Var<T>& h, const Var<T>& w_ih, const Var<T>& w_hh, const Var<T>& b_ih,
                const Var<T>& b_hh, RNNNonlinearity nl = RNNNonlinearity::tanh);
template <class T>
std::pair<Var<T>, Var<T>> lstm_cell(const Var<T>& x, const Var<T>& h, const Var<T>& c, const Var<T>& w_ih,
                                    const Var<T>& w_hh, const Var<T>& b_ih, const Var<T>& b_hh);
template <class T>
Var<T> gru_cell(const Var<T>& x, const Var<T>& h, const Var<T>& w_ih, const Var<T>& w_hh, const Var<T>& b_ih,
                const Var<T>& b_hh);

/// The kind of cell a module runs.
enum class CellKind { rnn_tanh, rnn_relu, lstm, gru };

/// A single cell: weight_ih (G H, I), weight_hh (G H, H), bias_ih, bias_hh (G H) with G = 1, 4, 3.
/// Inputs are (N, I) or unbatched (I); states (N, H) or (H) to match. A missing state is zeros.
/// @throws ShapeError naming the cell, the input and state shapes and I, H
template <class T>
class RecurrentCell : public Module<T> {
public:
    RecurrentCell(CellKind kind, index_t input_size, index_t hidden_size, bool bias, Generator& gen);
    /// The next hidden state from zero state (for Sequential).
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    Var<T> weight_ih, weight_hh, bias_ih, bias_hh;  ///< biases undefined without bias
    index_t input_size, hidden_size;
    CellKind kind;

protected:
    /// {h', c'} (c' undefined except for LSTM).
    std::pair<Var<T>, Var<T>> step(const Var<T>& x, const Var<T>& h, const Var<T>& c);
};

template <class T>
class RNNCell : public RecurrentCell<T> {
public:
    RNNCell(index_t input_size, index_t hidden_size, bool bias = true,
            RNNNonlinearity nl = RNNNonlinearity::tanh, Generator& gen = default_generator())
        : RecurrentCell<T>(nl == RNNNonlinearity::tanh ? CellKind::rnn_tanh : CellKind::rnn_relu, input_size,
                           hidden_size, bias, gen) {}
    using RecurrentCell<T>::forward;
    /// h' from x and h (undefined h: zeros).
    Var<T> forward(const Var<T>& x, const Var<T>& h) { return this->step(x, h, {}).first; }
    TG_NN_REMAKE(std::make_shared<RNNCell<U>>(this->input_size, this->hidden_size, this->bias_ih.defined(),
                                              this->kind == CellKind::rnn_tanh ? RNNNonlinearity::tanh
                                                                               : RNNNonlinearity::relu))
};

template <class T>
class GRUCell : public RecurrentCell<T> {
public:
    GRUCell(index_t input_size, index_t hidden_size, bool bias = true, Generator& gen = default_generator())
        : RecurrentCell<T>(CellKind::gru, input_size, hidden_size, bias, gen) {}
    using RecurrentCell<T>::forward;
    Var<T> forward(const Var<T>& x, const Var<T>& h) { return this->step(x, h, {}).first; }
    TG_NN_REMAKE(std::make_shared<GRUCell<U>>(this->input_size, this->hidden_size, this->bias_ih.defined()))
};

template <class T>
class LSTMCell : public RecurrentCell<T> {
public:
    LSTMCell(index_t input_size, index_t hidden_size, bool bias = true, Generator& gen = default_generator())
        : RecurrentCell<T>(CellKind::lstm, input_size, hidden_size, bias, gen) {}
    using RecurrentCell<T>::forward;
    /// {h', c'} from x, h and c (undefined: zeros).
    std::pair<Var<T>, Var<T>> forward(const Var<T>& x, const Var<T>& h, const Var<T>& c) {
        return this->step(x, h, c);
    }
    TG_NN_REMAKE(std::make_shared<LSTMCell<U>>(this->input_size, this->hidden_size, this->bias_ih.defined()))
};

struct RecurrentOptions {
    index_t num_layers = 1;
    bool bias = true;
    /// Input and output (N, L, features) instead of (L, N, features); states stay (layers, N, H).
    bool batch_first = false;
    /// Dropout on each layer's output except the last, in training mode only (as PyTorch).
    double dropout = 0;
};

/// What a recurrent layer returns: the last layer's hidden state at every step, and the final
/// state of every layer.
template <class T>
struct RecurrentOutput {
    Var<T> output;  ///< (L, N, H), or (N, L, H) batch first, or (L, H) unbatched
    Var<T> h_n;     ///< (num_layers, N, H), or (num_layers, H) unbatched
    Var<T> c_n;     ///< LSTM only, as h_n
};

/// A stack of num_layers cells run over a sequence: parameters weight_ih_l{k}, weight_hh_l{k},
/// bias_ih_l{k}, bias_hh_l{k} in PyTorch's order; layer k > 0 takes H inputs. Input (L, N, I),
/// (N, L, I) with batch_first, or unbatched (L, I). A sequence of length 0 gives an empty output
/// and returns the initial state unchanged (PyTorch raises instead).
/// @throws ShapeError naming the module and shapes: input rank or feature size, initial state shape
template <class T>
class Recurrent : public Module<T> {
public:
    Recurrent(CellKind kind, index_t input_size, index_t hidden_size, const RecurrentOptions& o,
              Generator& gen);
    /// The output sequence from zero initial state (for Sequential).
    Var<T> forward(const Var<T>& x) override { return run(x, {}, {}).output; }
    std::string describe() const override;
    /// Layer k's parameters (k < num_layers): {weight_ih, weight_hh, bias_ih, bias_hh}.
    std::vector<Var<T>> layer_parameters(index_t k) const;
    index_t input_size, hidden_size;
    RecurrentOptions options;
    CellKind kind;

    /// Draws the inter-layer dropout masks (seeded from the generator given at construction).
    Generator dropout_generator;

protected:
    RecurrentOutput<T> run(const Var<T>& x, const Var<T>& h0, const Var<T>& c0);
    /// For the remake hooks: the same module type of element type M's, its dropout stream continued.
    template <class M, class... A>
    std::shared_ptr<M> remade(A&&... a) const {
        auto m = std::make_shared<M>(std::forward<A>(a)...);
        m->dropout_generator = dropout_generator;
        return m;
    }

private:
    std::vector<std::vector<Var<T>>> layers_;
};

template <class T>
class RNN : public Recurrent<T> {
public:
    RNN(index_t input_size, index_t hidden_size, const RecurrentOptions& o = {},
        RNNNonlinearity nl = RNNNonlinearity::tanh, Generator& gen = default_generator())
        : Recurrent<T>(nl == RNNNonlinearity::tanh ? CellKind::rnn_tanh : CellKind::rnn_relu, input_size,
                       hidden_size, o, gen) {}
    using Recurrent<T>::forward;
    /// With an initial state h0 (num_layers, N, H) (undefined: zeros).
    RecurrentOutput<T> forward(const Var<T>& x, const Var<T>& h0) { return this->run(x, h0, {}); }
    TG_NN_REMAKE(this->template remade<RNN<U>>(this->input_size, this->hidden_size, this->options,
                                               this->kind == CellKind::rnn_tanh ? RNNNonlinearity::tanh
                                                                                : RNNNonlinearity::relu))
};

template <class T>
class GRU : public Recurrent<T> {
public:
    GRU(index_t input_size, index_t hidden_size, const RecurrentOptions& o = {},
        Generator& gen = default_generator())
        : Recurrent<T>(CellKind::gru, input_size, hidden_size, o, gen) {}
    using Recurrent<T>::forward;
    RecurrentOutput<T> forward(const Var<T>& x, const Var<T>& h0) { return this->run(x, h0, {}); }
    TG_NN_REMAKE(this->template remade<GRU<U>>(this->input_size, this->hidden_size, this->options))
};

template <class T>
class LSTM : public Recurrent<T> {
public:
    LSTM(index_t input_size, index_t hidden_size, const RecurrentOptions& o = {},
         Generator& gen = default_generator())
        : Recurrent<T>(CellKind::lstm, input_size, hidden_size, o, gen) {}
    using Recurrent<T>::forward;
    /// With initial states h0, c0 (num_layers, N, H) (either undefined: zeros).
    RecurrentOutput<T> forward(const Var<T>& x, const Var<T>& h0, const Var<T>& c0) {
        return this->run(x, h0, c0);
    }
    TG_NN_REMAKE(this->template remade<LSTM<U>>(this->input_size, this->hidden_size, this->options))
};

extern template class RecurrentCell<float>;
extern template class RecurrentCell<double>;
extern template class Recurrent<float>;
extern template class Recurrent<double>;

}  // namespace tg::nn
