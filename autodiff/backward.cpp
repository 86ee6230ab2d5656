// The reverse sweep. See NOTE [tape order], [tape identity] and [versions] in tape.hpp.
// Adjoints are Vars: without create_graph the sweep runs under NoGrad, so they are plain values;
// with it, every VJP and every accumulation is recorded and can be differentiated again.
#include <optional>
#include <string>

#include "engine_ops.hpp"
#include "forward.hpp"
#include "gradients.hpp"
#include "tape.hpp"

namespace tg {

namespace {

using detail::Node;
using detail::VarNode;

// NOTE [exclusive]: the one test of "nobody else can see this buffer". No handle on the node but
// the `refs` the caller holds, no other tensor on its buffer, a dense layout (a broadcast view's
// elements overlap). Only then may the engine write an adjoint in place, or hand a buffer to a
// leaf as that leaf's own gradient. Every observer of a buffer holds a counted handle (a Var, a
// Tensor, a tape node), so the counts are the proof.
template <class T>
bool exclusive(const std::shared_ptr<VarNode<T>>& n, long refs = 1) {
    return n && n.use_count() == refs && n->value.storage_use_count() == 1 && n->value.is_contiguous();
}

// In-place accumulation also needs a plain sweep: a recorded adjoint must stay differentiable, and
// one that carries a tangent (forward-over-reverse) must have its tangent summed too.
template <class T>
bool writable(const std::shared_ptr<VarNode<T>>& n, const Shape& shape) {
    return plain_mode() && exclusive(n) && n->value.shape() == shape;
}

// A gradient handed to the user: `g` itself when nobody else can see it, else a copy (recorded
// under create_graph, with its tangent under forward mode).
template <class T>
Var<T> owned(Var<T> g) {
    if (exclusive(g.node())) return g;
    return detail::engine_copy(g);
}

// Gradient accumulation into a leaf's (or a retained non-leaf's) .grad.
template <class T>
void accumulate(std::shared_ptr<VarNode<T>>& into, Var<T> g) {
    if (!into) {
        into = owned(std::move(g)).node();
    } else if (writable(into, g.shape())) {
        into->value += g.value();
    } else {
        into = detail::engine_add(Var<T>(into), g).node();
    }
}

// Adjoint accumulation inside the sweep.
template <class T>
void add_adjoint(Var<T>& a, const Var<T>& c) {
    if (!a.defined()) a = c;
    else if (writable(a.node(), c.shape())) a.node()->value += c.value();
    else a = detail::engine_add(a, c);
}

// An op's plain-sweep shortcut (Node::add_into): Slice adds its cotangent into its region of the
// input's adjoint instead of materializing a zero tensor of the input's shape, so a loop slicing
// T steps out of one sequence costs O(T), not O(T^2). False where the generic path must run.
template <class T>
bool add_through_hook(const Node<T>& nd, const Var<T>& g, Var<T>& adj) {
    if (!nd.add_into || !(nd.needs & 1u) || !plain_mode()) return false;
    const Shape& shape = nd.in[0]->value.shape();
    if (!adj.defined()) {
        Tensor<T> z(shape);  // zeros
        nd.add_into(nd.attrs, g.value(), z);
        adj = Var<T>(std::move(z));
        return true;
    }
    if (!writable(adj.node(), shape)) return false;
    nd.add_into(nd.attrs, g.value(), adj.node()->value);
    return true;
}

[[noreturn]] void modified_error(const char* api, const char* op, const std::string& which,
                                 const Shape& shape, std::uint64_t now, std::uint64_t then) {
    throw AutogradError(std::string(api) + ": " + which + " of '" + op + "' (shape " + shape.str() +
                        ") was written in place after the op was recorded (storage version " +
                        std::to_string(now) + ", recorded at version " + std::to_string(then) +
                        "); backward refuses a graph whose values changed under it. Update a clone(), "
                        "or run backward first");
}

// NOTE [versions]. Inputs: those the op's VJP reads. The output: always, since the ops after it
// computed with its value (a write to y = x + x would cut y from x without any VJP noticing).
template <class T>
void check_versions(const Node<T>& nd, const char* api) {
    for (int j = 0; j < nd.n_in; ++j) {
        if (!((nd.saved >> j) & 1u)) continue;
        const Tensor<T>& v = nd.in[j]->value;
        if (v.version() != nd.in_version[j])
            modified_error(api, nd.name, "input " + std::to_string(j), v.shape(), v.version(),
                           nd.in_version[j]);
    }
    const Tensor<T>& y = nd.out->value;
    if (y.version() != nd.out_version)
        modified_error(api, nd.name, "the output", y.shape(), y.version(), nd.out_version);
    if (plain_mode()) return;  // no tangent is read
    for (int j = 0; j < nd.n_in; ++j) {
        const auto& t = nd.in[j]->tangent;
        const bool same = t.get() == nd.in_tangent[j] && (!t || t->value.version() == nd.in_tangent_version[j]);
        if (!same)
            throw AutogradError(std::string(api) + ": the tangent of input " + std::to_string(j) + " of '" +
                                nd.name +
                                "' changed after the op was recorded (set_tangent or an in-place "
                                "write); forward-over-reverse needs the tangents of the forward pass");
    }
}

// NOTE [tape identity]: every slot a node names was handed out by this tape, so it indexes this
// sweep's table; checked anyway, because a slot from another tape would be a silently wrong adjoint.
template <class T>
void check_slots(const Node<T>& nd, std::size_t n_slots, const char* api) {
    bool ok = nd.out_slot < n_slots;
    for (int j = 0; j < nd.n_in; ++j) ok &= !((nd.needs >> j) & 1u) || nd.in_slot[j] < n_slots;
    if (!ok)
        throw AutogradError(std::string(api) + ": internal error: node '" + nd.name +
                            "' names a slot outside its tape (" + std::to_string(n_slots) + " slots)");
}

template <class T>
void check_root(const Var<T>& root, const Tensor<T>& seed, const char* api) {
    if (!root.defined()) throw AutogradError(std::string(api) + ": undefined Var");
    if (!seed.defined()) throw AutogradError(std::string(api) + ": undefined seed tensor");
    if (!root.requires_grad())
        throw AutogradError(std::string(api) + ": this Var of shape " + root.shape().str() +
                            " does not require grad (no input requires grad, it was computed under NoGrad, or its "
                            "inputs live on an outer TapeScope's tape, where they are constants)");
    if (!(seed.shape() == root.shape()))
        throw ShapeError(std::string(api) + ": seed has shape " + seed.shape().str() +
                         " but the output has shape " + root.shape().str());
}

// While a sweep runs: its tape may not be released (by a VJP rule), and a create_graph sweep
// records on the tape it sweeps, even when another scope is innermost (the swept nodes' outputs
// live there; on an inner tape they would be constants and the second derivative would lose
// their dependence on the inputs).
template <class T>
class SweepGuard {
public:
    SweepGuard(detail::Tape<T>& t, bool create_graph)
        : tape_(t), pushed_(create_graph && &detail::active_tape<T>() != &t) {
        ++tape_.sweeping;
        if (pushed_) detail::push_tape<T>(&tape_);
    }
    ~SweepGuard() {
        if (pushed_) detail::pop_tape<T>(&tape_);
        --tape_.sweeping;
    }
    SweepGuard(const SweepGuard&) = delete;
    SweepGuard& operator=(const SweepGuard&) = delete;

private:
    detail::Tape<T>& tape_;
    bool pushed_;
};

template <class T>
using Retained = std::vector<std::pair<std::shared_ptr<VarNode<T>>, Var<T>>>;

// The sweep proper: adjoints of every slot of root's tape, from root back to the first node.
// `retained` collects (non-leaf, adjoint) for those that asked for retain_grad(); the caller
// stores them once the whole sweep has succeeded, like the leaves' gradients, so a sweep that
// throws (a version error, a failing custom rule) leaves no gradient half accumulated.
template <class T>
std::vector<Var<T>> sweep(detail::Tape<T>& tape, const Var<T>& root, const Tensor<T>& seed, bool keep,
                          Retained<T>* retained, const char* api) {
    std::size_t end = tape.nodes.size();
    while (end > 0 && tape.nodes[end - 1].out.get() != root.node().get()) --end;
    if (end == 0) throw AutogradError(std::string(api) + ": this Var has no node on its tape");

    std::vector<Var<T>> adj(tape.n_slots);
    adj[tape.nodes[end - 1].out_slot] = Var<T>(seed);
    for (std::size_t i = end; i-- > 0;) {
        Node<T>& nd = tape.nodes[i];  // stays valid while a create_graph sweep appends
        check_slots(nd, adj.size(), api);
        Var<T> g;
        if (keep) g = adj[nd.out_slot];
        else g = std::move(adj[nd.out_slot]);
        if (!g.defined()) continue;  // not on root's graph (another graph on the same tape)
        check_versions(nd, api);
        if (retained && nd.out->retain_grad) retained->emplace_back(nd.out, g);
        if (add_through_hook(nd, g, adj[nd.in_slot[0]])) continue;
        VjpArgs<T> args{{}, Var<T>(nd.out), g, nd.attrs, nd.needs, nd.state.get()};
        for (int j = 0; j < nd.n_in; ++j) args.x[j] = Var<T>(nd.in[j]);
        Cotangents<T> c;
        nd.vjp(args, c);
        for (int j = 0; j < nd.n_in; ++j) {
            if (!((nd.needs >> j) & 1u) || !c[j].defined()) continue;
            if (!(c[j].shape() == nd.in[j]->value.shape()))  // a broken rule: an error, not a crash
                throw AutogradError(std::string(api) + ": the VJP of '" + nd.name + "' returned shape " +
                                    c[j].shape().str() + " for input " + std::to_string(j) + " of shape " +
                                    nd.in[j]->value.shape().str());
            add_adjoint(adj[nd.in_slot[j]], c[j]);
        }
    }
    return adj;
}

template <class T>
detail::Tape<T>& tape_of(const Var<T>& root, const char* api) {
    detail::Tape<T>* tape = detail::find_tape<T>(root.node()->gen);
    if (tape == nullptr)
        throw AutogradError(std::string(api) +
                            ": the graph of this Var was released (by an earlier backward, clear_tape or the "
                            "end of its TapeScope) or recorded on another thread; pass "
                            "BackwardOptions{.keep_graph = true} to run backward twice");
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
    {
        // Accumulation may record (create_graph): on the swept tape too, like the sweep.
        const SweepGuard<T> guard(tape, opts.create_graph);
        Retained<T> retained;
        std::vector<Var<T>> adj = sweep(tape, *this, seed, keep, &retained, "backward");
        for (auto& [node, a] : retained) accumulate(node->grad, std::move(a));
        retained.clear();
        // Each leaf's adjoint leaves the table as it is handed over: NOTE [exclusive] then counts
        // only real holders (another leaf's entry still holding one buffer makes this one a copy,
        // and the last holder takes the buffer over). A leaf first registered by an op that a
        // create_graph sweep recorded has no adjoint here.
        for (auto& leaf : tape.leaves) {
            if (leaf.slot >= adj.size()) continue;
            Var<T> g = std::move(adj[leaf.slot]);
            if (g.defined()) accumulate(leaf.node->grad, std::move(g));
        }
    }
    if (!keep) tape.release();
}

template <class T>
std::vector<Var<T>> gradients(const Var<T>& y, const std::vector<Var<T>>& xs, const Tensor<T>& seed,
                              const BackwardOptions& opts) {
    check_root(y, seed, "gradients");
    const SweepMode mode(opts.create_graph);
    std::vector<Var<T>> got(xs.size());
    auto zeros_like = [](const Var<T>& x) { return Var<T>(Tensor<T>(x.shape())); };
    for (const auto& x : xs)
        if (!x.defined()) throw AutogradError("gradients: undefined Var among the inputs");
    if (y.is_leaf()) {
        for (std::size_t i = 0; i < xs.size(); ++i)
            got[i] = xs[i].node() == y.node() ? Var<T>(seed) : zeros_like(xs[i]);
    } else {
        detail::Tape<T>& tape = tape_of(y, "gradients");
        const bool keep = opts.keep_graph || opts.create_graph;
        std::vector<Var<T>> out;
        {
            const SweepGuard<T> guard(tape, opts.create_graph);
            {
                // Adjoints are kept through the sweep: a requested x may be an intermediate.
                std::vector<Var<T>> adj = sweep<T>(tape, y, seed, true, nullptr, "gradients");
                for (std::size_t i = 0; i < xs.size(); ++i) {
                    const auto& n = xs[i].node();
                    const auto slot = n->requires_grad ? tape.slot_of(*n) : std::nullopt;
                    if (slot && *slot < adj.size() && adj[*slot].defined()) got[i] = adj[*slot];
                    else got[i] = zeros_like(xs[i]);
                }
            }
            for (auto& g : got) out.push_back(owned(std::move(g)));  // NOTE [exclusive]
        }
        if (!keep) tape.release();
        return out;
    }
    std::vector<Var<T>> out;
    for (auto& g : got) out.push_back(owned(std::move(g)));  // NOTE [exclusive]
    return out;
}

#define TG_INSTANTIATE(T)                                                                                  \
    template void Var<T>::backward(const Tensor<T>&, const BackwardOptions&) const;                        \
    template std::vector<Var<T>> gradients<T>(const Var<T>&, const std::vector<Var<T>>&, const Tensor<T>&, \
                                              const BackwardOptions&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)

}  // namespace tg
