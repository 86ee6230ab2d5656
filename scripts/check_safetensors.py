#!/usr/bin/python3
"""Independent check of a checkpoint written by examples/fashion_mnist_mlp --checkpoint FILE.

Parses the safetensors layout with NumPy alone (8-byte little-endian header length, JSON header,
raw little-endian data), prints every tensor's name, dtype and shape, and, when torch is
installed, loads the MLP's weights into torch.nn and measures its Fashion-MNIST test accuracy,
which must match the accuracy the C++ program stored in the metadata.

    /usr/bin/python3 scripts/check_safetensors.py model.safetensors
    /usr/bin/python3 scripts/check_safetensors.py FILE.safetensors --against FILE.npz

The second form (ctest `checkpoint_independent_reader`, tests/checkpoint_fixture.cpp) checks the
layout strictly (offsets contiguous from 0, in header order, covering the data exactly, sizes
matching dtype x shape) and that every array of the .npz, written from the model's tensors
directly and read by numpy.load, is in the checkpoint with the same name, dtype, shape and bits.
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


def check_layout(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data_len = len(raw) - 8 - n
    size = {"F32": 4, "F64": 8}
    pos = 0
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, end = e["data_offsets"]
        assert b == pos, f"{name}: data starts at {b}, expected {pos} (gap or overlap)"
        assert end - b == size[e["dtype"]] * int(np.prod(e["shape"], dtype=np.int64)), f"{name}: size"
        pos = end
    assert pos == data_len, f"data section is {data_len} bytes, tensors cover {pos}"
    return len(header)


def against(path, npz_path):
    count = check_layout(path)
    tensors, meta = read_safetensors(path)
    want = np.load(npz_path)
    bad = 0
    for name in want.files:
        w = want[name]
        if name not in tensors:
            print(f"MISSING {name}")
            bad += 1
            continue
        t = tensors[name]
        if t.dtype != w.dtype or t.shape != w.shape or t.tobytes() != w.tobytes():
            print(f"DIFFERS {name}: {t.dtype} {t.shape} against {w.dtype} {w.shape}")
            bad += 1
    extra = sorted(set(tensors) - set(want.files))
    print(f"{count} tensors in the checkpoint, {len(want.files)} compared bit for bit, {bad} bad; "
          f"also stored: {len(extra)} ({', '.join(extra[:4])}{', ...' if len(extra) > 4 else ''}); "
          f"metadata keys: {len(meta)}")
    return 1 if bad or not want.files else 0


def main():
    path = sys.argv[1]
    if len(sys.argv) == 4 and sys.argv[2] == "--against":
        return against(path, sys.argv[3])
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
