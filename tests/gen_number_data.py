#!/usr/bin/env python3
"""Regenerate the differential test data for ints, floats and numeric hashes.

    python3 tests/gen_number_data.py [outdir]     (default: tests/data)

Writes int_cases.tsv, float_repr.tsv and numhash.tsv, read by
tests/test_number_diff.c. Randomness is seeded, so reruns give the same
files on the same Python. Ints are written in hex ('-0x1f'), doubles as
float.hex() ('0x1.8p+1', 'inf', 'nan'), strings given to the parser as the
hex of their UTF-8 bytes; an expected error is '!' + the exception name.
Python's digit-count limit for str/int conversion is lifted.
"""
import math
import os
import random
import struct
import sys

sys.set_int_max_str_digits(0)
R = random.Random(20261121)


def h(v):
    return hex(v)


def rand_int(maxbits):
    kind = R.random()
    bits = R.randint(0, maxbits)
    if kind < 0.1:
        v = 1 << bits
    elif kind < 0.2:
        v = (1 << bits) - 1
    else:
        v = R.getrandbits(bits) if bits else 0
    return -v if R.random() < 0.4 else v


SIZES = [2, 31, 61, 64, 100, 300, 1500, 3000, 9000]


def pick():
    return rand_int(R.choice(SIZES))


def err(e):
    return "!" + type(e).__name__


def fl(x):
    return x.hex() if math.isfinite(x) else repr(x)


