"""Reference GPT-2 in plain PyTorch (the same 1.13 kernels Shammie's LibTorch uses).

Written independently of policy/gpt.cc, in the nanoGPT style, with the same
parameter names (wte, wpe, h.{i}.ln_1, h.{i}.attn.c_attn, ...; torch Linear
layout), so a state dict moves between the two without renaming. Used by
tests (numerics within 1e-4) and by the benchmarks (bench/reference/*_bench.py).

Shape legend: B batch, T new tokens, L cached tokens, S = L + T, C channels,
H heads, D = C / H, V vocabulary.

Raw tensor folders: manifest.json {"config": {...}, "tensors": {name:
{"shape": [...], "dtype": "float32"|"int64", "file": name + ".bin"}}} with
little-endian raw data files beside it. Tests write them from C++.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg["n_head"]
        self.c_attn = nn.Linear(cfg["n_embd"], 3 * cfg["n_embd"])
        self.c_proj = nn.Linear(cfg["n_embd"], cfg["n_embd"])

    def forward(self, x, bias, cache=None):
        B, T, C = x.shape
        H, D = self.n_head, C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)  # 3 × (B, T, C)
        q = q.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        k = k.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        v = v.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        if cache is not None:
            k, v = cache.append(self, k, v)  # (B, H, S, D)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))  # (B, H, T, S)
        att = F.softmax(att + bias, dim=-1)  # (B, H, T, S)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.c_proj(y)  # (B, T, C)


class Mlp(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg["n_embd"], 4 * cfg["n_embd"])
        self.c_proj = nn.Linear(4 * cfg["n_embd"], cfg["n_embd"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))  # (B, T, C)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.ln_1 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.attn = Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.mlp = Mlp(cfg)

    def forward(self, x, bias, cache=None):
        x = x + self.attn(self.ln_1(x), bias, cache)  # (B, T, C)
        return x + self.mlp(self.ln_2(x))  # (B, T, C)


class KvCache:
    """Preallocated (B, H, T_max, D) keys and values per layer."""

    def __init__(self, cfg, batch, capacity):
        D = cfg["n_embd"] // cfg["n_head"]
        shape = (batch, cfg["n_head"], capacity, D)
        self.k = {}
        self.v = {}
        self.shape = shape
        self.length = 0

    def append(self, layer, k, v):
        key = id(layer)
        if key not in self.k:
            self.k[key] = torch.empty(self.shape)
            self.v[key] = torch.empty(self.shape)
        T = k.shape[2]
        self.k[key][:, :, self.length:self.length + T] = k
        self.v[key][:, :, self.length:self.length + T] = v
        return self.k[key][:, :, :self.length + T], self.v[key][:, :, :self.length + T]


def attention_bias(T, S, mask):
    """(B|1, 1, T, S) additive bias: 0 where allowed, finfo.min elsewhere."""
    allowed = torch.ones(T, S, dtype=torch.bool).tril(S - T).view(1, 1, T, S)
    if mask is not None:
        allowed = allowed & mask.bool().view(-1, 1, 1, S)
    bias = torch.zeros(allowed.shape)
    return bias.masked_fill(~allowed, torch.finfo(torch.float32).min)


class Gpt(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg["vocab_size"], cfg["n_embd"])
        self.wpe = nn.Embedding(cfg["n_positions"], cfg["n_embd"])
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])])
        self.ln_f = nn.LayerNorm(cfg["n_embd"], eps=cfg.get("layer_norm_epsilon", 1e-5))
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif "ln_" in name:
                nn.init.ones_(p)
            elif name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg["n_layer"]))
            else:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids, mask=None, pos=None, cache=None):
        B, T = ids.shape
        L = cache.length if cache is not None else 0
        S = L + T
        if pos is None:
            if mask is not None:
                pos = (mask.long().cumsum(1) - 1).clamp_min(0)[:, L:]  # (B, T)
            else:
                pos = torch.arange(L, S).unsqueeze(0)  # (1, T)
        bias = attention_bias(T, S, mask)  # (B|1, 1, T, S)
        x = self.wte(ids) + self.wpe(pos)  # (B, T, C)
        for block in self.h:
            x = block(x, bias, cache)  # (B, T, C)
        if cache is not None:
            cache.length += T
        hidden = self.ln_f(x)  # (B, T, C)
        return F.linear(hidden, self.wte.weight), hidden  # (B, T, V), (B, T, C)


def read_tensors(folder):
    """Reads a raw tensor folder: (config, {name: tensor})."""
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    out = {}
    for name, meta in manifest["tensors"].items():
        dtype = {"float32": np.float32, "int64": np.int64}[meta["dtype"]]
        data = np.fromfile(os.path.join(folder, meta["file"]), dtype=dtype)
        out[name] = torch.from_numpy(data.reshape(meta["shape"]).copy())
    return manifest.get("config", {}), out


def write_tensors(folder, tensors, config=None):
    os.makedirs(folder, exist_ok=True)
    meta = {}
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "float32", torch.int64: "int64"}[t.dtype]
        fname = name + ".bin"
        t.numpy().tofile(os.path.join(folder, fname))
        meta[name] = {"shape": list(t.shape), "dtype": dtype, "file": fname}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump({"config": config or {}, "tensors": meta}, f)
