#!/usr/bin/python3
"""Independent check of a checkpoint written by examples/fashion_mnist_mlp --checkpoint FILE.

Parses the safetensors layout with NumPy alone (8-byte little-endian header length, JSON header,
raw little-endian data), prints every tensor's name, dtype and shape, and, when torch is
installed, loads the MLP's weights into torch.nn and measures its Fashion-MNIST test accuracy,
which must match the accuracy the C++ program stored in the metadata.

    /usr/bin/python3 scripts/check_safetensors.py model.safetensors
"""
import gzip
import json
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    dtypes = {"F32": "<f4", "F64": "<f8"}
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        tensors[name] = np.frombuffer(data[b:end], dtype=dtypes[e["dtype"]]).reshape(e["shape"])
    return tensors, meta


def main():
    path = sys.argv[1]
    tensors, meta = read_safetensors(path)
    for name, t in tensors.items():
        print(f"{name:32s} {str(t.dtype):8s} {list(t.shape)}")
    print("metadata:", {k: v for k, v in meta.items() if not k.startswith("optim.")})
    try:
        import torch
    except ImportError:
        print("torch not installed: layout checked only")
        return 0
    d = "/usr/share/datasets/fashion-mnist"
    with gzip.open(f"{d}/t10k-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
    with gzip.open(f"{d}/t10k-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (x - float(meta["input_mean"])) / float(meta["input_std"])
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    # C++ layer indices 0, 3, 6 (dropout at 2 and 5) map to torch's 0, 2, 4.
    state = {f"{t}.{k}": torch.from_numpy(tensors[f"{c}.{k}"].copy())
             for c, t in ((0, 0), (3, 2), (6, 4)) for k in ("weight", "bias")}
    net.load_state_dict(state)
    with torch.no_grad():
        acc = (net(torch.from_numpy(x)).argmax(1).numpy() == y).mean()
    print(f"torch accuracy with these weights: {acc:.4f}   (C++ reported {meta['test_accuracy']})")
    return 0 if abs(acc - float(meta["test_accuracy"])) < 2e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
