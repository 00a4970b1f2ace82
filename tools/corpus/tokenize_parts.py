#!/usr/bin/python3
"""Tokenize a mixed sample (mix.py output) part by part into one uint16 token file.

usage: tokenize_parts.py MERGES.txt SAMPLE.txt OUT.u16 [PARTS_OUT.tsv]

Reads SAMPLE.txt.parts (part, byte offset, bytes) and writes OUT.u16 with every part's tokens in order,
and PARTS_OUT.tsv (part, token offset, tokens, bytes): what gpu_run_v3.sh cuts the domain adapters' data
and per-domain validation from.  Without a .parts file the whole text is one part named "all".
Same tokens as tools/train/prepare.py (4 MiB blocks, llmztok), without numpy.
"""
import array
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
import llmztok  # noqa: E402

BLOCK = 1 << 22


def main():
    merges, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    parts_out = sys.argv[4] if len(sys.argv) > 4 else dst + ".parts.tsv"
    with open(merges) as f:
        tok = llmztok.Tokenizer([tuple(int(x) for x in ln.split()) for ln in f if ln.strip()])
    if len(tok.tok_bytes) > 65536:
        sys.exit("tokenize_parts.py: more than 65536 tokens do not fit uint16")
    parts = [("all", 0, os.path.getsize(src))]
    if os.path.exists(src + ".parts"):
        with open(src + ".parts") as f:
            parts = [(p, int(o), int(n)) for p, o, n in (ln.split("\t") for ln in f if ln.strip())]
    ntok = 0
    with open(src, "rb") as f, open(dst, "wb") as out, open(parts_out, "w") as pf:
        for name, off, n in parts:
            f.seek(off)
            data = f.read(n)
            ids = array.array("H")
            for i in range(0, len(data), BLOCK):
                ids.extend(tok.encode(data[i:i + BLOCK]))
            if sys.byteorder != "little":
                ids.byteswap()
            ids.tofile(out)
            pf.write(f"{name}\t{ntok}\t{len(ids)}\t{n}\n")
            print(f"{name:12s} {n:12,d} bytes {len(ids):11,d} tokens ({n / max(1, len(ids)):.3f} bytes/token)",
                  file=sys.stderr, flush=True)
            ntok += len(ids)
    print(f"{dst}: {ntok:,} tokens", file=sys.stderr)


if __name__ == "__main__":
    main()
