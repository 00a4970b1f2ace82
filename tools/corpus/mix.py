#!/usr/bin/python3
"""Mix train_mix_v1 with corpus v2 into one training text (or a sample of it).

usage: mix.py V1.txt[.xz] V2_DIR OUT.txt TOTAL_BYTES [--v1-share 0.5] [--slices 4000] [--domains a,b,...]

The mixing ratio: V1_SHARE of TOTAL_BYTES comes from train_mix_v1 (books, documentation, C/Go/Python:
what makes llmz strong on prose, the first goal of model v3), the rest from corpus v2's domain files in
proportion to their sizes (the builder's per-domain caps already balance them; a domain smaller than its
share gives all it has).  Each part is cut into slices evenly spaced over it, each cut at line breaks
(as tools/train/sample.py does), so every source of a part is represented; parts follow each other in a
fixed order (v1 first, then the domains sorted by name).  Deterministic: no randomness.  Prints bytes per
part and the sha256 of the result; writes OUT.txt.parts (part, offset, bytes) for per-domain evaluation.
"""
import argparse
import hashlib
import lzma
import os
import shutil
import sys


def slices(path, want, n):
    """Up to `want` bytes of `path` in n evenly spaced slices cut at line breaks."""
    size = os.path.getsize(path)
    if want >= size:
        with open(path, "rb") as f:
            yield f.read()
        return
    n = max(1, n)
    each, stride = want // n, size // n
    with open(path, "rb") as f:
        for i in range(n):
            f.seek(i * stride)
            buf = f.read(each + 4096)
            s = buf.find(b"\n") + 1 if i else 0
            e = buf.rfind(b"\n", 0, s + each) + 1
            if e > s:
                yield buf[s:e]


def plain(v1, tmp):
    if not v1.endswith(".xz"):
        return v1
    dst = os.path.join(tmp, os.path.basename(v1)[:-3])
    if not os.path.exists(dst):
        print(f"decompressing {v1} to {dst}", file=sys.stderr)
        with lzma.open(v1, "rb") as f, open(dst + ".tmp", "wb") as o:
            shutil.copyfileobj(f, o, 1 << 24)
        os.replace(dst + ".tmp", dst)
    return dst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("v1")
    ap.add_argument("v2")
    ap.add_argument("out")
    ap.add_argument("total", type=int)
    ap.add_argument("--v1-share", type=float, default=0.5)
    ap.add_argument("--slices", type=int, default=4000)
    ap.add_argument("--domains", default="", help="only these v2 domains (comma-separated)")
    ap.add_argument("--tmp", default="/work/corpus-data")
    a = ap.parse_args()
    doms = sorted(f[:-4] for f in os.listdir(a.v2) if f.endswith(".txt") and not f.startswith(("heldout", "dropped")))
    if a.domains:
        doms = [d for d in doms if d in a.domains.split(",")]
    sizes = {d: os.path.getsize(os.path.join(a.v2, d + ".txt")) for d in doms}
    v2_total = sum(sizes.values())
    v1_want = int(a.total * a.v1_share)
    parts = [("v1", plain(a.v1, a.tmp), v1_want)] if a.v1_share > 0 else []
    rest = a.total - v1_want
    for d in doms:
        parts.append((d, os.path.join(a.v2, d + ".txt"), rest * sizes[d] // max(1, v2_total)))
    h = hashlib.sha256()
    off = 0
    with open(a.out, "wb") as out, open(a.out + ".parts", "w") as pf:
        for name, path, want in parts:
            n = max(1, a.slices * want // a.total)
            got = 0
            for s in slices(path, want, n):
                out.write(s)
                h.update(s)
                got += len(s)
            pf.write(f"{name}\t{off}\t{got}\n")
            print(f"{name:12s} {got:12,d} bytes ({100 * got / a.total:5.2f}%)", file=sys.stderr)
            off += got
    print(f"{a.out}: {off:,} bytes, sha256 {h.hexdigest()}", file=sys.stderr)


if __name__ == "__main__":
    main()
