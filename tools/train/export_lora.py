#!/usr/bin/python3
"""Write a LoRA adapter (lora.py's ADAPTER.pt) as a GGUF adapter file that llmz embeds or loads (--adapter).

usage: export_lora.py ADAPTER.pt BASE.gguf OUT.gguf --name NAME [--description TEXT]

Layout (llama.cpp's LoRA GGUF naming): general.type "adapter", adapter.type "lora", adapter.lora.alpha;
tensors blk.N.<base tensor>.weight.lora_a (GGUF shape [in, rank]) and .lora_b ([rank, out]) in F16;
the merged weight is W + (alpha / rank) * B A.  llmz.adapter.base holds the SHA-256 of BASE.gguf (hex):
llmz refuses to apply the adapter to any other model.
"""
import argparse
import hashlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from export_gguf import ALIGN, GGML_F16, Writer  # noqa: E402

NAMES = {"wq": "attn_q", "wk": "attn_k", "wv": "attn_v", "wo": "attn_output", "w_gate": "ffn_gate",
         "w_up": "ffn_up", "w_down": "ffn_down"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("adapter")
    ap.add_argument("base")
    ap.add_argument("out")
    ap.add_argument("--name", required=True)
    ap.add_argument("--description", default="")
    a = ap.parse_args()
    import torch
    ck = torch.load(a.adapter, map_location="cpu")
    with open(a.base, "rb") as f:
        base_sha = hashlib.sha256(f.read()).hexdigest()
    w = Writer()
    w.str("general.architecture", "llama")
    w.str("general.type", "adapter")
    w.str("general.name", a.name)
    w.u32("general.alignment", ALIGN)
    w.str("adapter.type", "lora")
    w.f32("adapter.lora.alpha", float(ck["alpha"]))
    w.str("llmz.adapter.base", base_sha)
    if a.description:
        w.str("llmz.adapter.description", a.description)
    for key in sorted(ck["lora"], key=lambda k: (int(k.split(".")[1]), list(NAMES).index(k.split(".")[2]))):
        _, i, t = key.split(".")
        g = f"blk.{i}.{NAMES[t]}.weight"
        w.tensor(g + ".lora_a", ck["lora"][key]["A"].numpy().astype(np.float32), GGML_F16)
        w.tensor(g + ".lora_b", ck["lora"][key]["B"].numpy().astype(np.float32), GGML_F16)
    w.write(a.out)
    print(f"wrote {a.out}: {os.path.getsize(a.out)} bytes, step {ck['step']}, valid {ck['valid']:.4f} "
          f"(base {ck['base_valid']:.4f})", file=sys.stderr)


if __name__ == "__main__":
    main()
