#!/usr/bin/python3
"""Tokenize training and validation text into uint16 token files for train.py.

usage: prepare.py MERGES.txt TEXT.txt OUT.u16
"""
import sys

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
import llmztok  # noqa: E402


def load_merges(path):
    with open(path) as f:
        return [tuple(int(x) for x in line.split()) for line in f if line.strip()]


def main():
    merges, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    tok = llmztok.Tokenizer(load_merges(merges))
    with open(src, "rb") as f:
        data = f.read()
    ids = []
    step = 1 << 22
    for i in range(0, len(data), step):
        # 4 MiB blocks; a piece cut at a block boundary costs one extra token, nothing else
        ids.extend(tok.encode(data[i:i + step]))
    arr = np.array(ids, dtype=np.uint16)
    arr.tofile(dst)
    print(f"{src}: {len(data)} bytes -> {len(arr)} tokens ({len(data) / max(1, len(arr)):.3f} bytes/token)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
