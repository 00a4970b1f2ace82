#!/usr/bin/python3
"""Bytes per token, per domain, for one or more merges files (the tokenizer table of models/README.md).

usage: bpt.py [--bytes N] MERGES.txt[,MERGES2.txt...] FILE_OR_DIR...

For every .txt file given (or found in a directory given), tokenizes its last N bytes (default 300,000,
cut at a line break) with each merges file and prints a markdown table: one row per file, one column per
merges file (bytes/token), with the bytes-weighted mean of the rows as the last row.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
import llmztok  # noqa: E402


def load(path):
    with open(path) as f:
        return [tuple(int(x) for x in ln.split()) for ln in f if ln.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bytes", type=int, default=300_000)
    ap.add_argument("merges")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    toks = [(os.path.basename(m), llmztok.Tokenizer(load(m))) for m in a.merges.split(",")]
    files = []
    for p in a.inputs:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".txt")
                            and not f.startswith(("heldout_", "dropped")))
        else:
            files.append(p)
    print("| text | bytes | " + " | ".join(f"{n} ({len(t.tok_bytes)})" for n, t in toks) + " |")
    print("|---|---:|" + "---:|" * len(toks))
    tot_b, tot_t = 0, [0] * len(toks)
    for p in files:
        size = os.path.getsize(p)
        with open(p, "rb") as f:
            f.seek(max(0, size - a.bytes))
            b = f.read()
        if size > a.bytes:
            b = b[b.find(b"\n") + 1:]
        row = []
        for i, (_, t) in enumerate(toks):
            n = len(t.encode(b))
            tot_t[i] += n
            row.append(f"{len(b) / max(1, n):.3f}")
        tot_b += len(b)
        name = os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p)
        print(f"| {name} | {len(b):,} | " + " | ".join(row) + " |", flush=True)
    print(f"| **all (bytes-weighted)** | {tot_b:,} | " +
          " | ".join(f"**{tot_b / max(1, n):.3f}**" for n in tot_t) + " |")


if __name__ == "__main__":
    main()
