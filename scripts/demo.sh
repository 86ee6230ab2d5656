#!/usr/bin/env bash
# Set up (scripts/setup.sh), build the Release flagship example and run it: an MLP trained on
# Fashion-MNIST (examples/fashion_mnist_mlp.cpp; 10 epochs, one to two minutes on 2 cores). It
# ends with `test accuracy: 0.XXXX` and leaves model.safetensors, curves.csv and curves.png in
# fashion_mnist_mlp_out/ (or --out DIR).
#   bash scripts/demo.sh [args for the demo, e.g. --epochs 3 --out /tmp/run]
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
