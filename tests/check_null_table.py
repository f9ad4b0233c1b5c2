#!/usr/bin/env python3
"""tests/check_null_table.py: every public function has a row in the NULL
argument table of tests/test_null_args.c (NULL_ARG_TABLE).

A public function is an FT_API function or a static inline function of a
header in include/ftrt/. One that takes a pointer (or variadic) argument must
have an ERR, OK or SKIP row (or a BINARY/SETKEY/SETOP row, which expand to
ERR); one with only non-pointer arguments needs none. A row naming a function
that is not in the headers is reported as stale. Usage:
    python3 tests/check_null_table.py [SOURCE_ROOT]
Exit status 1 with the list of missing/stale names, 0 otherwise."""
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def public_functions():
    funcs = {}
    for path in sorted(glob.glob(os.path.join(root, "include", "ftrt", "*.h"))):
        text = strip_comments(open(path, encoding="utf-8").read())
        text = re.sub(r"\\\n", " ", text)
        text = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("#"))
        for m in re.finditer(r"\b(FT_API|static\s+inline)\b([^;{(]*?)\b(ft_\w+)\s*\(([^)]*)\)", text):
            name, params = m.group(3), " ".join(m.group(4).split())
            if "extern" in m.group(2):
                continue
            takes_pointer = "*" in params or "..." in params
            funcs[name] = (takes_pointer, os.path.basename(path))
    return funcs


def table_rows():
    text = open(os.path.join(root, "tests", "test_null_args.c"), encoding="utf-8").read()
    start = text.index("#define NULL_ARG_TABLE")
    end = text.index("\n\n", start)
    block = text[start:end]
    names = re.findall(r"\b(?:ERR|OK|SKIP)\((ft_\w+)", block)
    names += re.findall(r"\b(?:BINARY|SETKEY|SETOP)\(ERR,\s*(ft_\w+)", block)
    return names


def main():
    funcs = public_functions()
    rows = table_rows()
    dup = sorted({n for n in rows if rows.count(n) > 1})
    missing = sorted(n for n, (ptr, _) in funcs.items() if ptr and n not in rows)
    stale = sorted(n for n in set(rows) if n not in funcs)
    for n in missing:
        print("missing row for %s (%s)" % (n, funcs[n][1]))
    for n in stale:
        print("row for %s, which no public header declares" % n)
    for n in dup:
        print("more than one row for %s" % n)
    npointer = sum(1 for p, _ in funcs.values() if p)
    print("%d public functions, %d with pointer arguments, %d rows"
          % (len(funcs), npointer, len(set(rows))))
    return 1 if missing or stale or dup else 0


if __name__ == "__main__":
    sys.exit(main())
