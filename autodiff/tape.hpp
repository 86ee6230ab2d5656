#pragma once
// The tape: a per-thread Wengert list of op nodes.
//
// NOTE [tape order]: nodes are appended in creation order, which is already topological, so
// backward is a reverse loop over the nodes, never a recursion or a sort.
// NOTE [generations]: every tape has a generation number, unique in the process and renewed when
// the tape is released. A non-leaf remembers the generation it was recorded in; one whose
// generation is not live on this thread's tape stack belongs to a released graph (an error to
// record or backward through).
// NOTE [tape identity]: a position on a tape belongs to that tape's record, never to the shared
// node. Each op node stores the slots of its inputs and output; a leaf (a parameter, which many
// tapes and threads may record at once) gets a slot on every tape that records it, kept in that
// tape's own table. The leaf's `hint` caches the last (generation, slot) and is trusted only after
// the tape confirms it owns that slot for that leaf, so a stale or foreign hint costs a lookup,
// never a wrong adjoint.
// NOTE [versions]: each node also stores the storage versions of its inputs and output at record
// time; the sweep refuses to run a VJP whose saved tensors were written since.
// NOTE [nesting]: TapeScope pushes a fresh tape. Vars that live on an outer tape are constants on
// the inner one, so a nested sweep (a solver's adjoint inside a backward) leaves the outer intact.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "attrs.hpp"
#include "var.hpp"

