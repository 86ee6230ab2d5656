#pragma once
// Every activation as a module (no parameters except PReLU's slope), for Sequential.
#include <sstream>
#include <string>

#include "../ops/functions.hpp"
#include "../ops/nn_functions.hpp"
#include "module.hpp"

namespace tg::nn {

// A parameter-free module whose forward is one function of x.
#define TG_NN_ACTIVATION(Name, call)                                 \
    template <class T>                                               \
    class Name : public Module<T> {                                  \
    public:                                                          \
        Var<T> forward(const Var<T>& x) override { return call; }    \
        std::string describe() const override { return #Name "()"; } \
        TG_NN_REMAKE(std::make_shared<Name<U>>())                    \
    };
TG_NN_ACTIVATION(ReLU, relu(x))
TG_NN_ACTIVATION(ReLU6, relu6(x))
TG_NN_ACTIVATION(Tanh, tanh(x))
TG_NN_ACTIVATION(Sigmoid, sigmoid(x))
TG_NN_ACTIVATION(SiLU, silu(x))
TG_NN_ACTIVATION(Mish, mish(x))
TG_NN_ACTIVATION(SELU, selu(x))
TG_NN_ACTIVATION(Softsign, softsign(x))
TG_NN_ACTIVATION(Hardsigmoid, hardsigmoid(x))
TG_NN_ACTIVATION(Hardswish, hardswish(x))
TG_NN_ACTIVATION(LogSigmoid, log_sigmoid(x))
TG_NN_ACTIVATION(Identity, x)
#undef TG_NN_ACTIVATION

// Activations with a setting, shown by print(model).
#define TG_NN_ACTIVATION1(Name, Type, param, init, call)          \
    template <class T>                                            \
    class Name : public Module<T> {                               \
    public:                                                       \
        explicit Name(Type param = init) : param(param) {}        \
        Var<T> forward(const Var<T>& x) override { return call; } \
        std::string describe() const override {                   \
            std::ostringstream os;                                \
            os << #Name "(" #param "=" << param << ")";           \
            return os.str();                                      \
        }                                                         \
        TG_NN_REMAKE(std::make_shared<Name<U>>(param))            \
        Type param;                                               \
    };
TG_NN_ACTIVATION1(GELU, bool, approximate, false, gelu(x, approximate))
TG_NN_ACTIVATION1(LeakyReLU, double, negative_slope, 0.01, leaky_relu(x, static_cast<T>(negative_slope)))
TG_NN_ACTIVATION1(ELU, double, alpha, 1.0, elu(x, static_cast<T>(alpha)))
TG_NN_ACTIVATION1(CELU, double, alpha, 1.0, celu(x, static_cast<T>(alpha)))
TG_NN_ACTIVATION1(Softplus, double, beta, 1.0, softplus(x, static_cast<T>(beta)))
TG_NN_ACTIVATION1(Softmax, int, axis, -1, softmax(x, axis))
TG_NN_ACTIVATION1(LogSoftmax, int, axis, -1, log_softmax(x, axis))
#undef TG_NN_ACTIVATION1

/// clamp to [min, max] with hardtanh's derivative (0 at the ends).
template <class T>
class Hardtanh : public Module<T> {
public:
    explicit Hardtanh(double lo = -1, double hi = 1) : lo(lo), hi(hi) {}
    Var<T> forward(const Var<T>& x) override { return hardtanh(x, static_cast<T>(lo), static_cast<T>(hi)); }
    std::string describe() const override {
        std::ostringstream os;
        os << "Hardtanh(" << lo << ", " << hi << ")";
        return os.str();
    }
    TG_NN_REMAKE(std::make_shared<Hardtanh<U>>(lo, hi))
    double lo, hi;
};

/// PReLU with a learnable slope: one (num_parameters = 1) or one per channel (axis 1), init 0.25.
template <class T>
class PReLU : public Module<T> {
public:
    explicit PReLU(index_t num_parameters = 1, double init = 0.25) {
        weight = this->register_parameter("weight", full<T>({num_parameters}, static_cast<T>(init)));
    }
    Var<T> forward(const Var<T>& x) override { return prelu(x, weight); }
    std::string describe() const override { return "PReLU(" + std::to_string(weight.numel()) + ")"; }
    TG_NN_REMAKE(std::make_shared<PReLU<U>>(weight.numel()))
    Var<T> weight;
};

}  // namespace tg::nn
