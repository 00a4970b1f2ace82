#!/usr/bin/env python3
"""Small synthetic vocabulary GGUFs for tests/unit/test_tokenizer_real.c, one per pre-tokenizer.

Usage: python3 tools/xcheck/mkvocab.py SHARED_VOCAB_DIR OUTDIR

Each file keeps a real vocabulary's first merges (../shared/vocab; their parts are earlier tokens), the 256 byte
tokens, merges that join digits, spaces, tabs and newlines, a few tokens without a merge path (llama-bpe emits
them whole: ignore_merges), a user-defined token "example" (cut out before pre-tokenizing) and a control token; the
non-tokenizer keys of the source file, so that llama.cpp loads it vocabulary-only.  The llama (SentencePiece) one
keeps the first pieces by score, the byte tokens and the single characters of the fixture (tests/data/tok_real/
cases.bin, written by tokids.mjs) and U+2581.  Expected ids:
tools/xcheck/tokids.mjs on the written files."""
import os
import struct
import sys

T_U8, T_I32, T_U32, T_F32, T_BOOL, T_STR, T_ARR = 0, 5, 4, 6, 7, 8, 9
SZ = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def rd(f, fmt):
    return struct.unpack("<" + fmt, f.read(struct.calcsize("<" + fmt)))


def rs(f):
    (n,) = rd(f, "Q")
    return f.read(n)


def rv(f, t):
    if t == T_STR:
        return rs(f)
    if t == T_ARR:
        (et,) = rd(f, "I")
        (n,) = rd(f, "Q")
        return (et, [rv(f, et) for _ in range(n)])
    return rd(f, SZ[t])[0]


def load(path):
    kv = []
    with open(path, "rb") as f:
        assert f.read(4) == b"GGUF"
        rd(f, "I")
        _, nkv = rd(f, "QQ")
        for _ in range(nkv):
            k = rs(f).decode()
            (t,) = rd(f, "I")
            kv.append((k, t, rv(f, t)))
    return kv


def wv(out, t, v):
    if t == T_STR:
        out += struct.pack("<Q", len(v)) + v
    elif t == T_ARR:
        et, items = v
        out += struct.pack("<IQ", et, len(items))
        for x in items:
            wv(out, et, x)
    else:
        out += struct.pack("<" + SZ[t], v)


def save(path, kv):
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv)))
    for k, t, v in kv:
        kb = k.encode()
        out += struct.pack("<Q", len(kb)) + kb + struct.pack("<I", t)
        wv(out, t, v)
    with open(path, "wb") as f:
        f.write(out)


def gpt2_spell():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


SP = gpt2_spell()


def spell(data):
    return "".join(SP[b] for b in data)


EXTRA_MERGES = [("1", "2"), ("12", "3"), ("2", "0"), ("20", "2"), ("0", "0"), ("00", "0"), ("4", "5"),
                (" ", " "), ("  ", "  "), ("    ", "    "), ("\n", "\n"), ("\r", "\n"), ("\t", "\t"),
                ("'", "s"), ("'", "ll"), (" (", "0"), ("Ã", "©")]
WHOLE = [" quick", " lazy", " Hello", "Heading", " straße"]


def bpe_file(src, pre, n_merges, dst):
    kv = load(src)
    d = {k: v for k, _, v in kv}
    merges = [m.decode() for m in d["tokenizer.ggml.merges"][1]]
    toks = [SP[b] for b in range(256)]
    have = set(toks)
    out_merges = []

    def add_merge(a, b):
        if a in have and b in have and a + b not in have:
            toks.append(a + b)
            have.add(a + b)
            out_merges.append(a + " " + b)

    for m in merges:
        if len(out_merges) >= n_merges:
            break
        a, _, b = m.partition(" ")
        add_merge(a, b)
    for a, b in EXTRA_MERGES:
        add_merge(spell(a.encode()), spell(b.encode()))
    types = [1] * len(toks)
    for w in WHOLE:
        s = spell(w.encode())
        if s not in have:
            toks.append(s)
            have.add(s)
            types.append(1)
    toks.append("example")  # user-defined: raw text, cut out first
    types.append(4)
    toks.append("<|endoftext|>")
    types.append(3)
    eot = len(toks) - 1
    meta = [(k, t, v) for k, t, v in kv if not k.startswith("tokenizer.")]
    meta += [
        ("tokenizer.ggml.model", T_STR, b"gpt2"),
        ("tokenizer.ggml.pre", T_STR, pre.encode()),
        ("tokenizer.ggml.tokens", T_ARR, (T_STR, [t.encode() for t in toks])),
        ("tokenizer.ggml.token_type", T_ARR, (T_I32, types)),
        ("tokenizer.ggml.merges", T_ARR, (T_STR, [m.encode() for m in out_merges])),
        ("tokenizer.ggml.bos_token_id", T_U32, eot),
        ("tokenizer.ggml.eos_token_id", T_U32, eot),
    ]
    for i, (k, t, v) in enumerate(meta):
        if k.endswith(".vocab_size"):
            meta[i] = (k, t, len(toks))
    save(dst, meta)
    return len(toks), len(out_merges)


def spm_file(src, n_pieces, fixture_chars, dst):
    kv = load(src)
    d = {k: v for k, _, v in kv}
    toks = d["tokenizer.ggml.tokens"][1]
    scores = d["tokenizer.ggml.scores"][1]
    types = d["tokenizer.ggml.token_type"][1]
    keep = [i for i in range(len(toks)) if types[i] != 1 or i < 259 + n_pieces]
    keep += [i for i in range(len(toks)) if types[i] == 1 and i >= 259 + n_pieces and
             len(toks[i].decode("utf-8", "replace")) == 1 and toks[i].decode("utf-8", "replace") in fixture_chars]
    keep = sorted(set(keep))
    meta = [(k, t, v) for k, t, v in kv if not k.startswith("tokenizer.") or k in (
        "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token")]
    meta += [
        ("tokenizer.ggml.tokens", T_ARR, (T_STR, [toks[i] for i in keep])),
        ("tokenizer.ggml.scores", T_ARR, (T_F32, [scores[i] for i in keep])),
        ("tokenizer.ggml.token_type", T_ARR, (T_I32, [types[i] for i in keep])),
    ]
    for i, (k, t, v) in enumerate(meta):
        if k.endswith(".vocab_size"):
            meta[i] = (k, t, len(keep))
    save(dst, meta)
    return len(keep)


def main():
    shared, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    cases = open(os.path.join(here, "..", "..", "tests", "data", "tok_real", "cases.bin"), "rb").read()
    cases = cases.decode("utf-8", "replace") + "\u2581"  # the fixture's characters and the space piece
    plan = [("gpt-2", "gpt-2"), ("default", "gpt-2"), ("llama-bpe", "gpt-2"), ("dbrx", "gpt-2"), ("qwen2", "gpt-2"),
            ("smollm", "starcoder"), ("starcoder", "starcoder"), ("falcon", "falcon"),
            ("deepseek-coder", "deepseek-coder")]
    for pre, src in plan:
        n, m = bpe_file(os.path.join(shared, "ggml-vocab-%s.gguf" % src), pre, 700,
                        os.path.join(outdir, "synth-%s.gguf" % pre))
        print("synth-%s: %d tokens, %d merges (from %s)" % (pre, n, m, src))
    n = spm_file(os.path.join(shared, "ggml-vocab-llama-spm.gguf"), 900, set(cases),
                 os.path.join(outdir, "synth-llama-spm.gguf"))
    print("synth-llama-spm: %d tokens" % n)


if __name__ == "__main__":
    main()