namespace tg {

namespace detail {
inline constexpr int max_inputs = 4;
/// Which tensors an op's VJP reads (bit i: input i; saves_output: the output). Only these are
/// version-checked (NOTE [versions]): an op whose VJP reads shapes only saves nothing.
inline constexpr unsigned saves_output = 1u << max_inputs;
inline constexpr unsigned saves_all = saves_output | ((1u << max_inputs) - 1);
}  // namespace detail

/// What a VJP rule sees. Rules are written with differentiable Var ops, so a create_graph
/// backward records them and they can be differentiated again.
template <class T>
struct VjpArgs {
    std::array<Var<T>, detail::max_inputs> x;  ///< primal inputs
    Var<T> y;                                  ///< primal output
    Var<T> gy;                                 ///< cotangent of the output (output's shape)
    const Attrs& attrs;
    unsigned needs;
    const void* state = nullptr;  ///< per-node data of a custom function (null for registered ops)
    bool need(int i) const { return (needs >> i) & 1u; }
};
template <class T>
using Cotangents = std::array<Var<T>, detail::max_inputs>;

/// What a JVP rule sees: tangents are undefined Vars where the tangent is zero.
template <class T>
struct JvpArgs {
    std::array<Var<T>, detail::max_inputs> x;
    Var<T> y;
    std::array<Var<T>, detail::max_inputs> dx;
    const Attrs& attrs;
};

namespace detail {

template <class T>
using VjpFn = void (*)(const VjpArgs<T>& args, std::array<Var<T>, max_inputs>& cotangents);
/// An op's optional shortcut for plain sweeps: adds the output's cotangent `gy` into `into`, the
/// adjoint of input 0 (input 0's shape), in place. Slice uses it to write only its region.
template <class T>
using AddIntoFn = void (*)(const Attrs& attrs, const Tensor<T>& gy, Tensor<T>& into);

template <class T>
struct Node {
    VjpFn<T> vjp = nullptr;
    AddIntoFn<T> add_into = nullptr;
    const char* name = "";
    std::array<std::shared_ptr<VarNode<T>>, max_inputs> in{};
    std::array<std::uint32_t, max_inputs> in_slot{};     // NOTE [tape identity]
    std::array<std::uint64_t, max_inputs> in_version{};  // NOTE [versions]
    // Forward-over-reverse: the tangent each input carried when recorded (identity and version).
    // A VJP run with tangents reads the inputs' current ones, so they must still be those.
    std::array<const void*, max_inputs> in_tangent{};
    std::array<std::uint64_t, max_inputs> in_tangent_version{};
    std::uint64_t out_version = 0;
    std::uint32_t out_slot = 0;
    int n_in = 0;
    unsigned needs = 0;          // bit i: input i receives a cotangent
    unsigned saved = saves_all;  // what the VJP reads (saves_output, bit i: input i)
    std::shared_ptr<VarNode<T>> out;
    Attrs attrs;
    std::shared_ptr<const void> state;  // a custom function's rules, kept alive with the node
};

/// Nodes in chunks that never move (a create_graph sweep appends while it holds references) and
/// are kept across releases, so recording does not allocate once the tape has warmed up.
template <class T>
class NodeList {
public:
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    Node<T>& operator[](std::size_t i) { return chunks_[i / chunk][i % chunk]; }
    Node<T>& back() { return (*this)[size_ - 1]; }
    Node<T>& emplace_back() {
        if (size_ == chunks_.size() * chunk) chunks_.push_back(std::make_unique<Node<T>[]>(chunk));
        return (*this)[size_++];
    }
    void clear() {
        for (std::size_t i = 0; i < size_; ++i) {  // drop saved values now; the slots are reused
            Node<T>& n = (*this)[i];
            for (auto& p : n.in) p.reset();
            n.out.reset();
            n.state.reset();
            n.attrs.index.reset();  // labels and indices can be large
        }
        size_ = 0;
    }

private:
    static constexpr std::size_t chunk = 64;
    std::vector<std::unique_ptr<Node<T>[]>> chunks_;
    std::size_t size_ = 0;
};

template <class T>
struct Tape {
    NodeList<T> nodes;
    struct Leaf {
        std::shared_ptr<VarNode<T>> node;
        std::uint32_t slot;  // its slot on this tape
    };
    std::vector<Leaf> leaves;              // registered leaves, by registration order
    std::vector<const VarNode<T>*> owner;  // by slot: the node whose adjoint it holds
    mutable std::unordered_map<const VarNode<T>*, std::uint32_t> leaf_index;  // see find_leaf
    std::uint32_t n_slots = 0;
    std::uint64_t gen = 0;
    int sweeping = 0;  // sweeps running over this tape: releasing it under them is refused
    Tape();
    Tape(const Tape&) = delete;
    Tape& operator=(const Tape&) = delete;
    void release();  // drops every node and starts a new generation
    /// The slot of `n` on this tape if it has one (a leaf it registered, or an output it recorded).
    std::optional<std::uint32_t> slot_of(const VarNode<T>& n) const;
    /// The slot of leaf `n`, registering it if this tape has not seen it.
    std::uint32_t leaf_slot(const std::shared_ptr<VarNode<T>>& n);
    std::uint32_t new_slot(const VarNode<T>* n);
    /// The slot of leaf `n` if this tape registered it: the authority (the hint only caches it).
    std::optional<std::uint32_t> find_leaf(const VarNode<T>* n) const;
};

/// The innermost tape of this thread.
template <class T>
Tape<T>& active_tape();
/// The live tape of this thread holding generation `gen`, or nullptr if it was released.
template <class T>
Tape<T>* find_tape(std::uint64_t gen);
template <class T>
void push_tape(Tape<T>* t);
/// Removes `t` from this thread's stack (the innermost occurrence). Scopes ended out of order
/// leave no dangling tape behind.
template <class T>
void pop_tape(Tape<T>* t) noexcept;

/// Records one op: returns its output Var (requires_grad if any input needs a gradient).
/// @throws AutogradError if an input belongs to a released graph.
template <class T>
Var<T> record(VjpFn<T> vjp, const char* name, const Attrs& attrs, Tensor<T>&& y, const Var<T>* const* inputs,
              int n_in, std::shared_ptr<const void> state = nullptr, AddIntoFn<T> add_into = nullptr,
              unsigned saved = saves_all);

}  // namespace detail

/// RAII: a fresh tape for this thread while it lives; the outer tape is untouched.
template <class T>
class TapeScope {
public:
    TapeScope() { detail::push_tape<T>(&tape_); }
    ~TapeScope() { detail::pop_tape<T>(&tape_); }
    TapeScope(const TapeScope&) = delete;
    TapeScope& operator=(const TapeScope&) = delete;
    detail::Tape<T>& tape() { return tape_; }

private:
    detail::Tape<T> tape_;
};

/// Number of op nodes recorded on this thread's active tape (for tests and diagnostics).
template <class T>
std::size_t tape_size();
/// Drops this thread's active tape (all graphs recorded on it become released).
template <class T>
void clear_tape();

}  // namespace tg
