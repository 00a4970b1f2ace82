"""llmz tokenizer in Python: the pre-tokenizer and BPE encoder that lib/model/tokenizer.c implements.

The C runtime is the reference; this module must produce the same token ids (tests/data/tok_fixture.*
checks it).  Spec (docs/model.md, "Tokenizer"):

Pre-tokenizer, on raw bytes, leftmost-first alternatives:
  1. ' '? L+          L = A-Z a-z and every byte >= 0x80
  2. ' '? D+          D = 0-9
  3. ' '? O           O = one byte that is none of L, D, ' ', '\\n', '\\t'
  4. '\\n'+
  5. '\\t'+
  6. ' '+ that leaves its last space to the next piece when a byte other than ' ', '\\n', '\\t' follows
  7. ' '+
A piece longer than 64 bytes is cut into 64-byte parts.  BPE then runs inside each part: repeatedly merge
the adjacent pair with the lowest merge rank (leftmost first among equal ranks) until no pair has a rank.
Token ids 0..255 are the single bytes; id 256+k is merge k.
"""
import re

MAX_PIECE = 64
PIECE_RE = re.compile(
    rb" ?[A-Za-z\x80-\xff]+| ?[0-9]+| ?[^A-Za-z\x80-\xff0-9 \n\t]|\n+|\t+| +(?= [^ \n\t])| +"
)


def pieces(data: bytes):
    for m in PIECE_RE.finditer(data):
        p = m.group(0)
        if len(p) <= MAX_PIECE:
            yield p
        else:
            for i in range(0, len(p), MAX_PIECE):
                yield p[i:i + MAX_PIECE]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode map (how GGUF 'gpt2' vocabularies spell bytes)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


class Tokenizer:
    def __init__(self, merges):
        """merges: list of (left_id, right_id) in rank order."""
        self.merges = list(merges)
        self.rank = {pair: i for i, pair in enumerate(self.merges)}
        self.tok_bytes = [bytes([i]) for i in range(256)]
        for a, b in self.merges:
            self.tok_bytes.append(self.tok_bytes[a] + self.tok_bytes[b])
        self.cache = {}

    def encode_piece(self, p: bytes):
        ids = self.cache.get(p)
        if ids is not None:
            return ids
        ids = list(p)
        rank = self.rank
        while len(ids) > 1:
            best, bi = None, -1
            for i in range(len(ids) - 1):
                r = rank.get((ids[i], ids[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            ids[bi:bi + 2] = [256 + best]
        if len(self.cache) < 1_000_000:
            self.cache[p] = ids
        return ids

    def encode(self, data: bytes):
        out = []
        for p in pieces(data):
            out.extend(self.encode_piece(p))
        return out

    def decode(self, ids):
        return b"".join(self.tok_bytes[i] for i in ids)
