#!/usr/bin/python3
"""Writes tests/data/scalar_reference.txt: the reference values, first and second derivatives of
every scalar function that tg::Dual and tg::Rev provide, at hard points, to 25 significant digits
computed with mpmath at several hundred bits (tests/test_scalar_reference.cpp reads it).

Run with Debian's python3-mpmath:  /usr/bin/python3 tests/data/make_scalar_reference.py
(`--digamma-root` prints the constants of the series of digamma at its positive root instead.)

Derivatives are central differences of orders 1 to 3 on the exact function, with a step of
2^-190 relative to each argument (relative to min(|x|, 1) for sin, cos and tan, whose period is
fixed): the truncation error is below 1e-60 relative for every point at
least 1e-17 (relative) away from a singularity. The cancellation is absorbed by evaluating at
doubling precisions until two results agree to 30 digits. Third derivatives are not stored: they give the condition scale of
each second derivative (below).

Line format (whitespace separated; `|` separates groups):
    name  x1 [x2 [x3]] | value | g1 .. gn | h11 h12 .. h1n h22 .. hnn | s_value s_g1 .. s_hnn
g are the first partials, h the upper triangle of the Hessian, row by row. s_q is the condition
scale of quantity q: sum_i |x_i dq/dx_i|, the change of q when every argument moves by one relative
unit; a rounding of an argument inside a formula costs up to eps * s_q, so where s_q >> |q| the
quantity is ill-conditioned and the test allows an error scaled by s_q instead of |q|. `nan` marks
a quantity that is not real (the derivative in the exponent of a negative base) or undefined.
"""
import math
import sys

import mpmath
from mpmath import mp, mpf

STEP_BITS = 190
mp.prec = 900  # for the functions' own constants; partial() sets its precision


def trunc(v):
    return mp.floor(v) if v >= 0 else mp.ceil(v)


def cbrt(v):
    return mp.sign(v) * mp.cbrt(abs(v))


def lgamma(v):
    return mp.re(mp.loggamma(v))


def fmod(a, b):
    return a - b * trunc(a / b)


def c_round(v):
    return mp.sign(v) * mp.floor(abs(v) + mpf(0.5))


def hypot3(a, b, c):
    return mp.sqrt(a * a + b * b + c * c)


