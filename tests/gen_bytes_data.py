#!/usr/bin/env python3
"""Generate tests/data/bytes_cases.tsv: bytes facts from this python3,
checked by tests/test_bytes.c (differential).

Run from anywhere:  python3 tests/gen_bytes_data.py
Deterministic (fixed random seed; hashes with PYTHONHASHSEED=0, the test
runs with FTRT_HASHSEED=0).

One case per line, tab-separated; bytes as hex ("" for empty):
  b  <hex>  <repr(b)>  <hash(b)>  <utf8 strict: 1 ok / 0 error>
     <b.decode('utf-8', 'replace') as UTF-8 hex>  <b.decode('latin-1') as UTF-8 hex>
  cmp <a hex> <b hex> <-1|0|1>
  find <hex> <sub hex> <start> <end> <b.find(sub, start, end)>
"""
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if os.environ.get("PYTHONHASHSEED") != "0":
    env = dict(os.environ, PYTHONHASHSEED="0")
    sys.exit(subprocess.call([sys.executable, __file__], env=env))

rng = random.Random(20261206)
ALPH = [b"a", b"'", b'"', b"\\", b"\t", b"\n", b"\r", b"\x00", b"\x7f",
        b"\x80", b"\xff", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80",
        b"\xed\xa0\x80", b"\xe0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf",
        b"\xe2\x82", b"\xf0\x9f\x98", b"\xc2", b" ", b"~", b"\x1f"]

def rand_bytes():
    k = rng.randrange(0, 8)
    if rng.random() < 0.3:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12)))
    return b"".join(rng.choice(ALPH) for _ in range(k))

def hx(b):
    return b.hex()

cases = [b"", b"abc", b"'", b'"', b"'\"", b"\\x", bytes(range(256))]
cases += [rand_bytes() for _ in range(600)]
out = []
for b in cases:
    try:
        b.decode("utf-8")
        ok = 1
    except UnicodeDecodeError:
        ok = 0
    out.append("\t".join(["b", hx(b), repr(b), str(hash(b)), str(ok),
                          hx(b.decode("utf-8", "replace").encode("utf-8")),
                          hx(b.decode("latin-1").encode("utf-8"))]))
for _ in range(300):
    a, c = rand_bytes(), rand_bytes()
    if rng.random() < 0.3:
        c = a + c if rng.random() < 0.5 else a[: len(a) // 2]
    out.append("\t".join(["cmp", hx(a), hx(c), str((a > c) - (a < c))]))
for _ in range(300):
    h = bytes(rng.choice(b"abc") for _ in range(rng.randrange(0, 12)))
    s = bytes(rng.choice(b"abc") for _ in range(rng.randrange(0, 3)))
    st, en = rng.randrange(-14, 14), rng.randrange(-14, 14)
    out.append("\t".join(["find", hx(h), hx(s), str(st), str(en),
                          str(h.find(s, st, en))]))
with open(os.path.join(ROOT, "tests", "data", "bytes_cases.tsv"), "w") as f:
    f.write("\n".join(out) + "\n")
