#!/usr/bin/env python3
"""Generate the str differential data and the printable table.

Writes (paths relative to the repository root):
  tests/data/str_cases.tsv     cases whose expected results come from this
                               python3 (checked by tests/test_str_diff.c)
  runtime/str_printable.h      the ranges of code points that str.isprintable()
                               rejects (used by repr, runtime/str.c)

Run from anywhere:  python3 tests/gen_str_data.py
Deterministic: a fixed random seed, so rerunning with the same Python
(3.11, Unicode 14.0, siphash13) reproduces the files byte for byte.

TSV format, one case per line, tab-separated, first field the case kind.
Strings are written as the hex of their UTF-32-LE form (8 hex digits per
code point, "" for the empty string), so lone surrogates survive.

  decode   <utf8 hex>  <len>  <kind>  <ascii>      valid UTF-8: decoded str
                                                   facts; re-encoding gives
                                                   the same bytes
  invalid  <bytes hex> <start> <reason> <byte hex> invalid UTF-8: Python's
                                                   UnicodeDecodeError start,
                                                   reason, byte at start
  repr     <s>  <repr(s)>
  hash     <seed> <s> <hash(s) with PYTHONHASHSEED=seed>
  slice    <s> <start> <stop> <step> <s[start:stop:step]>
  find     <s> <sub> <start> <end> <s.find(sub, start, end)>
  cmp      <a> <b> <-1|0|1>
  split    <s> <sep|-> <maxsplit> <n> <part>...  (sep "-" means None)
  join     <sep> <n> <part>... <sep.join(parts)>
"""
import os
import random
import subprocess
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = [0, 1, 42, 12345, 4294967295]

assert sys.hash_info.algorithm == "siphash13", sys.hash_info.algorithm


def u32(s):
    return s.encode("utf-32-le", "surrogatepass").hex()


def kind_of(s):
    m = max(map(ord, s), default=0)
    return 1 if m < 0x100 else 2 if m < 0x10000 else 4


ALPHABETS = [
    (0x20, 0x7E),            # printable ASCII
    (0x00, 0x7F),            # all ASCII
    (0x80, 0xFF),            # latin-1
    (0x100, 0x7FF),          # two-byte UTF-8
    (0x800, 0xFFFF),         # BMP (may include surrogates)
    (0x10000, 0x10FFFF),     # astral
]


def rand_str(rng, maxlen=24, surrogates=False, small=False):
    n = rng.randint(0, maxlen)
    spans = rng.sample(ALPHABETS, rng.randint(1, 3))
    out = []
    for _ in range(n):
        lo, hi = rng.choice(spans)
        if small:               # a few distinct chars so searches hit
            hi = min(hi, lo + 3)
        c = rng.randint(lo, hi)
        if not surrogates and 0xD800 <= c <= 0xDFFF:
            c = 0xFFFD
        out.append(chr(c))
    return "".join(out)


def gen_decode(rng, out):
    fixed = ["", "a", "abcd", "\u0159e\u0159icha", "\xe9", "\u20ac", "\U0001F600",
             "\x00", "a\x00b", "\uffff", "\U0010FFFF", "\x7f\x80", "\u07ff\u0800"]
    for s in fixed + [rand_str(rng, 40) for _ in range(300)]:
        b = s.encode("utf-8")
        out.append(["decode", b.hex(), str(len(s)), str(kind_of(s)),
                    str(int(s.isascii()))])


def gen_invalid(rng, out):
    cases = [b"\xff", b"ab\xff", b"\x80", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80",
             b"\xe0\x9f\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf0\x80\x80\x80",
             b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8",
             b"\xe2\x82", b"\xe2", b"\xf0\x9f\x98", b"\xe2\x28\xa1", b"\xe2\x82\x28",
             b"abc\xc3", b"\xc3\x28", b"ok\xe2\x82\xacok\x80"]
    for _ in range(400):
        good = rand_str(rng, 12).encode("utf-8")
        bad = bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 4)))
        tail = rand_str(rng, 4).encode("utf-8") if rng.random() < 0.5 else b""
        cases.append(good + bad + tail)
    for b in cases:
        try:
            b.decode("utf-8")
        except UnicodeDecodeError as e:
            out.append(["invalid", b.hex(), str(e.start), e.reason,
                        "%02x" % b[e.start]])


def gen_repr(rng, out):
    fixed = ["", "'", '"', "'\"", "a'b", 'a"b', "\\", "\t\n\r\x00\x1f\x7f",
             "\x80\x9f\xa0\xad\xe9", "\u0378\u200b\u2028\ufeff\ud800",
             "\U0001F600\U000E0001\U0010FFFF", "\u0159e\u0159icha"]
    for s in fixed + [rand_str(rng, 20, surrogates=True) for _ in range(400)]:
        out.append(["repr", u32(s), u32(repr(s))])


