#!/usr/bin/python3
"""Writes the tiny numpy fixtures read by tests/test_nn_npy.cpp (nn/npy.hpp).

    /usr/bin/python3 tests/data/nn_npy/make.py      (Debian's python3-numpy, 1.24.2 here)

The files are committed, so the tests never need Python. Every array holds the values the test
expects, written out in the test as well.
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return os.path.join(here, name)


a = np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.0]])
np.save(out("f4.npy"), a.astype("<f4"))
np.save(out("f8_fortran.npy"), np.asfortranarray(a))  # 'fortran_order': True
np.save(out("i4.npy"), np.array([[0, -1], [7, 2**31 - 1]], dtype="<i4"))
np.save(out("i8.npy"), np.array([3, -4, 2**40], dtype="<i8"))
np.save(out("u1.npy"), np.array([0, 1, 255], dtype="u1"))
np.save(out("b1.npy"), np.array([True, False, True]))
np.save(out("scalar.npy"), np.float64(2.5))  # shape ()
np.save(out("f8_3d_fortran.npy"), np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4)))
# Format 2.0 (4-byte header length), forced.
with open(out("v2.npy"), "wb") as f:
    np.lib.format.write_array(f, np.arange(4, dtype="<f8"), version=(2, 0))
np.save(out("be.npy"), np.array([1.0], dtype=">f8"))
np.save(out("c16.npy"), np.array([1 + 2j]))
np.savez(out("stored.npz"), x=a, y=np.array([1, 0, 2], dtype="<i8"))
np.savez_compressed(out("deflated.npz"), x=a.astype("<f4"), labels=np.array([9, 8, 7], dtype="u1"))
# A valid zip holding a broken .npy (magic and version, then nothing).
import zipfile  # noqa: E402

with zipfile.ZipFile(out("bad_entry.npz"), "w") as z:
    z.writestr("bad.npy", b"\x93NUMPY\x01\x00")
