#!/usr/bin/python3
"""Train llmz's byte-level BPE merges on a text sample.

usage: bpe_train.py SAMPLE.txt VOCAB_SIZE OUT_MERGES.txt

Counts pre-tokenizer pieces (llmztok.pieces), then merges the most frequent adjacent pair, ties broken by
the smaller (left, right) id pair, until the vocabulary has VOCAB_SIZE tokens (256 bytes + merges).
Deterministic: same sample, same merges.  Output: one "left right" id pair per line, in rank order.
"""
import collections
import heapq
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
import llmztok  # noqa: E402


def train(data: bytes, vocab_size: int):
    counts = collections.Counter(llmztok.pieces(data))
    words = [list(w) for w in counts]
    freqs = [counts[w] for w in counts]
    pair_count = collections.Counter()
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        f = freqs[wi]
        for a, b in zip(w, w[1:]):
            pair_count[(a, b)] += f
            where[(a, b)].add(wi)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    next_id = 256
    while next_id < vocab_size and heap:
        negc, pair = heapq.heappop(heap)
        c = pair_count.get(pair, 0)
        if c <= 0:
            continue
        if -negc != c:  # stale entry: push the current count back
            heapq.heappush(heap, (-c, pair))
            continue
        if c < 2:
            break
        merges.append(pair)
        new = next_id
        next_id += 1
        a, b = pair
        touched = set()
        for wi in list(where[pair]):
            w = words[wi]
            f = freqs[wi]
            # remove old pair counts of this word
            for x, y in zip(w, w[1:]):
                pair_count[(x, y)] -= f
            out = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[wi] = out
            for x, y in zip(out, out[1:]):
                pair_count[(x, y)] += f
                where[(x, y)].add(wi)
                touched.add((x, y))
        del where[pair]
        pair_count.pop(pair, None)
        for p in touched:
            if pair_count[p] > 0:
                heapq.heappush(heap, (-pair_count[p], p))
        if len(merges) % 256 == 0:
            print(f"merges {len(merges)} last count {c}", file=sys.stderr)
    return merges


def main():
    sample, vocab, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(sample, "rb") as f:
        data = f.read()
    merges = train(data, vocab)
    with open(out, "w") as f:
        for a, b in merges:
            f.write(f"{a} {b}\n")
    tok = llmztok.Tokenizer(merges)
    n = min(len(data), 2_000_000)
    ids = tok.encode(data[:n])
    assert tok.decode(ids) == data[:n]
    print(f"{len(merges)} merges; {n / len(ids):.3f} bytes/token on the first {n} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