def gen_hash(rng, out):
    strs = ["", "a", "abc", "abcd", "\u0159e\u0159icha", "\xe9", "\U0001F600",
            "hello world, a longer string to span blocks"]
    strs += [rand_str(rng, 30, surrogates=True) for _ in range(60)]
    prog = ("import sys\n"
            "for line in sys.stdin:\n"
            "    s = bytes.fromhex(line.strip()).decode('utf-32-le', 'surrogatepass')\n"
            "    print(hash(s))\n")
    data = "".join(u32(s) + "\n" for s in strs)
    for seed in SEEDS:
        env = dict(os.environ, PYTHONHASHSEED=str(seed))
        res = subprocess.run([sys.executable, "-c", prog], input=data, env=env,
                             capture_output=True, text=True, check=True)
        for s, h in zip(strs, res.stdout.split()):
            out.append(["hash", str(seed), u32(s), h])


def gen_slice_find_cmp(rng, out):
    for _ in range(300):
        s = rand_str(rng, 20)
        n = len(s) + 3
        a, b = rng.randint(-n, n), rng.randint(-n, n)
        step = rng.choice([1, 1, 2, 3, -1, -2, -5])
        out.append(["slice", u32(s), str(a), str(b), str(step), u32(s[a:b:step])])
    for _ in range(400):
        s = rand_str(rng, 30, small=True)
        if s and rng.random() < 0.6:
            i = rng.randint(0, len(s) - 1)
            sub = s[i:i + rng.randint(0, 5)]
        else:
            sub = rand_str(rng, 3, small=True)
        n = len(s) + 2
        a = rng.choice([0, rng.randint(-n, n)])
        b = rng.choice([n + 5, rng.randint(-n, n)])
        out.append(["find", u32(s), u32(sub), str(a), str(b), str(s.find(sub, a, b))])
    for _ in range(200):
        x = rand_str(rng, 6, small=True)
        y = x[:rng.randint(0, len(x))] + rand_str(rng, 3, small=True)
        out.append(["cmp", u32(x), u32(y), str((x > y) - (x < y))])


def gen_split_join(rng, out):
    ws = " \t\n\x0b\x0c\r\x1c\x85\xa0\u1680\u2000\u2028\u3000"
    for _ in range(250):
        parts = [rand_str(rng, 5, small=True) for _ in range(rng.randint(0, 6))]
        if rng.random() < 0.5:
            s = "".join(p + "".join(rng.choice(ws) for _ in range(rng.randint(1, 3)))
                        for p in parts)
            if rng.random() < 0.5:
                s = rng.choice(ws) + s
            sep = None
        else:
            sep = rng.choice([",", "ab", "\xe9", "\u20ac\u20ac", "\U0001F600"])
            s = sep.join(parts)
        maxsplit = rng.choice([-1, -1, 0, 1, 2])
        res = s.split(sep, maxsplit)
        out.append(["split", u32(s), "-" if sep is None else u32(sep), str(maxsplit),
                    str(len(res))] + [u32(p) for p in res])
    for _ in range(100):
        parts = [rand_str(rng, 5) for _ in range(rng.randint(0, 5))]
        sep = rand_str(rng, 2)
        out.append(["join", u32(sep), str(len(parts))] + [u32(p) for p in parts]
                   + [u32(sep.join(parts))])


def write_cases():
    rng = random.Random(20240611)
    out = []
    gen_decode(rng, out)
    gen_invalid(rng, out)
    gen_repr(rng, out)
    gen_hash(rng, out)
    gen_slice_find_cmp(rng, out)
    gen_split_join(rng, out)
    path = os.path.join(ROOT, "tests", "data", "str_cases.tsv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# generated by tests/gen_str_data.py with Python %s; do not edit\n"
                % sys.version.split()[0])
        for row in out:
            f.write("\t".join(row) + "\n")
    return len(out)


def write_printable():
    ranges, start = [], None
    for c in range(0x110000):
        bad = not chr(c).isprintable()
        if bad and start is None:
            start = c
        elif not bad and start is not None:
            ranges.append((start, c - 1))
            start = None
    if start is not None:
        ranges.append((start, 0x10FFFF))
    path = os.path.join(ROOT, "runtime", "str_printable.h")
    with open(path, "w") as f:
        f.write("/* runtime/str_printable.h: code points that are not printable in the\n"
                " * sense of Python's str.isprintable() (categories Cc, Cf, Cs, Co, Cn,\n"
                " * Zl, Zp, and Zs except space), as sorted inclusive ranges, for repr.\n"
                " * Generated by tests/gen_str_data.py from Python %s (Unicode %s);\n"
                " * do not edit. Included by runtime/str.c only. */\n"
                % (sys.version.split()[0], unicodedata.unidata_version))
        f.write("#ifndef FT_RUNTIME_STR_PRINTABLE_H\n#define FT_RUNTIME_STR_PRINTABLE_H\n\n")
        f.write("#include <stdint.h>\n\n")
        f.write("static const uint32_t ft__nonprintable[][2] = {\n")
        for i in range(0, len(ranges), 3):
            row = ", ".join("{0x%05X, 0x%05X}" % r for r in ranges[i:i + 3])
            f.write("    %s,\n" % row)
        f.write("};\n\n#endif /* FT_RUNTIME_STR_PRINTABLE_H */\n")
    return len(ranges)


if __name__ == "__main__":
    n = write_cases()
    r = write_printable()
    print("wrote %d cases, %d non-printable ranges" % (n, r))