# name -> (function of mpf arguments, points); a point is a tuple of floats (exact doubles).
U = lambda *xs: [(float(x),) for x in xs]
ONE_M = 1 - 2.0**-53  # 0.9999999999999999
ONE_P = 1 + 2.0**-52  # 1.0000000000000002
TABLE = {
    "exp": (mp.exp, U(-745, -700, -50, -1e-300, 0, 1e-20, 1, 20, 709, -1e-8, 0.5, -3.7)),
    "exp2": (lambda v: mpf(2) ** v, U(-1074, -1000, -0.5, 1e-300, 1, 10.3, 1023, -0.1, 3.3)),
    "expm1": (mp.expm1, U(-800, -50, -1, -1e-10, -1e-300, 1e-300, 1e-8, 0.5, 30, 700, -0.7, 2.5, 1e-20)),
    "log": (mp.log, U(5e-324, 1e-300, 0.5, ONE_M, ONE_P, 2, 1e300, 1e-10, 0.1, 7.5, 1e10)),
    "log2": (lambda v: mp.log(v, 2), U(1e-300, 0.5, ONE_P, 3, 1e300, 0.1, 1e-10)),
    "log10": (mp.log10, U(1e-300, 0.5, ONE_P, 3, 1e300, 0.1, 1e10)),
    "log1p": (mp.log1p, U(-ONE_M, -0.5, -1e-300, 1e-300, 1e-20, 1e-5, 1, 1e10, 1e300, -1e-8, 0.3, -0.9)),
    "sqrt": (mp.sqrt, U(5e-324, 1e-300, 0.25, 2, 1e300, 1e-10, 7.0, 1e10)),
    "cbrt": (cbrt, U(-8, -1e-300, 1e-300, 3, 1e300, -0.001, 0.5, 1e10)),
    "sin": (mp.sin, U(1e-300, -1e-8, 1, math.pi, 1e5, 1e22, -2, 0.5, -100.0, 1e300)),
    "cos": (mp.cos, U(1e-300, 1e-8, math.pi / 2, 1, -10, 1e22, 0.5, -3.0, 1e300)),
    "tan": (mp.tan, U(1e-300, -1e-8, 1, math.pi / 2, -1.5, 1e10, 0.5, -0.8, 1e300)),
    "asin": (mp.asin, U(1e-300, 1e-8, 0.5, -0.5, 0.999, ONE_M, -ONE_M, -0.999, 0.1, -1e-300)),
    "acos": (mp.acos, U(1e-300, 1e-8, 0.5, -0.5, 0.999, ONE_M, -ONE_M, -0.999, 0.1, -1e-300)),
    "atan": (mp.atan, U(1e-300, 1e-8, 0.5, -2, 1e8, 1e100, 1e300, -1e-300, -0.7, 3.0)),
    "sinh": (mp.sinh, U(1e-300, -1e-5, 1, -20, 700, -710, 0.5, -3.0, 1e-10)),
    "cosh": (mp.cosh, U(1e-300, -1e-5, 1, -20, 700, 710, 0.5, -3.0, 1e-10)),
    "tanh": (mp.tanh, U(1e-300, -1e-5, 0.5, -3, 20, 300, -360, -0.5, 2.0, 1e-10, 19.0)),
    "asinh": (mp.asinh, U(1e-300, 1e-5, -0.5, 3, 1e8, 1e160, 1e300, -1e-8, 0.7, -1e300)),
    "acosh": (mp.acosh, U(ONE_P, 1.5, 2, 1e8, 1e160, 1e300, 1.001, 10.0, 1e10)),
    "atanh": (mp.atanh, U(1e-300, 1e-8, 0.5, -0.5, 0.999, ONE_M, -ONE_M, -1e-300, 0.1, -0.9)),
    "erf": (mp.erf, U(1e-300, -1e-8, 0.5, -1, 3, 6, 26, 0.1, -2.0, 1.5)),
    "erfc": (mp.erfc, U(-6, -1e-300, 1e-8, 0.5, 3, 10, 26, -1.0, 1.5, 5.0, 27.0)),
    "tgamma": (mp.gamma, U(1e-300, 1e-8, -1e-8, -0.5, -1.5, -0.9999999999, -2.0000000001, 0.5, 1.4616321449683622,
                              1.4616321450683622, 3, 20.5, 171.5, -170.5, 0.1, 2.5, 10.0, -3.5)),
    "lgamma": (lgamma, U(1e-300, 1e-8, 0.5, 1, 2, 1.0000001, 2.0000001, 1.4616321449683622, 1.4616321450683622,
                        -0.5, -2.5, -1e-8, -3.9999999999, 10, 1e10, 1e300, 0.1, 3.0, 100.0, -10.5)),
    "digamma": (mp.digamma, U(1e-300, -1e-8, 1e-8, 0.5, 1, 1.4616321449683622, 1.4616321450683622, 1.4616321448683622,
                               2, 2.5, 9.5, -0.5, -2.5, -0.9, -7.25, 3, 1e10, 1e300, 0.1, 0.9, 4.0, 100.0, -10.5)),
    "polygamma1": (lambda v: mp.polygamma(1, v), U(1e-8, 0.5, 1, 1.4616321449683622, 3, -0.5, -2.5, -1e-8, -7.25, 30, 1e8, 0.1, 2.5, 1e3)),
    "polygamma2": (lambda v: mp.polygamma(2, v), U(1e-8, 0.5, 1, 1.4616321449683622, 3, -0.5, -2.5, -1e-8, -7.25, 30, 1e8, 0.1, 2.5, 1e3)),
    "polygamma3": (lambda v: mp.polygamma(3, v), U(1e-8, 0.5, 1, 1.4616321449683622, 3, -0.5, -2.5, -1e-8, -7.25, 30, 1e8, 0.1, 2.5, 1e3)),
    "abs": (abs, U(-2.5, 3e-300, 1e300)),
    "fabs": (abs, U(-2.5, 3e-300)),
    "floor": (mp.floor, U(-2.5, 1.7, 1e300)),
    "ceil": (mp.ceil, U(-2.5, 1.7)),
    "round": (c_round, U(-2.5, 1.7)),
    "trunc": (trunc, U(-2.5, 1.7)),
    "neg": (lambda v: -v, U(1.5)),
    "add": (lambda a, b: a + b, [(1.5, -2.5), (1e-300, 1e300), (1.0, -ONE_M)]),
    "sub": (lambda a, b: a - b, [(1.5, -2.5), (1e-300, 1e300), (1.0, ONE_M)]),
    "mul": (lambda a, b: a * b, [(1.5, -2.5), (1e-150, 1e150), (1e200, 1e-300), (-3.0, 1e300)]),
    "div": (lambda a, b: a / b, [(1.0, 3.0), (1e-150, 1e150), (7.0, 1e-100), (-3.0, 1e100), (1e-300, 2.0), (1e100, 1e200),
                                  (2.0, -1e-150)]),
    "pow": (lambda a, b: a ** b, [(2.0, 3.0), (0.5, -1.5), (2.0, 0.0), (3.0, 1e-10), (1e-300, 0.5),
                                  (1e300, 0.9), (ONE_P, 1e15), (-2.0, 3.0), (2.0, 2.0), (7.0, 1.0),
                                  (1e10, -28.0), (0.1, 300.5), (1e-10, -2.5), (0.5, 1e-300), (10.0, -1e-300),
                                  (1e-300, 1.0), (100.0, 150.0)]),
    "hypot": (lambda a, b: mp.hypot(a, b), [(3.0, 4.0), (1e300, 1e300), (1e-300, 2e-300), (1.0, 1e-20),
                                            (1e200, 1.0), (-2.0, 1e-300), (1e-300, -1.0), (1.0, 1.0), (-5.0, 12.0)]),
    "atan2": (mp.atan2, [(1.0, 2.0), (-1e-300, -1.0), (1e-300, -1.0), (1.0, 1e-20), (1e200, 1e-200),
                         (3.0, 3.0), (-1e-20, 1.0), (-1.0, -1e-300), (1.0, -1e-300), (1e-300, 1e-300),
                         (2.0, -3.0)]),
    "fmod": (fmod, [(1.0, 0.1), (5.5, 2.0), (-7.25, 2.0), (1e10, 3.3), (1e15, 3.3), (0.3, 0.1), (7.5, -2.0),
                     (1e-300, 3.0)]),
    "fmin": (min, [(1.0, 2.0), (3.0, -1.0)]),
    "fmax": (max, [(1.0, 2.0), (3.0, -1.0)]),
    "min": (min, [(1.0, 2.0), (3.0, -1.0)]),
    "max": (max, [(1.0, 2.0), (3.0, -1.0)]),
    "hypot3": (hypot3, [(1.0, 2.0, 3.0), (1e300, 1e300, 1e300), (1e-300, 1e-300, 2e-300),
                        (1.0, 1e-20, 1e-20), (1e-20, 1.0, 1e-20), (-2.0, 3.0, 1e-300), (1e-20, 1e-20, 1.0),
                        (2.0, -3.0, 6.0), (1e200, 1.0, -1e-200)]),
}
STEPS = {"floor", "ceil", "round", "trunc"}  # derivative 0 away from the jumps
PERIODIC = {"sin", "cos", "tan"}  # steps relative to min(|x|, 1), not to |x|
CAP_STEP = False


