#include "tape.hpp"

#include "forward.hpp"

#include <atomic>
#include <string>

namespace tg {

namespace {
std::atomic<std::uint64_t> next_gen{1};
thread_local bool grad_on = true;

template <class T>
struct TapeStack {
    detail::Tape<T> base;
    std::vector<detail::Tape<T>*> stack{&base};
};
template <class T>
TapeStack<T>& tapes() {
    thread_local TapeStack<T> s;
    return s;
}
}  // namespace

bool grad_enabled() { return grad_on; }

int& detail::forward_depth() {
    thread_local int depth = 0;
    return depth;
}
NoGrad::NoGrad() : prev_(grad_on) { grad_on = false; }
NoGrad::~NoGrad() { grad_on = prev_; }
EnableGrad::EnableGrad() : prev_(grad_on) { grad_on = true; }
EnableGrad::~EnableGrad() { grad_on = prev_; }

namespace detail {

template <class T>
Tape<T>::Tape() : gen(next_gen.fetch_add(1, std::memory_order_relaxed)) {}

template <class T>
void Tape<T>::release() {
    if (sweeping > 0)
        throw AutogradError(
            "clear_tape/backward: the tape is being swept by a backward pass that is still running "
            "(a VJP rule released it); run autodiff inside a rule under a tg::TapeScope of its own");
    nodes.clear();
    leaves.clear();
    owner.clear();
    if (!leaf_index.empty()) leaf_index.clear();
    n_slots = 0;
    gen = next_gen.fetch_add(1, std::memory_order_relaxed);
}

template <class T>
std::uint32_t Tape<T>::new_slot(const VarNode<T>* n) {
    owner.push_back(n);
    return n_slots++;
}

namespace {
// A leaf's hint: the low 32 bits of a tape's generation and the leaf's slot there. Only a hint:
// the owner table decides (NOTE [tape identity]).
constexpr std::uint64_t pack_hint(std::uint64_t gen, std::uint32_t slot) { return (gen << 32) | slot; }
}  // namespace

template <class T>
std::optional<std::uint32_t> Tape<T>::slot_of(const VarNode<T>& n) const {
    if (!n.is_leaf) return n.gen == gen ? std::optional<std::uint32_t>(n.slot) : std::nullopt;
    const std::uint64_t h = n.hint.load(std::memory_order_relaxed);
    const auto s = static_cast<std::uint32_t>(h);
    if ((h >> 32) == (gen & 0xffffffffu) && s < owner.size() && owner[s] == &n) return s;
    return find_leaf(&n);
}

// Leaves by node: a scan while a tape has few (a model's parameters: no allocation per tape), a
// hash map, built and extended lazily, beyond that.
template <class T>
std::optional<std::uint32_t> Tape<T>::find_leaf(const VarNode<T>* n) const {
    constexpr std::size_t scan_max = 32;
    if (leaves.size() <= scan_max) {
        for (const Leaf& l : leaves)
            if (l.node.get() == n) return l.slot;
        return std::nullopt;
    }
    for (std::size_t i = leaf_index.size(); i < leaves.size(); ++i)
        leaf_index.emplace(leaves[i].node.get(), leaves[i].slot);
    const auto it = leaf_index.find(n);
    if (it == leaf_index.end()) return std::nullopt;
    return it->second;
}

template <class T>
std::uint32_t Tape<T>::leaf_slot(const std::shared_ptr<VarNode<T>>& n) {
    const std::uint64_t h = n->hint.load(std::memory_order_relaxed);
    const auto s = static_cast<std::uint32_t>(h);
    if ((h >> 32) == (gen & 0xffffffffu) && s < owner.size() && owner[s] == n.get()) return s;
    // A fresh tape (the common case after a release) has no leaves to search.
    std::optional<std::uint32_t> slot = leaves.empty() ? std::nullopt : find_leaf(n.get());
    if (!slot) {
        slot = new_slot(n.get());
        leaves.push_back(Leaf{n, *slot});
    }
    n->hint.store(pack_hint(gen, *slot), std::memory_order_relaxed);
    return *slot;
}

template <class T>
Tape<T>& active_tape() {
    return *tapes<T>().stack.back();
}

template <class T>
Tape<T>* find_tape(std::uint64_t gen) {
    auto& st = tapes<T>().stack;
    for (auto it = st.rbegin(); it != st.rend(); ++it)
        if ((*it)->gen == gen) return *it;
    return nullptr;
}

template <class T>
void push_tape(Tape<T>* t) {
    tapes<T>().stack.push_back(t);
}

template <class T>
void pop_tape(Tape<T>* t) noexcept {
    auto& st = tapes<T>().stack;
    for (auto it = st.end(); it != st.begin() + 1;) {  // never the thread's base tape
        --it;
        if (*it == t) {
            st.erase(it);
            return;
        }
    }
}

namespace {
[[noreturn]] void released_error(const char* op, int i) {
    throw AutogradError(
        std::string(op) + ": input " + std::to_string(i) +
        " belongs to a graph that was released (by backward, clear_tape or the end of its TapeScope) "
        "or recorded on another thread; use detach() to reuse its value as a constant, or "
        "BackwardOptions{.keep_graph = true} to keep a graph through backward");
}
}  // namespace

template <class T>
Var<T> record(VjpFn<T> vjp, const char* name, const Attrs& attrs, Tensor<T>&& y, const Var<T>* const* inputs,
              int n_in, std::shared_ptr<const void> state, AddIntoFn<T> add_into, unsigned saved) {
    Tape<T>& tape = active_tape<T>();
    // First which inputs need a cotangent and their slots; the node is written in place on the
    // tape only if one does (no node built on the stack and moved: it is a few hundred bytes).
    unsigned needs = 0;
    std::array<std::uint32_t, max_inputs> slots{};
    for (int i = 0; i < n_in; ++i) {
        const VarNode<T>& in = *inputs[i]->node();
        if (!in.requires_grad) continue;
        if (in.is_leaf) {
            const std::uint64_t h = in.hint.load(std::memory_order_relaxed);  // inline fast path
            const auto s = static_cast<std::uint32_t>(h);
            const bool hit = (h >> 32) == (tape.gen & 0xffffffffu) && s < tape.owner.size() &&
                             tape.owner[s] == &in;
            slots[i] = hit ? s : tape.leaf_slot(inputs[i]->node());
            needs |= 1u << i;
        } else if (in.gen == tape.gen) {
            slots[i] = in.slot;
            needs |= 1u << i;
        } else if (find_tape<T>(in.gen) == nullptr) {
            released_error(name, i);
        }  // else: an output of an outer tape, a constant here (NOTE [nesting])
    }
    auto out = std::make_shared<VarNode<T>>();
    out->value = std::move(y);
    if (needs == 0) return Var<T>(std::move(out));
    out->requires_grad = true;
    out->is_leaf = false;
    out->gen = tape.gen;
    out->slot = tape.new_slot(out.get());

    Node<T>& node = tape.nodes.emplace_back();  // a reused slot: every field is written
    node.vjp = vjp;
    node.add_into = add_into;
    node.saved = saved;
    node.name = name;
    node.n_in = n_in;
    node.needs = needs;
    node.attrs = attrs;
    node.state = std::move(state);
    for (int i = 0; i < n_in; ++i) {
        const auto& in = inputs[i]->node();
        node.in[i] = in;
        node.in_slot[i] = slots[i];
        node.in_version[i] = in->value.version();
        const VarNode<T>* t = in->tangent.get();
        node.in_tangent[i] = t;
        node.in_tangent_version[i] = t ? t->value.version() : 0;
    }
    node.out_slot = out->slot;
    node.out_version = out->value.version();
    node.out = out;
    return Var<T>(std::move(out));
}

}  // namespace detail

template <class T>
std::size_t tape_size() {
    return detail::active_tape<T>().nodes.size();
}

template <class T>
void clear_tape() {
    detail::active_tape<T>().release();
}

#define TG_INSTANTIATE(T)                                                                       \
    template struct detail::Tape<T>;                                                            \
    template detail::Tape<T>& detail::active_tape<T>();                                         \
    template detail::Tape<T>* detail::find_tape<T>(std::uint64_t);                              \
    template void detail::push_tape<T>(detail::Tape<T>*);                                       \
    template void detail::pop_tape<T>(detail::Tape<T>*) noexcept;                               \
    template Var<T> detail::record<T>(detail::VjpFn<T>, const char*, const Attrs&, Tensor<T>&&, \
                                      const Var<T>* const*, int, std::shared_ptr<const void>,   \
                                      detail::AddIntoFn<T>, unsigned);                          \
    template std::size_t tape_size<T>();                                                        \
    template void clear_tape<T>();
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)

}  // namespace tg
