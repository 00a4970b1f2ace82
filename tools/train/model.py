"""The llmz transformer in PyTorch: exactly the network lib/model/transformer.c evaluates.

llama-style decoder: token embedding (tied with the output head), n_layer blocks of
  x += Wo . attn(RoPE(Wq . rmsnorm(x)), RoPE(Wk . rmsnorm(x)), Wv . rmsnorm(x))   (causal, multi-head)
  x += Wdown . (silu(Wgate . rmsnorm(x)) * (Wup . rmsnorm(x)))
then a final rmsnorm and logits = E . x.  RoPE rotates adjacent pairs (x[2i], x[2i+1]) by pos * theta^(-2i/hd)
(GGUF/llama.cpp "normal" layout), theta = 10000.  RMSNorm eps = 1e-5.  Works on PyTorch 1.13 and 2.x.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    def __init__(self, vocab=4096, dim=256, n_layer=4, n_head=4, ffn=704, ctx=256, theta=10000.0, eps=1e-5):
        self.vocab, self.dim, self.n_layer, self.n_head = vocab, dim, n_layer, n_head
        self.ffn, self.ctx, self.theta, self.eps = ffn, ctx, theta, eps

    def as_dict(self):
        return dict(self.__dict__)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (y * self.weight.float()).to(x.dtype)


def rope_tables(cfg, device):
    hd = cfg.dim // cfg.n_head
    inv = 1.0 / (cfg.theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    ang = torch.arange(cfg.ctx, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float().to(device), torch.sin(ang).float().to(device)


def apply_rope(x, cos, sin):
    # x: (B, H, T, hd); rotate adjacent pairs
    T = x.shape[2]
    x0 = x[..., 0::2].float()
    x1 = x[..., 1::2].float()
    c, s = cos[:T], sin[:T]
    y0 = x0 * c - x1 * s
    y1 = x0 * s + x1 * c
    return torch.stack((y0, y1), dim=-1).flatten(-2).to(x.dtype)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.dim
        self.n_head = cfg.n_head
        self.attn_norm = RMSNorm(d, cfg.eps)
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d, cfg.eps)
        self.w_gate = nn.Linear(d, cfg.ffn, bias=False)
        self.w_up = nn.Linear(d, cfg.ffn, bias=False)
        self.w_down = nn.Linear(cfg.ffn, d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, D = x.shape
        H = self.n_head
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, H, D // H).transpose(1, 2)
        k = self.wk(h).view(B, T, H, D // H).transpose(1, 2)
        v = self.wv(h).view(B, T, H, D // H).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if hasattr(F, "scaled_dot_product_attention"):  # PyTorch 2.x: fused kernel, same function
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D // H))
            att = att.masked_fill(mask[:T, :T], float("-inf"))
            att = F.softmax(att.float(), dim=-1).to(v.dtype)
            y = att @ v
        y = y.transpose(1, 2).reshape(B, T, D)
        x = x + self.wo(y)
        h = self.ffn_norm(x)
        x = x + self.w_down(F.silu(self.w_gate(h)) * self.w_up(h))
        return x


class LM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(cfg.vocab, cfg.dim)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.norm = RMSNorm(cfg.dim, cfg.eps)
        self.register_buffer("mask", torch.triu(torch.ones(cfg.ctx, cfg.ctx, dtype=torch.bool), 1), persistent=False)
        self.apply(self._init)
        for b in self.blocks:  # scaled init of residual projections (GPT-2)
            nn.init.normal_(b.wo.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
            nn.init.normal_(b.w_down.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
        cos, sin = rope_tables(cfg, "cpu")
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, idx, targets=None):
        cos, sin = self.rope_cos, self.rope_sin
        x = self.emb(idx)
        for b in self.blocks:
            x = b(x, cos, sin, self.mask)
        x = self.norm(x)
        logits = x @ self.emb.weight.t()
        if targets is None:
            return logits
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss

    def n_params(self):
        return sum(p.numel() for p in self.parameters())
