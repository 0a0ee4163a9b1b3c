#!/usr/bin/env python3
"""Compares two study results.json files step by step: every number of every table and summary within a
tolerance, every text equal; forward-pass counts equal. Timings, throughput and wall-clock cells are skipped.

usage: compare-results.py BASELINE CANDIDATE [--tolerance 1e-6] [--steps id,id]
BASELINE and CANDIDATE are results.json files or study output folders (their steps/NN-id.json, so a
study still running can be compared step by step).
Prints one line per step (max absolute difference, cells compared, cells over the tolerance) and the
worst cells; exits 1 when any cell differs beyond the tolerance or a count differs.
"""
import glob
import json
import os
import math
import sys

TIMING_WORDS = ("seconds", "second", "tok/s", "throughput", "wall", "tokens/s", "elapsed")


def timing(name):
    name = str(name).lower()
    return any(w in name for w in TIMING_WORDS)


def number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if v in ("NaN", "Infinity", "-Infinity"):
        return float(v.replace("Infinity", "inf"))
    return None


def diff(a, b):
    x, y = number(a), number(b)
    if x is None or y is None:
        return None if a == b else math.inf
    if math.isnan(x) and math.isnan(y):
        return 0.0
    if math.isinf(x) or math.isinf(y):
        return 0.0 if x == y else math.inf
    return abs(x - y)


def cells(step):
    result = step["result"]
    for table in result.get("tables", []):
        columns = table["columns"]
        for r, row in enumerate(table["rows"]):
            for c, value in enumerate(row):
                if not timing(columns[c]) and not (table["name"] == "atlas" and timing(" ".join(map(str, row)))):
                    yield (table["name"], r, columns[c]), value
    for key, value in result.get("summary", {}).items():
        if not timing(key):
            yield ("summary", key), value


def load(path):
    if os.path.isdir(path):
        steps = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(path, "steps", "*.json")))]
    else:
        steps = json.load(open(path))["steps"]
    return {s["id"]: s for s in steps}


def main():
    args = sys.argv[1:]
    tolerance = 1e-6
    only = None
    if "--tolerance" in args:
        i = args.index("--tolerance")
        tolerance = float(args[i + 1])
        del args[i:i + 2]
    if "--steps" in args:
        i = args.index("--steps")
        only = set(args[i + 1].split(","))
        del args[i:i + 2]
    base = load(args[0])
    cand = load(args[1])
    failed = False
    for sid, b in base.items():
        if only and sid not in only:
            continue
        c = cand.get(sid)
        if c is None:
            print(f"{sid}: missing from the candidate")
            failed = True
            continue
        if b["forwardPasses"] != c["forwardPasses"]:
            print(f"{sid}: forward passes {b['forwardPasses']} vs {c['forwardPasses']}")
            failed = True
        bc = dict(cells(b))
        cc = dict(cells(c))
        worst, over, texts = 0.0, [], []
        for key, value in bc.items():
            if key not in cc:
                texts.append((key, value, None))
                continue
            d = diff(value, cc[key])
            if d is None:
                continue
            if d == math.inf and number(value) is None:
                texts.append((key, value, cc[key]))
                continue
            worst = max(worst, d)
            if d > tolerance:
                over.append((d, key, value, cc[key]))
        over.sort(key=lambda t: -t[0] if t[0] != math.inf else -1e300)
        print(f"{sid}: max |diff| {worst:.3g} over {len(bc)} cells; {len(over)} numbers beyond {tolerance:g}; {len(texts)} texts differ")
        for d, key, x, y in over[:8]:
            print(f"    {key}: {x} -> {y} (|diff| {d:.3g})")
        for key, x, y in texts[:5]:
            print(f"    text {key}: {str(x)[:100]!r} -> {str(y)[:100]!r}")
        failed |= bool(over) or bool(texts)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
