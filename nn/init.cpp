#include "init.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "../tensor/error.hpp"

namespace tg::nn::init {

namespace {
double fan(const Shape& s, FanMode mode) {
    const auto [in, out] = fans(s);
    return mode == FanMode::fan_in ? in : out;
}
}  // namespace

double calculate_gain(Nonlinearity nl, double param) {
    switch (nl) {
        case Nonlinearity::linear:
        case Nonlinearity::sigmoid:
            return 1.0;
        case Nonlinearity::tanh:
            return 5.0 / 3.0;
        case Nonlinearity::relu:
            return std::numbers::sqrt2;
        case Nonlinearity::leaky_relu:
            return std::sqrt(2.0 / (1.0 + param * param));
        case Nonlinearity::selu:
            return 0.75;
    }
    return 1.0;
}

std::pair<double, double> fans(const Shape& s) {
    if (s.size() < 2)
        throw ShapeError("init: fan in and fan out need at least 2 dimensions, got shape " + s.str());
    double receptive = 1;
    for (int i = 2; i < s.size(); ++i) receptive *= static_cast<double>(s[i]);
    return {static_cast<double>(s[1]) * receptive, static_cast<double>(s[0]) * receptive};
}

template <class T>
void zeros_(Tensor<T>& t) {
    t.fill(T(0));
}
template <class T>
void ones_(Tensor<T>& t) {
    t.fill(T(1));
}
template <class T>
void constant_(Tensor<T>& t, double value) {
    t.fill(static_cast<T>(value));
}

template <class T>
void uniform_(Tensor<T>& t, double low, double high, Generator& gen) {
    if (!(low <= high))
        throw DomainError("init::uniform_: need low <= high, got " + std::to_string(low) + " and " +
                          std::to_string(high));
    if (low == high) return t.fill(static_cast<T>(low));
    // Drawn in double then rounded, so float and double models from one seed agree to rounding.
    t.assign(tg::uniform<double>(t.shape(), low, high, gen).template to<T>());
}

template <class T>
void normal_(Tensor<T>& t, double mean, double std, Generator& gen) {
    if (!(std >= 0)) throw DomainError("init::normal_: need std >= 0, got " + std::to_string(std));
    t.assign(tg::normal<double>(t.shape(), mean, std, gen).template to<T>());
}

template <class T>
void xavier_uniform_(Tensor<T>& t, double gain, Generator& gen) {
    const auto [in, out] = fans(t.shape());
    const double a = gain * std::sqrt(6.0 / (in + out));
    uniform_(t, -a, a, gen);
}
template <class T>
void xavier_normal_(Tensor<T>& t, double gain, Generator& gen) {
    const auto [in, out] = fans(t.shape());
    normal_(t, 0.0, gain * std::sqrt(2.0 / (in + out)), gen);
}
template <class T>
void kaiming_uniform_(Tensor<T>& t, double a, FanMode mode, Nonlinearity nl, Generator& gen) {
    const double b = calculate_gain(nl, a) * std::sqrt(3.0 / fan(t.shape(), mode));
    uniform_(t, -b, b, gen);
}
template <class T>
void kaiming_normal_(Tensor<T>& t, double a, FanMode mode, Nonlinearity nl, Generator& gen) {
    normal_(t, 0.0, calculate_gain(nl, a) / std::sqrt(fan(t.shape(), mode)), gen);
}

template <class T>
void orthogonal_(Tensor<T>& t, double gain, Generator& gen) {
    if (t.dim() < 2)
        throw ShapeError("init::orthogonal_: need at least 2 dimensions, got shape " + t.shape().str());
    const index_t rows = t.size(0), cols = t.numel() / std::max<index_t>(rows, 1);
    if (t.numel() == 0) return;
    // Orthonormalize the k = min(rows, cols) vectors of length n = max(rows, cols): the columns of
    // a tall matrix, the rows of a wide one. Modified Gram-Schmidt gives the Q of a QR
    // factorization whose R has a positive diagonal, the sign convention torch applies.
    const bool wide = rows < cols;
    const index_t k = wide ? rows : cols, n = wide ? cols : rows;
    const Tensor<double> g = tg::normal<double>({k, n}, 0.0, 1.0, gen);
    std::vector<double> q(g.data(), g.data() + k * n);
    for (index_t i = 0; i < k; ++i) {
        double* qi = q.data() + i * n;
        for (index_t j = 0; j < i; ++j) {
            const double* qj = q.data() + j * n;
            double d = 0;
            for (index_t e = 0; e < n; ++e) d += qi[e] * qj[e];
            for (index_t e = 0; e < n; ++e) qi[e] -= d * qj[e];
        }
        double nrm = 0;
        for (index_t e = 0; e < n; ++e) nrm += qi[e] * qi[e];
        nrm = std::sqrt(nrm);
        if (!(nrm > 0)) throw NumericalError("init::orthogonal_: a random vector was linearly dependent");
        for (index_t e = 0; e < n; ++e) qi[e] /= nrm;
    }
    std::vector<T> out(static_cast<std::size_t>(rows * cols));
    for (index_t i = 0; i < k; ++i)
        for (index_t e = 0; e < n; ++e)
            out[wide ? i * cols + e : e * cols + i] = static_cast<T>(gain * q[i * n + e]);
    t.assign(Tensor<T>::from_vector(out, t.shape()));
}

template <class T>
void default_weight_(Tensor<T>& w, Generator& gen) {
    kaiming_uniform_(w, std::sqrt(5.0), FanMode::fan_in, Nonlinearity::leaky_relu, gen);
}
template <class T>
void default_bias_(Tensor<T>& b, double fan_in, Generator& gen) {
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
    uniform_(b, -bound, bound, gen);
}

#define TG_INIT_INSTANTIATE(T)                                                                \
    template void zeros_<T>(Tensor<T>&);                                                      \
    template void ones_<T>(Tensor<T>&);                                                       \
    template void constant_<T>(Tensor<T>&, double);                                           \
    template void uniform_<T>(Tensor<T>&, double, double, Generator&);                        \
    template void normal_<T>(Tensor<T>&, double, double, Generator&);                         \
    template void xavier_uniform_<T>(Tensor<T>&, double, Generator&);                         \
    template void xavier_normal_<T>(Tensor<T>&, double, Generator&);                          \
    template void kaiming_uniform_<T>(Tensor<T>&, double, FanMode, Nonlinearity, Generator&); \
    template void kaiming_normal_<T>(Tensor<T>&, double, FanMode, Nonlinearity, Generator&);  \
    template void orthogonal_<T>(Tensor<T>&, double, Generator&);                             \
    template void default_weight_<T>(Tensor<T>&, Generator&);                                 \
    template void default_bias_<T>(Tensor<T>&, double, Generator&);
TG_INIT_INSTANTIATE(float)
TG_INIT_INSTANTIATE(double)
#undef TG_INIT_INSTANTIATE

}  // namespace tg::nn::init
