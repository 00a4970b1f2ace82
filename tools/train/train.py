#!/usr/bin/python3
"""Train the llmz default model.  CPU (Debian python3-torch 1.13) or CUDA (PyTorch 2.x, bf16 autocast).

usage: train.py --data TRAIN.u16 --valid VALID.u16 --out RUNDIR [--steps N] [--resume]

Writes RUNDIR/log.txt (one line per eval), RUNDIR/ckpt.pt (latest, for --resume) and RUNDIR/best.pt
(lowest validation loss).  Fixed seeds: the same data and arguments give the same run on the same device.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from model import LM, Config  # noqa: E402


def batches(data, B, T, gen, device):
    """Random windows of T+1 tokens.  On CUDA the whole token file lives on the GPU and windows are gathered
    there; the start offsets come from the same CPU generator either way."""
    n = len(data) - T - 1
    if device == "cuda":
        d = torch.from_numpy(data.astype(np.int64)).to(device)
        off = torch.arange(T + 1, device=device)[None, :]
        while True:
            ix = torch.randint(0, n, (B,), generator=gen).to(device)
            w = d[ix[:, None] + off]
            yield w[:, :-1], w[:, 1:]
    while True:
        ix = torch.randint(0, n, (B,), generator=gen).tolist()
        x = np.stack([data[i:i + T] for i in ix]).astype(np.int64)
        y = np.stack([data[i + 1:i + T + 1] for i in ix]).astype(np.int64)
        yield torch.from_numpy(x), torch.from_numpy(y)


def amp_for(device):
    """The autocast context to run the model in: bf16 on CUDA, none (float32) on CPU."""
    if device == "cuda":
        return lambda: torch.autocast("cuda", dtype=torch.bfloat16)
    import contextlib
    return contextlib.nullcontext


def window_loss(model, x, y, min_pos):
    """Mean cross-entropy of the targets at window positions >= min_pos."""
    logits = model(x)[:, min_pos:]
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y[:, min_pos:].reshape(-1))


@torch.no_grad()
def evaluate(model, data, T, device, max_tokens, amp, rows=16, min_pos=0):
    """Mean cross-entropy (nats/token) over consecutive T-token windows of data, rows windows per forward;
    min_pos > 0 counts window positions >= min_pos only."""
    model.eval()
    tot, n = 0.0, 0
    nw = min(len(data) - 1, max_tokens) // T
    for w0 in range(0, nw, rows):
        k = min(rows, nw - w0)
        x = torch.from_numpy(data[w0 * T:(w0 + k) * T].astype(np.int64)).view(k, T).to(device)
        y = torch.from_numpy(data[w0 * T + 1:(w0 + k) * T + 1].astype(np.int64)).view(k, T).to(device)
        with amp():
            loss = window_loss(model, x, y, min_pos) if min_pos else model(x, y)[1]
        tot += loss.item() * k * (T - min_pos)
        n += k * (T - min_pos)
    model.train()
    return tot / max(1, n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-tokens", type=int, default=65536)
    ap.add_argument("--dim", type=int, default=192)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=3)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="seconds of training: after --probe-steps steps, --steps is set to what fits the budget")
    ap.add_argument("--probe-steps", type=int, default=60)
    ap.add_argument("--init", help="start from the weights of this checkpoint (best.pt or ckpt.pt), new optimizer")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model (PyTorch 2.x; eager on failure)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    amp = amp_for(device)
    os.makedirs(a.out, exist_ok=True)
    data = np.fromfile(a.data, dtype=np.uint16)
    valid = np.fromfile(a.valid, dtype=np.uint16)
    cfg = Config(vocab=a.vocab, dim=a.dim, n_layer=a.layers, n_head=a.heads, ffn=a.ffn, ctx=a.ctx)
    model = LM(cfg).to(device)
    if a.init:
        model.load_state_dict(torch.load(a.init, map_location=device)["model"])
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95))
    gen = torch.Generator()
    gen.manual_seed(a.seed)
    step, best, seen = 0, float("inf"), 0
    ckpt_path = os.path.join(a.out, "ckpt.pt")
    if a.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, best, seen = ck["step"], ck["best"], ck["seen"]
        gen.set_state(ck["gen"])
        print(f"resumed at step {step}", flush=True)
    log = open(os.path.join(a.out, "log.txt"), "a")
    print(f"# {cfg.as_dict()} params={model.n_params()} tokens={len(data)} device={device}", file=log, flush=True)
    it = batches(data, a.batch, a.ctx, gen, device)
    fwd = model
    if a.compile and hasattr(torch, "compile"):
        fwd = torch.compile(model)
    t0 = time.time()
    t_probe, start_step = None, step
    while step < a.steps:
        if a.time_budget > 0 and (step in (start_step + a.probe_steps // 3, start_step + a.probe_steps)
                                or step % a.eval_every == 1):
            # re-plan: the steps that still fit the budget at the pace since the last mark (the GPU may be
            # shared with other runs, so the pace is re-measured once per eval period, evals included)
            if device == "cuda":
                torch.cuda.synchronize()
            now = time.time()
            if t_probe is not None and step > t_probe[1]:
                per = (now - t_probe[0]) / (step - t_probe[1])
                a.steps = step + max(1, int((a.time_budget - (now - t0)) / per))
                line = f"# time budget {a.time_budget:.0f}s: {per * 1000:.1f} ms/step at step {step}, steps {a.steps}"
                print(line, flush=True)
                print(line, file=log, flush=True)
            t_probe = (now, step)
        lr = a.lr * min(1.0, (step + 1) / a.warmup)
        if step >= a.warmup:
            frac = (step - a.warmup) / max(1, a.steps - a.warmup)
            lr = a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = next(it)
        x, y = x.to(device), y.to(device)
        try:
            with amp():
                _, loss = fwd(x, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
        except Exception as e:  # torch.compile failures surface on the first call: fall back to eager
            if fwd is model:
                raise
            print(f"# torch.compile failed ({type(e).__name__}: {e}); eager from here", flush=True)
            fwd = model
            with amp():
                _, loss = fwd(x, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += x.numel()
        if step % a.eval_every == 0 or step == a.steps:
            vl = evaluate(model, valid, a.ctx, device, a.eval_tokens, amp)
            dt = time.time() - t0
            line = (f"step {step} lr {lr:.2e} train {loss.item():.4f} valid {vl:.4f} "
                    f"tokens {seen} elapsed {dt:.0f}s tok/s {seen / max(dt, 1e-9):.0f}")
            print(line, flush=True)
            print(line, file=log, flush=True)
            state = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "best": min(best, vl),
                     "seen": seen, "gen": gen.get_state(), "cfg": cfg.as_dict()}
            torch.save(state, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
            if vl < best:
                best = vl
                torch.save({"model": model.state_dict(), "cfg": cfg.as_dict(), "step": step, "valid": vl,
                            "seen": seen}, os.path.join(a.out, "best.pt"))


if __name__ == "__main__":
    main()
