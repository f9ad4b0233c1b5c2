#!/usr/bin/env python3
"""Generate tests/data/float_parse.tsv: float() of random texts, from this
python3, checked by tests/test_parse.c.

Run from anywhere:  python3 tests/gen_parse_data.py   (deterministic)

One case per line: <text as hex> TAB <float(text).hex(), or ERR>.
"""
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = random.Random(5)

def digits(k):
    s = "".join(rng.choice("0123456789") for _ in range(k))
    if rng.random() < 0.2 and len(s) > 1:     # an underscore, maybe misplaced
        i = rng.randrange(0, len(s) + 1)
        s = s[:i] + "_" * rng.choice([1, 1, 1, 2]) + s[i:]
    return s

def text():
    parts = []
    parts.append(rng.choice(["", "", " ", "\t", "\n "]))
    parts.append(rng.choice(["", "", "+", "-"]))
    r = rng.random()
    if r < 0.08:
        parts.append(rng.choice(["inf", "INF", "Infinity", "nan", "NaN", "infin",
                                 "nana", "0x10", "0x1p3", "1e", "e5", ".", "",
                                 "1.5.", "1e5.5", "--1", "1 2"]))
    else:
        parts.append(digits(rng.randrange(0, 25)))
        if rng.random() < 0.6:
            parts.append("." + digits(rng.randrange(0, 25)))
        if rng.random() < 0.4:
            parts.append(rng.choice("eE") + rng.choice(["", "+", "-"])
                         + digits(rng.randrange(0, 4)))
    parts.append(rng.choice(["", "", " ", "\r\n", "x"]))
    return "".join(parts)

extra = ["1_000.5", "_1", "1__0", " 1e5 ", "nan", "-inf", "0x10", "1e400",
         "-1e400", "1e-400", "2.2250738585072011e-308", "4.9e-324",
         "0.1", "9007199254740993", "1.7976931348623157e308",
         "1.7976931348623159e308", "1_2.3_4e1_0", "1._5", "1_.5", ".5", "5.",
         "+.5e-3", "\v1\f", "1\x00", "123456789012345678901234567890e-20"]
rows = []
for t in extra + [text() for _ in range(3000)]:
    try:
        v = float(t).hex()
    except ValueError:
        v = "ERR"
    rows.append(t.encode().hex() + "\t" + v)
with open(os.path.join(ROOT, "tests", "data", "float_parse.tsv"), "w") as f:
    f.write("\n".join(rows) + "\n")
