#!/usr/bin/python3
"""count_words.py -- word counts for tools/thesaurus/build.py.

Reads text on stdin, splits it into maximal runs of ASCII letters, lower-cases them and writes
"word<TAB>count" lines (count descending, then word) to stdout, with a first line "#sha256 <hex> <bytes>"
naming the exact input.  The counts used for lib/lossy/thesaurus_data.c:

    xz -dc ../shared/corpus/train_mix_v1.txt.xz | head -c 200000000 | tools/thesaurus/count_words.py > counts.tsv

(the first 200,000,000 bytes of the training mix are Project Gutenberg books only).
"""
import collections
import hashlib
import re
import sys

WORD = re.compile(rb"[A-Za-z]+")


def main():
    counts = collections.Counter()
    h = hashlib.sha256()
    total = 0
    tail = b""
    inp = sys.stdin.buffer
    while True:
        chunk = inp.read(1 << 24)
        if not chunk:
            break
        h.update(chunk)
        total += len(chunk)
        buf = tail + chunk
        # keep a trailing partial word for the next chunk
        m = len(buf)
        while m > 0 and (65 <= buf[m - 1] <= 90 or 97 <= buf[m - 1] <= 122):
            m -= 1
        tail = buf[m:]
        counts.update(WORD.findall(buf[:m].lower()))
    if tail:
        counts.update([tail.lower()])
    out = sys.stdout
    out.write("#sha256 %s %d\n" % (h.hexdigest(), total))
    for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write("%s\t%d\n" % (w.decode("ascii"), c))


if __name__ == "__main__":
    main()
