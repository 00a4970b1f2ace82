#!/usr/bin/python3
"""Cut an evenly spread sample out of the training text.

usage: sample.py CORPUS.txt OUT.txt TOTAL_BYTES [SLICES]

Takes SLICES slices (default 400), evenly spaced over the corpus, each TOTAL_BYTES/SLICES long and cut at
line breaks, so every part of the mix (books, docs, code, dictionaries) is represented in proportion.
"""
import os
import sys


def main():
    src, dst, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    slices = int(sys.argv[4]) if len(sys.argv) > 4 else 400
    size = os.path.getsize(src)
    each = total // slices
    stride = size // slices
    with open(src, "rb") as f, open(dst, "wb") as out:
        for i in range(slices):
            f.seek(i * stride)
            buf = f.read(each + 4096)
            s = buf.find(b"\n") + 1
            e = buf.rfind(b"\n", 0, s + each) + 1
            if e > s:
                out.write(buf[s:e])


if __name__ == "__main__":
    main()
