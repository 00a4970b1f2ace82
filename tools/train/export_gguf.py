#!/usr/bin/python3
"""Export a train.py checkpoint to the GGUF v3 file the C runtime reads (docs/model.md).

usage: export_gguf.py CKPT.pt MERGES.txt OUT.gguf [--name NAME] [--type q8_0|f16|f32]

llama.cpp tensor names and metadata; tokenizer.ggml.model "gpt2" with our pre-tokenizer "llmz";
matrices as Q8_0 (blocks of 32 along the input dimension, fp16 scale = amax/127, q = round(x/scale)),
norms as F32, token_embd tied to the output head.  The file is written to a temp name and renamed.
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import llmztok  # noqa: E402

GGUF_MAGIC = b"GGUF"
T_U32, T_I32, T_F32, T_STR, T_ARR = 4, 5, 6, 8, 9
GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
ALIGN = 32


def s_str(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


class Writer:
    def __init__(self):
        self.kv = []
        self.tensors = []

    def u32(self, k, v):
        self.kv.append(s_str(k) + struct.pack("<I", T_U32) + struct.pack("<I", v))

    def f32(self, k, v):
        self.kv.append(s_str(k) + struct.pack("<I", T_F32) + struct.pack("<f", v))

    def str(self, k, v):
        self.kv.append(s_str(k) + struct.pack("<I", T_STR) + s_str(v))

    def arr_str(self, k, vals):
        self.kv.append(s_str(k) + struct.pack("<IIQ", T_ARR, T_STR, len(vals)) + b"".join(s_str(v) for v in vals))

    def arr_i32(self, k, vals):
        self.kv.append(s_str(k) + struct.pack("<IIQ", T_ARR, T_I32, len(vals)) +
                       np.asarray(vals, dtype="<i4").tobytes())

    def tensor(self, name, arr, ttype):
        """arr: numpy float32 with numpy shape (rows, cols) or (n,); GGUF ne = reversed shape."""
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if ttype == GGML_F32:
            data = arr.astype("<f4").tobytes()
        elif ttype == GGML_F16:
            data = arr.astype("<f2").tobytes()
        else:
            data = quantize_q8_0(arr)
        self.tensors.append((name, list(reversed(arr.shape)), ttype, data))

    def write(self, path):
        head = bytearray(GGUF_MAGIC + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
        for kv in self.kv:
            head += kv
        off = 0
        offs = []
        for name, ne, ttype, data in self.tensors:
            offs.append(off)
            off += len(data)
            off = (off + ALIGN - 1) // ALIGN * ALIGN
        for (name, ne, ttype, data), o in zip(self.tensors, offs):
            head += s_str(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
            head += struct.pack("<IQ", ttype, o)
        head += b"\0" * ((-len(head)) % ALIGN)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(head)
            pos = 0
            for (name, ne, ttype, data), o in zip(self.tensors, offs):
                f.write(b"\0" * (o - pos))
                f.write(data)
                pos = o + len(data)
            f.write(b"\0" * ((-pos) % ALIGN))
        os.replace(tmp, path)


def quantize_q8_0(a):
    """Rows of a (rows, cols) array, blocks of 32 along cols: fp16 d = amax/127, q = round(x/d)."""
    assert a.shape[-1] % 32 == 0
    blocks = a.reshape(-1, 32).astype(np.float32)
    amax = np.abs(blocks).max(axis=1)
    d = (amax / 127.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.where(df > 0, 1.0 / np.where(df > 0, df, 1), 0.0)
    q = np.clip(np.round(blocks * inv[:, None]), -127, 127).astype(np.int8)
    out = np.empty((blocks.shape[0], 34), dtype=np.uint8)
    out[:, 0:2] = d.view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("merges")
    ap.add_argument("out")
    ap.add_argument("--name", default="llmz-default-v1")
    ap.add_argument("--type", default="q8_0", choices=["q8_0", "f16", "f32"])
    a = ap.parse_args()
    import torch
    ck = torch.load(a.ckpt, map_location="cpu")
    cfg = ck["cfg"]
    sd = {k: v.float().numpy() for k, v in ck["model"].items()}
    mt = {"q8_0": GGML_Q8_0, "f16": GGML_F16, "f32": GGML_F32}[a.type]
    with open(a.merges) as f:
        merges = [tuple(int(x) for x in line.split()) for line in f if line.strip()]
    tok = llmztok.Tokenizer(merges)
    assert len(tok.tok_bytes) == cfg["vocab"], (len(tok.tok_bytes), cfg["vocab"])
    b2u = llmztok.bytes_to_unicode()

    def spell(b):
        return "".join(b2u[x] for x in b)

    w = Writer()
    w.str("general.architecture", "llama")
    w.str("general.name", a.name)
    w.u32("general.alignment", ALIGN)
    w.u32("llama.context_length", cfg["ctx"])
    w.u32("llama.embedding_length", cfg["dim"])
    w.u32("llama.block_count", cfg["n_layer"])
    w.u32("llama.feed_forward_length", cfg["ffn"])
    w.u32("llama.attention.head_count", cfg["n_head"])
    w.u32("llama.attention.head_count_kv", cfg["n_head"])
    w.f32("llama.rope.freq_base", cfg["theta"])
    w.f32("llama.attention.layer_norm_rms_epsilon", cfg["eps"])
    w.u32("llama.vocab_size", cfg["vocab"])
    w.str("tokenizer.ggml.model", "gpt2")
    w.str("tokenizer.ggml.pre", "llmz")
    w.arr_str("tokenizer.ggml.tokens", [spell(b) for b in tok.tok_bytes])
    w.arr_i32("tokenizer.ggml.token_type", [1] * len(tok.tok_bytes))
    w.arr_str("tokenizer.ggml.merges", [spell(tok.tok_bytes[x]) + " " + spell(tok.tok_bytes[y]) for x, y in merges])
    w.tensor("token_embd.weight", sd["emb.weight"], mt)
    w.tensor("output_norm.weight", sd["norm.weight"], GGML_F32)
    for i in range(cfg["n_layer"]):
        p = f"blocks.{i}."
        g = f"blk.{i}."
        w.tensor(g + "attn_norm.weight", sd[p + "attn_norm.weight"], GGML_F32)
        w.tensor(g + "attn_q.weight", sd[p + "wq.weight"], mt)
        w.tensor(g + "attn_k.weight", sd[p + "wk.weight"], mt)
        w.tensor(g + "attn_v.weight", sd[p + "wv.weight"], mt)
        w.tensor(g + "attn_output.weight", sd[p + "wo.weight"], mt)
        w.tensor(g + "ffn_norm.weight", sd[p + "ffn_norm.weight"], GGML_F32)
        w.tensor(g + "ffn_gate.weight", sd[p + "w_gate.weight"], mt)
        w.tensor(g + "ffn_up.weight", sd[p + "w_up.weight"], mt)
        w.tensor(g + "ffn_down.weight", sd[p + "w_down.weight"], mt)
    w.write(a.out)
    print(f"wrote {a.out}: {os.path.getsize(a.out)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
