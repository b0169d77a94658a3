"""Results of glibc's expf, sinf and cosf (libm.so.6, through ctypes) for the
tests of llamita's copies of them (llama.cpp calls these on Linux: expf in
its flash attention and SiLU tail, sinf/cosf in RoPE): inputs where the
correctly rounded f32 differs from glibc's result (the cases that matter),
random ones, and the edges. Writes
packages/backend-js/src/goldens/glibc-expf.json and
packages/tensor/src/goldens/glibc-sincos.json.

Run from the repository root on Linux with glibc 2.28 or later:
    python3 tools/glibc-reference/libm.py
"""
import ctypes
import json
import math
import pathlib
import platform
import random
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]

libm = ctypes.CDLL("libm.so.6")
for name in ("expf", "sinf", "cosf"):
    getattr(libm, name).restype = ctypes.c_float
    getattr(libm, name).argtypes = [ctypes.c_float]


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def enc(v):
    return "Infinity" if v == math.inf else v


def cases(glibc, exact, draw, edges):
    """400 inputs where glibc is not correctly rounded, 400 where it is, then the edges: [x, glibc(x)] pairs."""
    differing, plain = [], []
    while len(differing) < 400:
        x = f32(draw())
        (differing if glibc(x) != f32(exact(x)) else plain).append([x, enc(glibc(x))])
    return differing + plain[:400] + [[f32(x), enc(glibc(f32(x)))] for x in edges]


def write(path, made):
    out = ROOT / path
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"made_by": "tools/glibc-reference/libm.py", "glibc": platform.libc_ver()[1], **made}) + "\n")
    print(f"wrote {out}")


def main():
    random.seed(19)
    expf_edges = (0.0, -0.0, 1e-30, -1e-30, 88.0, -88.0, 88.72283172607422, 88.72284, -103.97207641601562, -103.98, -150.0, 100.0)
    write("packages/backend-js/src/goldens/glibc-expf.json", {"cases": cases(libm.expf, math.exp, lambda: random.uniform(-104, 89), expf_edges)})
    # RoPE's angles: position · frequency (0 to a few thousand radians), and negative ones (the K-shift rotates back)
    angle = lambda: random.choice((random.uniform(-3, 3), random.uniform(-200, 5000), random.uniform(100, 120)))
    trig_edges = (0.0, -0.0, 2**-13, 0.7853981633974483, 119.99, 120.0, 1e4, -1e4, 3.0e6, 1.0e30)
    write(
        "packages/tensor/src/goldens/glibc-sincos.json",
        {"sinf": cases(libm.sinf, math.sin, angle, trig_edges), "cosf": cases(libm.cosf, math.cos, angle, trig_edges)},
    )


main()
