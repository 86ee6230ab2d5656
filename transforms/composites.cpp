#include "composites.hpp"

#include <limits>
#include <string>
#include <type_traits>

#include "../ops/conv_functions.hpp"
#include "../ops/functions.hpp"
#include "../ops/nn_functions.hpp"
#include "../ops/samples.hpp"
#include "../ops/shape_index_functions.hpp"

namespace tg {

namespace {

using ops::sample;
template <class T>
using Vs = std::vector<Var<T>>;

// F is a captureless template lambda []<class T>(const Vs<T>&) -> Var<T>: one body for the
// float64 checks and the float32 column.
template <class F, int Arity>
Var<double> call(const Attrs&, const Vs<double>& x, Mutation m, int) {
    if (m != Mutation::none)
        throw AutogradError("composite function: the deliberate VJP mutations apply to registered ops only");
    if (x.size() != Arity)
        throw ShapeError("composite function: expected " + std::to_string(Arity) + " inputs");
    return F{}(x);
}
template <class F, int Arity>
Var<float> call_f32(const Attrs&, const Vs<float>& x) {
    if (x.size() != Arity)
        throw ShapeError("composite function: expected " + std::to_string(Arity) + " inputs");
    return F{}(x);
}
template <int Arity, class F>
OpInfo entry(const char* name, Samples (*samples)(), F) {
    static_assert(std::is_empty_v<F>, "a composite's body captures nothing");
    return OpInfo{name, Arity, samples, &call<F, Arity>, &call_f32<F, Arity>};
}

// Inputs mapped into a function's domain inside the body (probabilities, +-1 labels) keep the
// sample domains few; the check then covers the composite together with that map.
template <class T>
Var<T> prob(const Var<T>& x) {  // into (0.05, 0.95)
    return T(0.5) + T(0.45) * tanh(x);
}

std::vector<OpInfo> make() {
    using D = Domain;
    return {
        // ---- activations and masks ----
        entry<1>(
            "relu6",
            +[] {
                return Samples{sample({{{3, 5}, D::wide}}), sample({{{4, 3}, D::wide, true}}, "transposed")};
            },
            []<class T>(const Vs<T>& x) { return relu6(x[0]); }),
        entry<1>(
            "masked_fill",
            +[] {
                return Samples{sample({{{3, 4}}}), sample({{{3, 4}, D::any, true}}, "transposed")};
            },
            []<class T>(const Vs<T>& x) {
                Tensor<T> mask = zeros<T>(x[0].shape());
                T* m = mask.data();
                for (index_t i = 0; i < mask.numel(); i += 3) m[i] = 1;
                return masked_fill(x[0], mask, T(0.25));
            }),
        // ---- losses ----
        entry<2>(
            "cross_entropy_probs",
            +[] {
                return Samples{sample({{{4, 5}}, {{4, 5}}})};
            },
            []<class T>(const Vs<T>& x) { return cross_entropy(x[0], softmax(x[1], -1)); }),
        entry<1>(
            "nll_loss",
            +[] {
                return Samples{sample({{{4, 5}}})};
            },
            []<class T>(const Vs<T>& x) {
                return nll_loss(log_softmax(x[0], -1), std::vector<index_t>{0, 3, 4, 1});
            }),
        entry<2>(
            "binary_cross_entropy",
            +[] {
                return Samples{sample({{{3, 4}}, {{3, 4}}})};
            },
            []<class T>(const Vs<T>& x) { return binary_cross_entropy(prob(x[0]), prob(x[1])); }),
        entry<2>(
            "mse_loss",
            +[] {
                return Samples{sample({{{3, 4}}, {{3, 4}}}), sample({{{3, 4}}, {{4}}}, "broadcast")};
            },
            []<class T>(const Vs<T>& x) { return mse_loss(x[0], x[1]); }),
        entry<2>(
            "l1_loss",
            +[] {
                return Samples{sample({{{3, 4}, D::nonzero}, {{3, 4}, D::nonzero}})};
            },
            []<class T>(const Vs<T>& x) { return l1_loss(x[0], x[1], Reduction::sum); }),
        entry<2>(
            "smooth_l1_loss",
            +[] {
                return Samples{sample({{{3, 4}, D::wide}, {{3, 4}}})};
            },
            []<class T>(const Vs<T>& x) { return smooth_l1_loss(x[0], x[1], Reduction::mean, 0.7); }),
        entry<2>(
            "huber_loss",
            +[] {
                return Samples{sample({{{3, 4}, D::wide}, {{3, 4}}})};
            },
            []<class T>(const Vs<T>& x) { return huber_loss(x[0], x[1], Reduction::mean, 0.9); }),
        entry<2>(
            "kl_div",
            +[] {
                return Samples{sample({{{3, 4}}, {{3, 4}}})};
            },
            []<class T>(const Vs<T>& x) {
                return kl_div(log_softmax(x[0], -1), softmax(x[1], -1), Reduction::batchmean);
            }),
        entry<2>(
            "cosine_similarity",
            +[] {
                return Samples{sample({{{3, 4}}, {{3, 4}}}), sample({{{3, 4}}, {{4}}}, "broadcast")};
            },
            []<class T>(const Vs<T>& x) { return cosine_similarity(x[0], x[1], -1); }),
        entry<2>(
            "margin_ranking_loss",
            +[] {
                return Samples{sample({{{6}, D::wide}, {{6}, D::wide}})};
            },
            []<class T>(const Vs<T>& x) {
                const Var<T> y(Tensor<T>::from_vector({1, -1, 1, 1, -1, -1}));
                return margin_ranking_loss(x[0], x[1], y, 0.5);
            }),
        entry<1>(
            "hinge_embedding_loss",
            +[] {
                return Samples{sample({{{6}, D::wide}})};
            },
            []<class T>(const Vs<T>& x) {
                const Var<T> y(Tensor<T>::from_vector({1, -1, 1, -1, -1, 1}));
                return hinge_embedding_loss(x[0], y, 1.5);
            }),
        // ---- normalization ----
        entry<3>(
            "layer_norm",
            +[] {
                return Samples{sample({{{3, 4}}, {{4}}, {{4}}}),
                               sample({{{2, 3, 4}}, {{3, 4}}, {{3, 4}}}, "two axes")};
            },
            []<class T>(const Vs<T>& x) {
                Shape ns;
                for (std::size_t i = 0; i < x[1].shape().size(); ++i) ns.push_back(x[1].shape()[i]);
                return layer_norm(x[0], ns, x[1], x[2]);
            }),
        entry<3>(
            "batch_norm",
            +[] {
                return Samples{sample({{{4, 3}}, {{3}}, {{3}}}),
                               sample({{{2, 3, 2, 2}}, {{3}}, {{3}}}, "NCHW")};
            },
            []<class T>(const Vs<T>& x) { return batch_norm<T>(x[0], nullptr, nullptr, x[1], x[2]); }),
        entry<3>(
            "group_norm",
            +[] {
                return Samples{sample({{{2, 4, 3}}, {{4}}, {{4}}})};
            },
            []<class T>(const Vs<T>& x) { return group_norm(x[0], 2, x[1], x[2]); }),
        entry<3>(
            "instance_norm",
            +[] {
                return Samples{sample({{{2, 3, 4}}, {{3}}, {{3}}})};
            },
            []<class T>(const Vs<T>& x) { return instance_norm(x[0], x[1], x[2]); }),
        entry<2>(
            "rms_norm",
            +[] {
                return Samples{sample({{{3, 4}}, {{4}}})};
            },
            []<class T>(const Vs<T>& x) { return rms_norm(x[0], Shape{4}, x[1]); }),
        // ---- convolution ----
        entry<3>(
            "conv1d",
            +[] {
                return Samples{sample({{{2, 2, 7}}, {{3, 2, 3}}, {{3}}})};
            },
            []<class T>(const Vs<T>& x) {
                Conv1dOptions o;
                o.stride = 2;
                o.padding = 1;
                return conv1d(x[0], x[1], x[2], o);
            }),
        // ---- shape and indexing ----
        entry<2>(
            "stack",
            +[] {
                return Samples{sample({{{3, 4}}, {{3, 4}}}),
                               sample({{{3, 4}, D::any, true}, {{3, 4}}}, "transposed")};
            },
            []<class T>(const Vs<T>& x) {
                return stack({x[0], x[1]}, 1);
            }),
        entry<1>(
            "split",
            +[] {
                return Samples{sample({{{5, 3}}})};
            },
            []<class T>(const Vs<T>& x) {
                const Vs<T> p = split(x[0], 2, 0);  // sizes 2, 2, 1
                return concat({p[2], p[0] * T(2), p[1]}, 0);
            }),
        entry<1>(
            "squeeze_unsqueeze_flatten",
            +[] {
                return Samples{sample({{{2, 1, 3}}})};
            },
            []<class T>(const Vs<T>& x) { return flatten(unsqueeze(squeeze(x[0], 1), 0)) * T(1.5); }),
        entry<1>(
            "transpose",
            +[] {
                return Samples{sample({{{2, 3, 4}}})};
            },
            []<class T>(const Vs<T>& x) { return transpose(x[0], 0, 2); }),
        entry<1>(
            "flip",
            +[] {
                return Samples{sample({{{3, 4}}}), sample({{{3, 4}, D::any, true}}, "transposed")};
            },
            []<class T>(const Vs<T>& x) { return flip(x[0], Shape{1}); }),
        entry<1>(
            "pad_constant",
            +[] {
                return Samples{sample({{{3, 4}}})};
            },
            []<class T>(const Vs<T>& x) {
                return pad(x[0], {1, 0, 2, 1}, PadMode::constant, T(0.5));
            }),
        entry<1>(
            "pad_reflect",
            +[] {
                return Samples{sample({{{3, 4}}})};
            },
            []<class T>(const Vs<T>& x) {
                return pad(x[0], {1, 2, 2, 1}, PadMode::reflect);
            }),
        entry<1>(
            "tile",
            +[] {
                return Samples{sample({{{2, 3}}})};
            },
            []<class T>(const Vs<T>& x) {
                return tile(x[0], Shape{2, 1, 2});
            }),
        entry<1>(
            "embedding",
            +[] {
                return Samples{sample({{{5, 3}}})};
            },
            []<class T>(const Vs<T>& x) {
                return embedding(x[0], IndexArray{Shape{2, 3}, {4, 0, 4, 1, 4, 2}});  // repeats accumulate
            }),
        // ---- reductions ----
        entry<1>(
            "max_all",
            +[] {
                return Samples{sample({{{3, 4}, D::distinct}})};
            },
            []<class T>(const Vs<T>& x) { return max(x[0]); }),
        entry<1>(
            "min_axis",
            +[] {
                return Samples{sample({{{3, 4}, D::distinct}})};
            },
            []<class T>(const Vs<T>& x) { return min(x[0], 1); }),
        entry<1>(
            "mean_axes",
            +[] {
                return Samples{sample({{{2, 3, 4}}})};
            },
            []<class T>(const Vs<T>& x) {
                return mean(x[0], Shape{0, 2});
            }),
        entry<1>(
            "norm_l1",
            +[] {
                return Samples{sample({{{3, 4}, D::nonzero}})};
            },
            []<class T>(const Vs<T>& x) { return norm(x[0], 1, Shape{1}); }),
        entry<1>(
            "norm_inf",
            +[] {
                return Samples{sample({{{3, 4}, D::distinct}})};
            },
            []<class T>(const Vs<T>& x) {
                return norm(x[0], std::numeric_limits<double>::infinity(), Shape{1});
            }),
        entry<1>(
            "norm_p3",
            +[] {
                return Samples{sample({{{3, 4}, D::nonzero}})};
            },
            []<class T>(const Vs<T>& x) { return norm(x[0], 3, Shape{0}); }),
        entry<1>(
            "frobenius_norm",
            +[] {
                return Samples{sample({{{3, 4}}})};
            },
            []<class T>(const Vs<T>& x) { return frobenius_norm(x[0]); }),
        entry<2>(
            "einsum_matmul",
            +[] {
                return Samples{sample({{{3, 4}}, {{4, 2}}})};
            },
            []<class T>(const Vs<T>& x) {
                return einsum("ij,jk->ik", {x[0], x[1]});
            }),
        entry<2>(
            "einsum_batched",
            +[] {
                return Samples{sample({{{2, 3, 4}}, {{2, 4, 3}}})};
            },
            []<class T>(const Vs<T>& x) {
                return einsum("bij,bjk->bik", {x[0], x[1]});
            }),
        entry<1>(
            "einsum_trace",
            +[] {
                return Samples{sample({{{4, 4}}})};
            },
            []<class T>(const Vs<T>& x) { return einsum("ii->", {x[0]}); }),
        entry<3>(
            "einsum_three",
            +[] {
                return Samples{sample({{{2, 3}}, {{3, 4}}, {{4, 2}}})};
            },
            []<class T>(const Vs<T>& x) {
                return einsum("ij,jk,kl->il", {x[0], x[1], x[2]});
            }),
    };
}

}  // namespace

const std::vector<OpInfo>& composite_registry() {
    static const std::vector<OpInfo> r = make();
    return r;
}

}  // namespace tg
