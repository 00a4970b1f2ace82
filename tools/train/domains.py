#!/usr/bin/python3
"""Cut the domain slices for the LoRA adapters out of train_mix_v1 (train.txt, ../shared/corpus/MANIFEST.md).

usage: domains.py TRAIN.txt OUTDIR

Each domain is a set of byte ranges of train_mix_v1.txt (its parts follow each other in the manifest's order;
the boundaries below were read off the file's part separators).  A domain's training text is 240 pieces spread
evenly over its ranges (so one directory, say crypto/'s test vectors, cannot dominate), its validation text
60 pieces taken halfway between training pieces (never the same bytes).  Pieces are cut at line breaks.
Nothing here comes from ../shared/bench.
"""
import os
import sys

M = 1000 * 1000
PARTS = {  # part -> (start, end) in train.txt
    "kernel_rst": (320_000_000, 344_000_000), "python_rst": (344_000_000, 355_000_000),
    "perl_pod": (355_000_000, 363_800_000), "gcide": (363_800_000, 383_800_000),
    "wordnet_gloss": (383_800_000, 393_800_000), "foldoc": (393_800_000, 399_400_000),
    "man": (406_100_000, 415_674_878), "kernel_c": (415_674_878, 445_674_836),
    "go": (445_674_836, 465_674_804), "python": (465_674_804, 470_159_126),
    "wordnet_data": (470_159_126, 475_159_119), "unicode": (475_159_119, 480_159_099),
    "iso_json": (480_159_099, 481_659_067),
}
DOMAINS = {  # name -> (parts, training bytes)
    "c": (["kernel_c"], 6 * M),
    "code": (["go", "python"], 5 * M),
    "docs": (["kernel_rst", "python_rst", "perl_pod", "man"], 5 * M),
    "data": (["gcide", "wordnet_gloss", "foldoc", "wordnet_data", "unicode", "iso_json"], 4 * M),
}
PIECES, VPIECES, VALID = 240, 60, 256 * 1000


def piece(f, off, n):
    """About n bytes from the first line start after off, ending at a line end."""
    f.seek(off)
    f.readline()
    data = f.read(n)
    return data + f.readline()


def spread(ranges, count, size, phase):
    """count offsets spread evenly over the concatenated ranges (phase in [0, 1) of a step)."""
    total = sum(e - s for s, e in ranges)
    step = total / count
    out = []
    for i in range(count):
        x = int((i + phase) * step)
        for s, e in ranges:
            if x < e - s:
                out.append(min(s + x, e - size - 4096))
                break
            x -= e - s
    return out


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(src, "rb") as f:
        for name, (parts, nbytes) in DOMAINS.items():
            ranges = [PARTS[p] for p in parts]
            tn, vn = nbytes // PIECES, VALID // VPIECES
            tr = b"".join(piece(f, o, tn) for o in spread(ranges, PIECES, tn, 0.0))
            va = b"".join(piece(f, o, vn) for o in spread(ranges, VPIECES, vn, 0.5 / (PIECES // VPIECES)))
            for suffix, data in (("train", tr), ("valid", va)):
                with open(os.path.join(out, f"{name}.{suffix}.txt"), "wb") as g:
                    g.write(data)
            print(f"{name}: train {len(tr)} bytes, valid {len(va)} bytes")


if __name__ == "__main__":
    main()