def raw_partial(f, xs, orders):
    """d^|orders| f / dx^orders at xs by nested central differences (steps x - k h ... x + k h)."""
    for i, k in enumerate(orders):
        if k:
            scale = abs(xs[i]) if xs[i] != 0 else mpf(1)
            if CAP_STEP:  # periodic: the step must stay far below the period, even at x = 1e300
                scale = min(scale, mpf(1))
            h = scale * mpf(2) ** -STEP_BITS
            rest = list(orders)
            rest[i] = 0
            total = 0
            for j in range(k + 1):  # binomial central difference of order k
                ys = list(xs)
                ys[i] = xs[i] + (2 * j - k) * h
                total += (-1) ** (k - j) * math.comb(k, j) * raw_partial(f, ys, rest)
            return total / (2 * h) ** k
    return f(*xs)


def partial(f, xs, orders):
    """raw_partial at doubling precisions until two agree to 30 digits. The cancellation in a
    difference depends on how flat f is on the scale of the step (atan at 1e300, cos at 1e-300),
    so no fixed precision fits every point. A quantity that still shrinks by 2^-P/4 or more when
    the precision P doubles beyond 12000 bits is a zero (its values are rounding noise)."""
    mags = [abs(v) for v in xs if v != 0] or [mpf(1)]
    spread = max(0, -int(mp.log(min(mags), 2))) + max(0, int(mp.log(max(mags), 2)))
    prec, last = 400 + sum(orders) * (STEP_BITS + spread), None  # enough for most points
    while True:
        with mp.workprec(prec):
            q = raw_partial(f, xs, orders)
        if last is not None:
            if isinstance(q, mpmath.mpc) or isinstance(last, mpmath.mpc):
                d, m = abs(q - last), max(abs(q), abs(last))
            else:
                d, m = abs(q - last), max(abs(q), abs(last))
            if m == 0 and prec < 12000:  # f rounds to the same value at every step: not yet resolved
                pass
            elif m == 0 or d <= m * mpf(10) ** -30:
                return q
            # a zero: tiny and still shrinking at a precision no cancellation of this table needs
            if prec >= 12000 and abs(q) <= abs(last) * mpf(2) ** (-prec // 4):
                return mpf(0)
            if prec > 40000:
                raise RuntimeError(f"no convergence: {orders} at {xs}")
        last = q
        prec *= 2


def fmt(v):
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > abs(v.real) * mpf(10) ** -40 + mpf(10) ** -400:
            return "nan"
        v = v.real
    if v == 0:
        return "0"
    return mp.nstr(v, 25, min_fixed=1, max_fixed=0)


def scale(f, xs, orders):
    s = 0
    for i in range(len(xs)):
        o = list(orders)
        o[i] += 1
        d = partial(f, xs, o)
        if isinstance(d, mpmath.mpc):
            d = d.real if abs(d.imag) <= abs(d.real) * mpf(10) ** -40 else mpf(0)
        s += abs(mpf(xs[i]) * d)
    return mp.nstr(s, 6, min_fixed=1, max_fixed=0) if s != 0 else "0"


def row(name, f, point):
    global CAP_STEP
    CAP_STEP = name in PERIODIC
    xs = [mpf(v) for v in point]
    n = len(xs)
    if name in STEPS:
        val = [fmt(f(*xs))]
        grads = ["0"] * n
        hess = ["0"] * (n * (n + 1) // 2)
        scales = ["0"] * (1 + n + n * (n + 1) // 2)
    else:
        orders = [[0] * n]
        for i in range(n):
            o = [0] * n
            o[i] = 1
            orders.append(o)
        for i in range(n):
            for j in range(i, n):
                o = [0] * n
                o[i] += 1
                o[j] += 1
                orders.append(o)
        qs = [fmt(partial(f, xs, o)) for o in orders]
        val, grads, hess = qs[:1], qs[1:1 + n], qs[1 + n:]
        scales = [scale(f, xs, o) for o in orders]
    args = " ".join(repr(float(v)) for v in point)
    return " ".join([name, args, "|", *val, "|", *grads, "|", *hess, "|", *scales])


def digamma_root_coefficients(terms=40):
    """The constants of scalar/polygamma.hpp's series at the positive root x0 of digamma:
    x0 as a double-double and psi^(k)(x0) / k! for k = 1..terms."""
    with mp.workdps(60):
        x0 = mp.findroot(mp.digamma, mpf(1.46))
        hi = float(x0)
        print(f"x0 = {hi!r} + {float(x0 - hi)!r}")
        for k in range(1, terms + 1):
            print(f"{mp.nstr(mp.polygamma(k, x0) / mp.factorial(k), 21, min_fixed=1, max_fixed=0)},")


def main():
    if sys.argv[1:] == ["--digamma-root"]:
        return digamma_root_coefficients()
    out = sys.argv[1] if len(sys.argv) > 1 else __file__.replace("make_scalar_reference.py", "scalar_reference.txt")
    lines = [
        "# Reference values and derivatives for tests/test_scalar_reference.cpp. Generated by",
        f"# tests/data/make_scalar_reference.py with mpmath {mpmath.__version__}, converged to 30 digits; do not edit.",
        "# name x... | value | gradient | Hessian (upper triangle) | condition scales (see the script)",
    ]
    count = 0
    for name, (f, points) in TABLE.items():
        for p in points:
            lines.append(row(name, f, p))
            count += 1
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"{len(TABLE)} functions, {count} points -> {out}")


if __name__ == "__main__":
    main()
