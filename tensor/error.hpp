#pragma once
// One exception hierarchy for every user mistake. Messages name the op and the shapes or values
// involved, e.g. "matmul: inner dimensions differ: [32,784] @ [256,10]".
#include <stdexcept>
#include <string>

namespace tg {

/// Base of every exception tensorgrad throws on bad input or failed numerics.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
/// Shapes that do not fit the op (broadcasting, matmul dimensions, reshape sizes, axes).
class ShapeError : public Error {
public:
    using Error::Error;
};
/// An index or slice bound outside the tensor.
class IndexError : public Error {
public:
    using Error::Error;
};
/// A value outside the domain the function is defined on.
class DomainError : public Error {
public:
    using Error::Error;
};
/// Numerical failure: singular matrix, not positive definite, not converged.
class NumericalError : public Error {
public:
    using Error::Error;
};
/// Misuse of the autograd engine: released graph, missing seed, gradient that was not asked for.
class AutogradError : public Error {
public:
    using Error::Error;
};
/// Reading or writing files: missing, truncated, wrong format or dtype.
class IOError : public Error {
public:
    using Error::Error;
};
/// A tensor too large to allocate (more bytes than the address space, or the allocator refused);
/// the message names the op, the shape and the bytes.
class AllocationError : public Error {
public:
    using Error::Error;
};
/// A default-constructed (undefined) tensor handed to a function that needs data.
class UndefinedTensorError : public Error {
public:
    using Error::Error;
};

}  // namespace tg
