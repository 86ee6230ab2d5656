#pragma once
// The tape: a per-thread Wengert list of op nodes.
//
// NOTE [tape order]: nodes are appended in creation order, which is already topological, so
// backward is a reverse loop over the nodes, never a recursion or a sort.
// NOTE [generations]: every tape has a generation number, unique in the process and renewed when
// the tape is released. A node remembers the generation it was recorded in; a non-leaf whose
// generation is not live on this thread's tape stack belongs to a released graph (an error to
// record or backward through), and a leaf in that state is simply registered again.
// NOTE [nesting]: TapeScope pushes a fresh tape. Vars that live on an outer tape are constants on
// the inner one, so a nested sweep (a solver's adjoint inside a backward) leaves the outer intact.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "attrs.hpp"
#include "var.hpp"

namespace tg {

namespace detail {
inline constexpr int max_inputs = 4;
}

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

template <class T>
struct Node {
    VjpFn<T> vjp = nullptr;
    const char* name = "";
    std::array<std::shared_ptr<VarNode<T>>, max_inputs> in{};
    int n_in = 0;
    unsigned needs = 0;  // bit i: input i receives a cotangent
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
    std::vector<std::shared_ptr<VarNode<T>>> leaves;  // registered leaves, by registration order
    std::uint32_t n_slots = 0;
    std::uint64_t gen = 0;
    Tape();
    void release();  // drops every node and starts a new generation
};

/// The innermost tape of this thread.
template <class T>
Tape<T>& active_tape();
/// The live tape of this thread holding generation `gen`, or nullptr if it was released.
template <class T>
Tape<T>* find_tape(std::uint64_t gen);
template <class T>
void push_tape(Tape<T>* t);
template <class T>
void pop_tape();

/// Records one op: returns its output Var (requires_grad if any input needs a gradient).
/// @throws AutogradError if an input belongs to a released graph.
template <class T>
Var<T> record(VjpFn<T> vjp, const char* name, const Attrs& attrs, Tensor<T>&& y,
              const Var<T>* const* inputs, int n_in, std::shared_ptr<const void> state = nullptr);

}  // namespace detail

/// RAII: a fresh tape for this thread while it lives; the outer tape is untouched.
template <class T>
class TapeScope {
public:
    TapeScope() { detail::push_tape<T>(&tape_); }
    ~TapeScope() { detail::pop_tape<T>(); }
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
