#!/usr/bin/env python3
"""Writes the seed corpus of tests/data/npy_corpus/: valid .npy files and hostile ones.

The fuzz target (fuzz/fuzz_npy.cpp) starts from these, and tests/test_hostile.cpp replays every
file through tg::load_npy, which must return a tensor or throw a tg::Error, never crash. Plain
Python (no numpy): the hostile files are written byte by byte.
    python3 tests/data/make_npy_corpus.py
"""
import os
import struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy_corpus")
os.makedirs(here, exist_ok=True)


def npy(header, data=b"", version=(1, 0), pad=True, hlen=None):
    """A .npy file: magic, version, header length, header text (padded to 64), data."""
    h = header.encode("latin1")
    prefix = 10 if version[0] == 1 else 12
    if pad:
        total = (prefix + len(h) + 1 + 63) // 64 * 64
        h = h + b" " * (total - prefix - len(h) - 1) + b"\n"
    n = len(h) if hlen is None else hlen
    size = struct.pack("<H", n) if version[0] == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes(version) + size + h + data


def f8(*vals):
    return struct.pack("<%dd" % len(vals), *vals)


def f4(*vals):
    return struct.pack("<%df" % len(vals), *vals)


def hdr(descr, shape, fortran=False, extra=""):
    return "{'descr': '%s', 'fortran_order': %s, 'shape': %s, %s}" % (descr, fortran, shape, extra)


six = f8(1.5, -2.0, 3.25, 4.0, 5.5, -6.0)
files = {
    # valid
    "ok_c_f8_2x3.npy": npy(hdr("<f8", "(2, 3)"), six),
    "ok_f_f8_2x3.npy": npy(hdr("<f8", "(2, 3)", True), f8(1.5, 4.0, -2.0, 5.5, 3.25, -6.0)),
    "ok_f4_1d.npy": npy(hdr("<f4", "(3,)"), f4(0.5, -1.0, 2.0)),
    "ok_f8_scalar.npy": npy(hdr("<f8", "()"), f8(7.0)),
    "ok_f8_0x3.npy": npy(hdr("<f8", "(0, 3)")),
    "ok_f8_rank8.npy": npy(hdr("<f8", "(1, 1, 1, 1, 1, 1, 1, 2)"), f8(1.0, 2.0)),
    "ok_v2_f8_2x3.npy": npy(hdr("<f8", "(2, 3)"), six, version=(2, 0)),
    "ok_v3_f4_2.npy": npy(hdr("<f4", "(2,)"), f4(1.0, 2.0), version=(3, 0)),
    # a header of 0xB6 bytes and more: a reader keeping its length in a signed char misreads it
    "ok_long_header_f8_2.npy": npy(hdr("<f8", "(2,)") + " " * 200, f8(1.0, 2.0)),
    # a zero-size tensor whose other dimension is 2^62: it loads (NOTE [shape limits])
    "ok_f8_0x2p62.npy": npy(hdr("<f8", "(0, 4611686018427387904)")),
    # corrupt sizes
    "bad_truncated_data.npy": npy(hdr("<f8", "(2, 3)"), six[:40]),
    "bad_trailing_bytes.npy": npy(hdr("<f8", "(2, 3)"), six + b"\0" * 8),
    "bad_truncated_header.npy": npy(hdr("<f8", "(2, 3)"))[:40],
    "bad_prefix_only.npy": b"\x93NUMPY\x01",
    "bad_hlen_past_end.npy": npy(hdr("<f8", "(2,)"), f8(1, 2), hlen=60000),
    "bad_v2_hlen_4g.npy": npy(hdr("<f8", "(2,)"), f8(1, 2), version=(2, 0), hlen=0xFFFFFFFF),
    "bad_magic.npy": b"\x93NUMPZ\x01\x00" + npy(hdr("<f8", "(1,)"), f8(1))[8:],
    "bad_version.npy": b"\x93NUMPY\x09\x00" + npy(hdr("<f8", "(1,)"), f8(1))[8:],
    "empty.npy": b"",
    # hostile shapes
    "bad_negative_dim.npy": npy(hdr("<f8", "(-1, 3)"), six),
    "bad_huge_dims.npy": npy(hdr("<f8", "(4611686018427387904, 4611686018427387904)"), six),
    "bad_overflow_with_zero.npy": npy(hdr("<f8", "(0, 4611686018427387904, 4611686018427387904)")),
    "bad_int_too_large.npy": npy(hdr("<f8", "(99999999999999999999999,)"), six),
    "bad_rank9.npy": npy(hdr("<f8", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), f8(1)),
    "bad_shape_nested.npy": npy(hdr("<f8", "((2,), 3)"), six),
    # hostile header text
    "bad_nested_40.npy": npy(hdr("<f8", "(1,)", extra="'x': " + "[" * 40 + "]" * 40 + ", "), f8(1)),
    "bad_nested_2000.npy": npy(hdr("<f8", "(1,)", extra="'x': " + "(" * 2000), f8(1), version=(2, 0)),
    "bad_unterminated_string.npy": npy("{'descr': '<f8", f8(1)),
    "bad_no_brace.npy": npy("'descr': '<f8', 'fortran_order': False, 'shape': (1,)", f8(1)),
    "bad_missing_shape.npy": npy("{'descr': '<f8', 'fortran_order': False}", f8(1)),
    "bad_fortran_word.npy": npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}", f8(1)),
    "bad_trailing_text.npy": npy(hdr("<f8", "(1,)") + " junk", f8(1)),
    "bad_nul_in_header.npy": npy("{'descr': '<f8'\0, 'fortran_order': False, 'shape': (1,)}", f8(1)),
    # dtypes that are not <f4 / <f8
    "bad_big_endian.npy": npy(hdr(">f8", "(1,)"), struct.pack(">d", 1.0)),
    "bad_int64.npy": npy(hdr("<i8", "(1,)"), struct.pack("<q", 1)),
    "bad_structured.npy": npy("{'descr': [('a', '<f8'), ('b', '<f8')], 'fortran_order': False, 'shape': (1,)}",
                              f8(1, 2)),
}

for name, data in files.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
print("wrote %d files to %s" % (len(files), here))