def int_cases():
    rows = []

    def row(*cols):
        rows.append("\t".join(str(c) for c in cols))

    binops = {
        "add": lambda a, b: h(a + b),
        "sub": lambda a, b: h(a - b),
        "mul": lambda a, b: h(a * b),
        "floordiv": lambda a, b: h(a // b),
        "mod": lambda a, b: h(a % b),
        "divmod": lambda a, b: "%s,%s" % tuple(map(h, divmod(a, b))),
        "truediv": lambda a, b: fl(a / b),
        "and": lambda a, b: h(a & b),
        "or": lambda a, b: h(a | b),
        "xor": lambda a, b: h(a ^ b),
        "cmp": lambda a, b: (a > b) - (a < b),
    }
    for name, f in binops.items():
        for _ in range(220):
            a, b = pick(), pick()
            if R.random() < 0.05:
                b = 0
            try:
                out = f(a, b)
            except Exception as e:
                out = err(e)
            row(name, h(a), h(b), out)
    # Large divisions: Burnikel-Ziegler territory (divisor > 4000 bits)
    for _ in range(25):
        b = rand_int(R.choice([5000, 9000, 20000]))
        if b == 0:
            b = 7
        a = rand_int(R.choice([12000, 30000, 60000]))
        row("divmod", h(a), h(b), "%s,%s" % tuple(map(h, divmod(a, b))))
    # Karatsuba-sized products
    for n in (1400, 1500, 3000, 6000, 20000, 45000):
        a, b = rand_int(n), rand_int(R.randint(n // 3, n))
        row("mul", h(a), h(b), h(a * b))
    # truediv near the edges of the double range
    for _ in range(60):
        a = rand_int(R.choice([1100, 2000]))
        b = rand_int(R.choice([30, 1100, 2100])) or 3
        try:
            out = fl(a / b)
        except Exception as e:
            out = err(e)
        row("truediv", h(a), h(b), out)
    for a, b in [(1, 1 << 1074), (1, 1 << 1075), (3, 1 << 1076), (1, (1 << 1075) - 1),
                 ((1 << 1024) - 1, 1), ((1 << 1024) - (1 << 970), 1),
                 ((1 << 1024) - (1 << 971), 1), (0, -5), (-(1 << 80), 3)]:
        try:
            out = fl(a / b)
        except Exception as e:
            out = err(e)
        row("truediv", h(a), h(b), out)
    # shifts
    for _ in range(200):
        a = pick()
        n = R.choice([0, 1, 29, 30, 31, 59, 60, 61, 100, 1000, R.randint(0, 5000)])
        row("lshift", h(a), h(n), h(a << n))
        row("rshift", h(a), h(n), h(a >> n))
    row("rshift", h(-5), h(1 << 80), h(-1))
    row("rshift", h(5), h(1 << 80), h(0))
    row("lshift", h(5), h(-1), "!ValueError")
    # unary
    for _ in range(150):
        a = pick()
        row("neg", h(a), "-", h(-a))
        row("abs", h(a), "-", h(abs(a)))
        row("invert", h(a), "-", h(~a))
        row("bit_length", h(a), "-", a.bit_length())
    # pow
    for _ in range(120):
        a = rand_int(R.choice([2, 10, 64, 200]))
        e = R.randint(-3, 40) if R.random() < 0.5 else R.randint(0, 300)
        m = rand_int(R.choice([2, 31, 64, 300, 1000, 5000]))
        if R.random() < 0.3:
            m = None
        try:
            out = pow(a, e, m)
            out = fl(out) if isinstance(out, float) else h(out)
        except Exception as e2:
            out = err(e2)
        row("pow", h(a), h(e), "-" if m is None else h(m), out)
    for a, e, m in [(3, -1, 7), (2, -1, 4), (0, -1, None), (0, 0, None), (5, 0, 1),
                    (5, 0, -1), (2, 10, -7), (-2, 3, 5), (7, -2, -11), (2, 5, 0),
                    (-1, 10**20, None), (-1, 10**20 + 1, None), (1, 10**30, None),
                    (0, 10**30, None), (12345, -3, None)]:
        try:
            out = pow(a, e, m)
            out = fl(out) if isinstance(out, float) else h(out)
        except Exception as e2:
            out = err(e2)
        row("pow", h(a), h(e), "-" if m is None else h(m), out)
    # conversions: decimal text, other bases, doubles, int64
    for _ in range(200):
        a = pick()
        row("str10", h(a), "-", str(a))
        row("tostr", h(a), "2", bin(a))
        row("tostr", h(a), "8", oct(a))
        row("tostr", h(a), "16", hex(a))
        try:
            out = fl(float(a))
        except Exception as e:
            out = err(e)
        row("as_double", h(a), "-", out)
        row("i64", h(a), "-", a if -2**63 <= a < 2**63 else "!OverflowError")
        row("u64", h(a), "-", a if 0 <= a < 2**64 else "!OverflowError")
    for a in [2**1024 - 2**970, 2**1024 - 2**971, 2**1024 - 2**971 - 1, 2**53 + 1,
              2**54 + 3, 2**63 - 1, -2**63, 2**63, 2**64 - 1, 2**64, -2**63 - 1]:
        row("as_double", h(a), "-", fl(float(a)) if a < 2**1024 - 2**970 else "!OverflowError")
        row("i64", h(a), "-", a if -2**63 <= a < 2**63 else "!OverflowError")
        row("u64", h(a), "-", a if 0 <= a < 2**64 else "!OverflowError")
    for _ in range(80):
        a = pick()
        d = R.choice([float(R.getrandbits(60)) * R.choice([1, -1]),
                      math.ldexp(R.random(), R.randint(-20, 1020)) * R.choice([1, -1]),
                      float(a) if abs(a) < 2**1000 else 1.5])
        if R.random() < 0.3:
            d = float(a) if abs(a) < 2**1000 else d
        c = (a > d) - (a < d)
        row("cmpf", h(a), fl(d), c)
        try:
            out = h(int(d))
        except Exception as e:
            out = err(e)
        row("from_double", fl(d), "-", out)
    for d in [float("inf"), float("-inf"), float("nan"), 0.5, -0.99, 1e308, -2.0**63]:
        try:
            out = h(int(d))
        except Exception as e:
            out = err(e)
        row("from_double", fl(d), "-", out)
    # parsing
    lits = []
    for _ in range(150):
        a = pick()
        base = R.choice([0, 2, 3, 7, 8, 10, 10, 16, 36])
        if base in (0, 10):
            s = str(a)
        elif base == 2:
            s = bin(a) if R.random() < 0.5 else format(a, "b")
        elif base == 8:
            s = oct(a) if R.random() < 0.5 else format(a, "o")
        elif base == 16:
            s = hex(a) if R.random() < 0.5 else format(a, "x").upper()
        else:
            digs = "0123456789abcdefghijklmnopqrstuvwxyz"
            m, out = abs(a), ""
            while m:
                m, r = divmod(m, base)
                out = digs[r] + out
            s = ("-" if a < 0 else "") + (out or "0")
        if R.random() < 0.2 and len(s) > 3:
            i = R.randint(2, len(s) - 1)
            if s[i - 1].isalnum() and s[i].isalnum():
                s = s[:i] + "_" + s[i:]
        lits.append((s, base))
    lits += [("0", 0), ("00", 0), ("0_0", 0), ("010", 0), ("0x_1f", 0), ("0x_1f", 16),
             ("0b101", 0), ("0o17", 0), ("0O17", 8), ("0B1", 2), ("0b1", 16),
             ("1__0", 10), ("_1", 10), ("1_", 10), ("+5", 10), ("-0", 10),
             ("  12  ", 10), ("\t-7\n", 10), ("", 10), ("-", 10), ("0x", 16),
             ("12a", 10), ("zz", 36), ("ZZ", 36), ("9", 8), ("1 2", 10),
             ("+-1", 10), ("0x1g", 0), ("1.5", 10), ("123", 37), ("123", 1),
             ("9" * 5000, 10), ("-" + "7" * 3000, 8), ("1" + "0" * 4000, 7)]
    for s, base in lits:
        try:
            out = h(int(s, base))
        except Exception as e:
            out = err(e)
        row("parse", s.encode().hex() or "-", base, out)
    return rows


def float_rows():
    rows = []
    vals = [0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e16, 1e15,
            1e-5, 1e-4, 0.1, 0.2, 0.3, 1/3, 123456789012345.0, 1234567890123456.0,
            12345678901234567.0, 5e-324, -5e-324, 2.2250738585072014e-308,
            2.225073858507201e-308, 1.7976931348623157e308, 9007199254740993.0,
            2**-1022, 2**-1074 * 3, 1.5, 100.0, 1e22, 1e23, 9.999999999999999e22,
            0.001, 123.456, -1e-7, 2.0**60, 2.0**70]
    for e in range(-1074, 1024):
        vals.append(math.ldexp(1.0, e))
    for _ in range(6000):
        bits = R.getrandbits(64)
        v = struct.unpack("<d", struct.pack("<Q", bits))[0]
        vals.append(v)
    for _ in range(3000):
        vals.append(round(R.uniform(-1e6, 1e6), R.randint(0, 8)))
        vals.append(R.randint(1, 10**R.randint(1, 17)) * 10.0 ** R.randint(-30, 30))
    for v in vals:
        rows.append("repr\t%s\t%s" % (fl(v), repr(v)))
    ops = {
        "floordiv": lambda x, y: x // y,
        "mod": lambda x, y: x % y,
        "truediv": lambda x, y: x / y,
        "pow": lambda x, y: x ** y,
    }
    specials = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, -3.5, float("inf"),
                float("-inf"), float("nan"), 1e308, 1e-308, 7.0, -7.0, 10.0]
    for name, f in ops.items():
        pairs = [(x, y) for x in specials for y in specials]
        pairs += [(R.uniform(-100, 100), R.uniform(-10, 10)) for _ in range(100)]
        for x, y in pairs:
            try:
                out = f(x, y)
                out = "!ValueError" if isinstance(out, complex) else fl(out)
            except Exception as e:
                out = err(e)
            rows.append("op\t%s\t%s\t%s\t%s" % (name, fl(x), fl(y), out))
    return rows


def hash_rows():
    rows = []
    ints = [0, 1, -1, -2, 2**61 - 1, 2**61, 2**61 - 2, -(2**61 - 1), 2**64, 2**100 + 7]
    ints += [pick() for _ in range(400)]
    for a in ints:
        rows.append("int\t%s\t%d" % (h(a), hash(a)))
    fls = [0.0, -0.0, 1.0, -1.0, 0.5, 1.5, float("inf"), float("-inf"), 2.0**61,
           2.0**-61, 1e308, 5e-324, -2.0, 3.14, 1e100]
    for _ in range(400):
        bits = R.getrandbits(64)
        v = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if not math.isnan(v):
            fls.append(v)
    for v in fls:
        rows.append("float\t%s\t%d" % (fl(v), hash(v)))
    rows.append("bool\tTrue\t%d" % hash(True))
    rows.append("bool\tFalse\t%d" % hash(False))
    return rows


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data")
    os.makedirs(out, exist_ok=True)
    for name, rows in (("int_cases.tsv", int_cases()), ("float_repr.tsv", float_rows()),
                       ("numhash.tsv", hash_rows())):
        with open(os.path.join(out, name), "w") as f:
            f.write("# generated by tests/gen_number_data.py (Python %s)\n" % sys.version.split()[0])
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
