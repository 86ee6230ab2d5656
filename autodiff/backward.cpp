// The reverse sweep. See NOTE [tape order] and NOTE [generations] in tape.hpp.
// Adjoints are Vars: without create_graph the sweep runs under NoGrad, so they are plain values;
// with it, every VJP and every accumulation is recorded and can be differentiated again.
#include <optional>

#include "../ops/functions.hpp"
#include "tape.hpp"

namespace tg {

namespace {
template <class T>
void accumulate(std::shared_ptr<detail::VarNode<T>>& into, const Var<T>& g) {
    into = into ? add(Var<T>(into), g).node() : g.node();
}
}  // namespace

template <class T>
void Var<T>::backward(const Tensor<T>& seed, const BackwardOptions& opts) const {
    if (!n_) throw AutogradError("backward: undefined Var");
    if (!n_->requires_grad)
        throw AutogradError("backward: this Var of shape " + n_->value.shape().str() +
                            " does not require grad (no input requires grad, or it was computed under NoGrad)");
    if (!(seed.shape() == n_->value.shape()))
        throw ShapeError("backward: seed has shape " + seed.shape().str() + " but the output has shape " +
                         n_->value.shape().str());
    const bool keep = opts.keep_graph || opts.create_graph;
    std::optional<NoGrad> no_grad;
    if (!opts.create_graph) no_grad.emplace();
    std::optional<EnableGrad> enable_grad;
    if (opts.create_graph) enable_grad.emplace();

    if (n_->is_leaf) {  // d(x)/dx: the seed itself
        accumulate(n_->grad, Var<T>(seed));
        return;
    }
    detail::Tape<T>* tape = detail::find_tape<T>(n_->gen);
    if (tape == nullptr)
        throw AutogradError("backward: the graph of this Var was released by an earlier backward (or recorded on "
                            "another thread); pass BackwardOptions{.keep_graph = true} to run backward twice");

    std::size_t end = tape->nodes.size();
    while (end > 0 && tape->nodes[end - 1].out.get() != n_.get()) --end;
    if (end == 0) throw AutogradError("backward: this Var has no node on its tape");

    std::vector<Var<T>> adj(tape->n_slots);
    adj[n_->slot] = Var<T>(seed);
    for (std::size_t i = end; i-- > 0;) {
        detail::Node<T>& nd = tape->nodes[i];  // stays valid while a create_graph sweep appends
        Var<T> g = adj[nd.out->slot];
        if (!g.defined()) continue;
        if (!keep) adj[nd.out->slot] = Var<T>();
        if (nd.out->retain_grad) accumulate(nd.out->grad, g);
        VjpArgs<T> args{{}, Var<T>(nd.out), g, nd.attrs, nd.needs};
        for (int j = 0; j < nd.n_in; ++j) args.x[j] = Var<T>(nd.in[j]);
        Cotangents<T> c;
        nd.vjp(args, c);
        for (int j = 0; j < nd.n_in; ++j) {
            if (!((nd.needs >> j) & 1u) || !c[j].defined()) continue;
            Var<T>& a = adj[nd.in[j]->slot];
            a = a.defined() ? add(a, c[j]) : c[j];
        }
    }
    for (const auto& leaf : tape->leaves)
        if (adj[leaf->slot].defined()) accumulate(leaf->grad, adj[leaf->slot]);
    if (!keep) tape->release();
}

template void Var<float>::backward(const Tensor<float>&, const BackwardOptions&) const;
template void Var<double>::backward(const Tensor<double>&, const BackwardOptions&) const;

}  // namespace tg
