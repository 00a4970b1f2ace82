#!/usr/bin/python3
"""Train a LoRA domain adapter on the default model.  CPU (Debian python3-torch 1.13) or CUDA (PyTorch 2.x).

usage: lora.py --base CKPT.pt --data TRAIN.u16 --valid VALID.u16 --out ADAPTER.pt [--rank 8] [--steps N]
               [--time-budget SECONDS]

Every linear map of every block (wq wk wv wo w_gate w_up w_down) gets W + (alpha/rank) * B A with A (rank, in)
and B (out, rank); the base weights, norms and embeddings stay frozen.  B starts at zero, so step 0 is the
base model.  Writes ADAPTER.pt (best validation loss) and ADAPTER.log.  Fixed seeds.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from model import LM, Config  # noqa: E402
from train import amp_for, batches, evaluate, window_loss  # noqa: E402

TARGETS = ("wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down")


class LoRA(nn.Module):
    def __init__(self, base, rank, alpha, gen):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.A = nn.Parameter(torch.randn(rank, base.in_features, generator=gen) / math.sqrt(base.in_features))
        self.B = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + (x @ self.A.t() @ self.B.t()) * self.scale


def attach(model, rank, alpha, seed):
    gen = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.requires_grad_(False)
    mods = {}
    for i, b in enumerate(model.blocks):
        for t in TARGETS:
            m = LoRA(getattr(b, t), rank, alpha, gen)
            setattr(b, t, m)
            mods[f"blk.{i}.{t}"] = m
    return mods


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16.0)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--time-budget", type=float, default=0, help="stop after this many seconds (0: none)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--eval-tokens", type=int, default=65536)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", help="start from this adapter (a lora.py output) instead of B = 0")
    ap.add_argument("--min-pos", type=int, default=0,
                    help="count the loss from this window position on (llmz codes with >= 64 tokens of context)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ck = torch.load(a.base, map_location="cpu")
    cfg = Config(**ck["cfg"])
    model = LM(cfg)
    model.load_state_dict(ck["model"])
    mods = attach(model, a.rank, a.alpha, a.seed)
    if a.init:
        ini = torch.load(a.init, map_location="cpu")
        assert ini["rank"] == a.rank and ini["alpha"] == a.alpha, "--init adapter has another rank or alpha"
        with torch.no_grad():
            for k, m in mods.items():
                m.A.copy_(ini["lora"][k]["A"])
                m.B.copy_(ini["lora"][k]["B"])
    model.to(device)
    params = [p for m in mods.values() for p in (m.A, m.B)]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)
    data = np.fromfile(a.data, dtype=np.uint16)
    valid = np.fromfile(a.valid, dtype=np.uint16)
    T = cfg.ctx
    gen = torch.Generator().manual_seed(a.seed)
    it = batches(data, a.batch, T, gen, device)
    amp = amp_for(device)
    log = open(os.path.splitext(a.out)[0] + ".log", "w")
    base_loss = evaluate(model, valid, T, device, a.eval_tokens, amp, min_pos=a.min_pos)
    print(f"# min-pos {a.min_pos} rank {a.rank} alpha {a.alpha} lora params {sum(p.numel() for p in params)} base valid {base_loss:.4f} "
          f"device {device}", file=log, flush=True)
    best, t0 = base_loss, time.time()

    def save(step, vl):
        sd = {k: {"A": m.A.detach().float().cpu(), "B": m.B.detach().float().cpu()} for k, m in mods.items()}
        torch.save({"lora": sd, "rank": a.rank, "alpha": a.alpha, "cfg": cfg.as_dict(), "step": step, "valid": vl,
                    "base_valid": base_loss}, a.out)

    for step in range(1, a.steps + 1):
        lr = a.lr * min(1.0, step / 20) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / a.steps))))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = next(it)
        with amp():
            loss = window_loss(model, x, y, a.min_pos)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        done = a.time_budget and time.time() - t0 > a.time_budget
        if step % a.eval_every == 0 or step == a.steps or done:
            vl = evaluate(model, valid, T, device, a.eval_tokens, amp, min_pos=a.min_pos)
            el = time.time() - t0
            print(f"step {step} lr {lr:.2e} train {loss.item():.4f} valid {vl:.4f} (base {base_loss:.4f}) "
                  f"elapsed {el:.0f}s tok/s {step * a.batch * T / el:.0f}", file=log, flush=True)
            if vl < best:
                best = vl
                save(step, vl)
        if done:
            break
    if best == base_loss:
        save(0, base_loss)
    print(f"# best valid {best:.4f} base {base_loss:.4f}", file=log, flush=True)


if __name__ == "__main__":
    main()
