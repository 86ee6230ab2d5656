// The reverse sweep. See NOTE [tape order] and NOTE [generations] in tape.hpp.
// Adjoints are Vars: without create_graph the sweep runs under NoGrad, so they are plain values;
// with it, every VJP and every accumulation is recorded and can be differentiated again.
#include <optional>

#include "../ops/functions.hpp"
#include "../ops/op.hpp"
#include "../ops/shape_ops.hpp"
#include "forward.hpp"
#include "gradients.hpp"
#include "tape.hpp"

namespace tg {

namespace {

// Gradient accumulation. Out of place in general (a gradient the user holds is never changed
// behind their back); in place when nothing is recorded and nobody else sees the buffer, which
// saves a tensor and a node per leaf per backward.
template <class T>
void accumulate(std::shared_ptr<detail::VarNode<T>>& into, const Var<T>& g) {
    if (into && !grad_enabled() && into.use_count() == 1 && into->value.storage_use_count() == 1 &&
        into->value.is_contiguous() && g.value().is_contiguous() && into->value.shape() == g.shape()) {
        into->value += g.value();
        return;
    }
    into = into ? add(Var<T>(into), g).node() : g.node();
}

// Adjoint accumulation inside the sweep: in place under the same conditions, and only when no
// tangent travels with the adjoints (forward-over-reverse needs the recorded add).
template <class T>
void add_adjoint(Var<T>& a, const Var<T>& c) {
    if (!a.defined()) {
        a = c;
        return;
    }
    const auto& n = a.node();
    if (plain_mode() && n.use_count() == 1 && n->value.storage_use_count() == 1 && n->value.is_contiguous() &&
        n->value.shape() == c.shape()) {
        n->value += c.value();
        return;
    }
    a = add(a, c);
}

// A slice's cotangent is zero outside the sliced region of its input. In a plain sweep it is added
// into that region of the input's adjoint in place instead of being materialized at the input's
// full shape: a loop slicing T steps out of one tensor (an RNN over a sequence) would otherwise
// write T tensors of the whole sequence's size. Returns false where the generic path must run.
template <class T>
bool add_slice_adjoint(const detail::Node<T>& nd, const Var<T>& g, std::vector<Var<T>>& adjoints) {
    if (nd.vjp != &detail::vjp_thunk<ops::Slice, T> || !(nd.needs & 1u) || !plain_mode()) return false;
    Var<T>& adj = adjoints[nd.in[0]->slot];
    const Attrs& a = nd.attrs;
    if (!adj.defined()) {
        Tensor<T> z(nd.in[0]->value.shape());  // zeros
        z.slice(a.axis, a.start, a.stop, a.step).assign(g.value());
        adj = Var<T>(std::move(z));
        return true;
    }
    const auto& n = adj.node();
    if (n.use_count() != 1 || n->value.storage_use_count() != 1 || !n->value.is_contiguous()) return false;
    Tensor<T> region = n->value.slice(a.axis, a.start, a.stop, a.step);
    region += g.value();  // through the view: in place where the region is contiguous
    return true;
}

template <class T>
void check_root(const Var<T>& root, const Tensor<T>& seed, const char* api) {
    if (!root.defined()) throw AutogradError(std::string(api) + ": undefined Var");
    if (!root.requires_grad())
        throw AutogradError(std::string(api) + ": this Var of shape " + root.shape().str() +
                            " does not require grad (no input requires grad, or it was computed under NoGrad)");
    if (!(seed.shape() == root.shape()))
        throw ShapeError(std::string(api) + ": seed has shape " + seed.shape().str() +
                         " but the output has shape " + root.shape().str());
}

// The sweep proper: adjoints of every slot of root's tape, from root back to the first node.
// `retain` also stores adjoints into non-leaves that asked for retain_grad().
template <class T>
std::vector<Var<T>> sweep(detail::Tape<T>& tape, const Var<T>& root, const Tensor<T>& seed, bool keep,
                          bool retain, const char* api) {
    std::size_t end = tape.nodes.size();
    while (end > 0 && tape.nodes[end - 1].out.get() != root.node().get()) --end;
    if (end == 0) throw AutogradError(std::string(api) + ": this Var has no node on its tape");

    std::vector<Var<T>> adj(tape.n_slots);
    adj[root.node()->slot] = Var<T>(seed);
    for (std::size_t i = end; i-- > 0;) {
        detail::Node<T>& nd = tape.nodes[i];  // stays valid while a create_graph sweep appends
        Var<T> g = adj[nd.out->slot];
        if (!g.defined()) continue;
        if (!keep && !nd.out->is_leaf) adj[nd.out->slot] = Var<T>();
        if (retain && nd.out->retain_grad) accumulate(nd.out->grad, g);
        if (add_slice_adjoint(nd, g, adj)) continue;
        VjpArgs<T> args{{}, Var<T>(nd.out), g, nd.attrs, nd.needs, nd.state.get()};
        for (int j = 0; j < nd.n_in; ++j) args.x[j] = Var<T>(nd.in[j]);
        Cotangents<T> c;
        nd.vjp(args, c);
        for (int j = 0; j < nd.n_in; ++j) {
            if (!((nd.needs >> j) & 1u) || !c[j].defined()) continue;
            add_adjoint(adj[nd.in[j]->slot], c[j]);
        }
    }
    return adj;
}

template <class T>
detail::Tape<T>& tape_of(const Var<T>& root, const char* api) {
    detail::Tape<T>* tape = detail::find_tape<T>(root.node()->gen);
    if (tape == nullptr)
        throw AutogradError(std::string(api) +
                            ": the graph of this Var was released by an earlier backward (or recorded on another "
                            "thread); pass BackwardOptions{.keep_graph = true} to run backward twice");
    return *tape;
}

// Grad mode for the sweep: recording only with create_graph.
struct SweepMode {
    explicit SweepMode(bool create_graph) {
        if (create_graph) on.emplace();
        else off.emplace();
    }
    std::optional<NoGrad> off;
    std::optional<EnableGrad> on;
};

}  // namespace

template <class T>
void Var<T>::backward(const Tensor<T>& seed, const BackwardOptions& opts) const {
    check_root(*this, seed, "backward");
    const SweepMode mode(opts.create_graph);
    if (n_->is_leaf) {  // d(x)/dx: the seed itself
        accumulate(n_->grad, Var<T>(seed));
        return;
    }
    detail::Tape<T>& tape = tape_of(*this, "backward");
    const bool keep = opts.keep_graph || opts.create_graph;
    const std::vector<Var<T>> adj = sweep(tape, *this, seed, keep, true, "backward");
    for (const auto& leaf : tape.leaves)
        if (adj[leaf->slot].defined()) accumulate(leaf->grad, adj[leaf->slot]);
    if (!keep) tape.release();
}

template <class T>
std::vector<Var<T>> gradients(const Var<T>& y, const std::vector<Var<T>>& xs, const Tensor<T>& seed,
                              const BackwardOptions& opts) {
    check_root(y, seed, "gradients");
    const SweepMode mode(opts.create_graph);
    std::vector<Var<T>> out;
    auto zeros_like = [](const Var<T>& x) { return Var<T>(Tensor<T>(x.shape())); };
    if (y.is_leaf()) {
        for (const auto& x : xs) out.push_back(x.node() == y.node() ? Var<T>(seed) : zeros_like(x));
        return out;
    }
    detail::Tape<T>& tape = tape_of(y, "gradients");
    const bool keep = opts.keep_graph || opts.create_graph;
    // Adjoints are kept through the sweep (keep = true): a requested x may be an intermediate.
    const std::vector<Var<T>> adj = sweep(tape, y, seed, true, false, "gradients");
    for (const auto& x : xs) {
        const auto& n = x.node();
        if (n == y.node()) {
            out.push_back(Var<T>(seed));
            continue;
        }
        const bool on_tape = n && n->requires_grad && n->gen == tape.gen && n->slot < adj.size();
        out.push_back(on_tape && adj[n->slot].defined() ? adj[n->slot] : zeros_like(x));
    }
    if (!keep) tape.release();
    return out;
}

#define TG_INSTANTIATE(T)                                                                                  \
    template void Var<T>::backward(const Tensor<T>&, const BackwardOptions&) const;                        \
    template std::vector<Var<T>> gradients<T>(const Var<T>&, const std::vector<Var<T>>&, const Tensor<T>&, \
                                              const BackwardOptions&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)

}  // namespace tg
