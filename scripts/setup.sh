#!/usr/bin/env bash
# Installs what tensorgrad needs on a fresh Debian 12 machine. Idempotent: it asks apt only for
# the packages that are missing, and does nothing (no apt-get update) when all are present.
#
#   bash scripts/setup.sh            # build, test and example dependencies
#   bash scripts/setup.sh --peers    # also libtorch, ADOL-C, Eigen, numpy (benchmark comparisons)
#
# Runs as root; as another user it goes through sudo when sudo exists.
set -euo pipefail

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

peers=0
for arg in "$@"; do
    case "$arg" in
        --peers) peers=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "setup.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

packages=(
    libxtensor-dev libxsimd-dev libxtensor-blas-dev   # arrays, SIMD, BLAS/LAPACK bindings
    libtbb-dev libopenblas-dev liblapack-dev          # threads, GEMM, factorizations
    doctest-dev libbenchmark-dev zlib1g-dev           # tests, benchmarks, IDX .gz reader
    dataset-fashion-mnist                             # /usr/share/datasets/fashion-mnist
    python3-mpmath                                    # tests/data/make_scalar_reference.py (50-digit reference)
    python3-numpy                                     # ctest checkpoint_independent_reader (safetensors by NumPy)
    libsuitesparse-dev                                # solvers: sparse and Krylov (UMFPACK sparse LU)
    libcli11-dev gnuplot-nox                          # examples' command lines; training curves (PNG/SVG)
    cmake ninja-build g++ clang-format                # toolchain
)
if ((peers)); then
    packages+=(libtorch-dev libadolc-dev libeigen3-dev)
fi

is_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
    is_installed "$p" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    echo "setup: all ${#packages[@]} packages present"
    exit 0
fi

if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    if [[ "${ID:-}" != debian || "${VERSION_ID:-}" != 12 ]]; then
        echo "setup: warning: written for Debian 12, this is ${PRETTY_NAME:-unknown}" >&2
    fi
fi

as_root=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "setup: need root to install: ${missing[*]} (run as root, or install sudo)" >&2
        exit 1
    fi
fi

echo "setup: installing ${missing[*]}"
log="$(mktemp -t tg-setup.XXXXXX.log)"
trap 'rm -f "$log"' EXIT
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
if ! "${apt[@]}" update >"$log" 2>&1 ||
    ! "${apt[@]}" install --no-install-recommends "${missing[@]}" >>"$log" 2>&1 </dev/null; then
    echo "setup: apt-get failed; last lines of its output:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi

still=()
for p in "${missing[@]}"; do
    is_installed "$p" || still+=("$p")
done
if ((${#still[@]})); then
    echo "setup: still missing after apt-get: ${still[*]}" >&2
    exit 1
fi
echo "setup: installed ${#missing[@]} package(s)"
