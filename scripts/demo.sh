#!/usr/bin/env bash
# Set up (scripts/setup.sh), build the Release flagship example and run it: an MLP trained on
# Fashion-MNIST (examples/fashion_mnist_mlp.cpp; 10 epochs, about two minutes on 2 cores).
#   bash scripts/demo.sh [args for the demo]
# Env: TG_BUILD_DIR (default build), TG_JOBS (default 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${TG_BUILD_DIR:-build}"
jobs="${TG_JOBS:-2}"

bash scripts/setup.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs" --target fashion_mnist_mlp
echo "demo: running $build_dir/examples/fashion_mnist_mlp"
exec "$build_dir/examples/fashion_mnist_mlp" "$@"
