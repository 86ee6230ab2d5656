#!/usr/bin/python3
"""Writes the golden .npy files read by tests/test_io.cpp.

Run from anywhere with a Python that has numpy (on the dev image: /usr/bin/python3, numpy 1.24.2):
    /usr/bin/python3 tests/data/make_npy.py
The files are committed, so the tests never need Python.
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return os.path.join(here, name)


a = np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.0]], dtype="<f8")

# Plain C-order float64, 2x3.
np.save(out("c_f8_2x3.npy"), a)
# The same values stored in Fortran order ('fortran_order': True, column-major data).
np.save(out("f_f8_2x3.npy"), np.asfortranarray(a))
# 1-d float32; the header shape is the 1-tuple (5,).
np.save(out("f4_1d.npy"), np.array([0.1, 0.2, 0.3, -1.5, 1e-3], dtype="<f4"))
# int64 data: must be rejected when loading as float or double.
np.save(out("i8_2x3.npy"), np.arange(6, dtype="<i8").reshape(2, 3))
# Big-endian float64: must be rejected (only little-endian is read).
np.save(out("be_f8_3.npy"), np.array([1.0, 2.0, 3.0], dtype=">f8"))
# 30 size-1 dimensions: numpy writes a 182-byte header, which a reader that stores the header
# length in a signed char misreads. tensorgrad parses it and rejects the rank (max_rank is 8).
np.save(out("rank30_f8.npy"), np.zeros((1,) * 30, dtype="<f8"))
# Format version 2.0 (uint32 header length), same data as c_f8_2x3.
with open(out("v2_f8_2x3.npy"), "wb") as f:
    np.lib.format.write_array(f, a, version=(2, 0))

# A version 1.0 file whose header is 400 bytes: keys in another order, extra spaces, and padding.
# numpy.load accepts it (checked below); it exercises header lengths >= 128 and >= 256.
header = "{ 'shape' : (2,3) ,'fortran_order':False,  'descr':'<f8' }"
header = header + " " * (400 - len(header) - 1) + "\n"
with open(out("long_header_f8_2x3.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1"))
    f.write(a.astype("<f8").tobytes(order="C"))

# Every file except the rejected ones reads back as written.
for name, want in [("c_f8_2x3.npy", a), ("f_f8_2x3.npy", a), ("v2_f8_2x3.npy", a),
                   ("long_header_f8_2x3.npy", a)]:
    got = np.load(out(name))
    assert got.dtype == want.dtype and np.array_equal(got, want), name
with open(out("rank30_f8.npy"), "rb") as f:
    assert f.read(10)[8:10] == (182).to_bytes(2, "little"), "rank30 header length"
print("wrote golden .npy files to", here)
