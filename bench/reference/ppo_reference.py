#!/usr/bin/python3
"""Python reference for `shammie bench ppo`: the same PPO step in PyTorch.

One step = rollout (KV-cache sampling of B responses of R tokens after
P-token prompts) → scoring (PM score at the end-of-context token, reference
π0 log-probs, the policy's own log-probs and values) → advantages (KL
penalty, GAE γ=1 λ=0.95, whitening) → update (PPO epochs over minibatches,
clipped policy + value loss, Adam). Models are randomly initialised GPT-2
style decoders (pre-LN, learned positions, tanh-GELU, tied embeddings) of
the shape given on the command line; the PM is the same trunk plus a scalar
head. Its best setting on this machine: inference_mode for rollout and
scoring, a preallocated KV cache, float32, and the default thread settings
(OpenBLAS does the matmuls on all cores).

Prints one JSON line: episodes/s and seconds per step in each phase.
Run with /usr/bin/python3 (Debian's python3-torch).

Shape legend: B batch, P prompt tokens, R response tokens, T = P + R,
C channels, H heads, D = C / H, V vocabulary.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(c)
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.ln_2 = nn.LayerNorm(c)
        self.c_fc = nn.Linear(c, 4 * c)
        self.mlp_proj = nn.Linear(4 * c, c)

    def forward(self, x, cache=None, pos=0):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)  # (B, T, C) each
        q = q.view(b, t, self.h, c // self.h).transpose(1, 2)  # (B, H, T, D)
        k = k.view(b, t, self.h, c // self.h).transpose(1, 2)  # (B, H, T, D)
        v = v.view(b, t, self.h, c // self.h).transpose(1, 2)  # (B, H, T, D)
        if cache is not None:
            kc, vc = cache
            kc[:, :, pos:pos + t] = k
            vc[:, :, pos:pos + t] = v
            k, v = kc[:, :, :pos + t], vc[:, :, :pos + t]  # (B, H, S, D)
        s = k.shape[2]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.h)  # (B, H, T, S)
        causal = torch.ones(t, s, dtype=torch.bool).tril(diagonal=s - t)  # (T, S)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)  # (B, H, T, S)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)  # (B, T, C)
        x = x + self.c_proj(y)  # (B, T, C)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))  # (B, T, C)


class Gpt(nn.Module):
    def __init__(self, layers, c, h, vocab, n_pos):
        super().__init__()
        self.c, self.h, self.layers = c, h, layers
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(n_pos, c)
        self.blocks = nn.ModuleList([Block(c, h) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(c)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def hidden(self, ids, caches=None, pos=0):
        t = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(pos, pos + t))  # (B, T, C)
        for i, blk in enumerate(self.blocks):
            x = blk(x, None if caches is None else caches[i], pos)  # (B, T, C)
        return self.ln_f(x)  # (B, T, C)

    def logits(self, hidden):
        return hidden @ self.wte.weight.t()  # (B, T, V)


def response_logprobs(model, ids, p):
    """Log-probs, entropies and hidden states of the response tokens ids[:, p:]."""
    hid = model.hidden(ids)  # (B, T, C)
    logits = model.logits(hid[:, p - 1:-1])  # (B, R, V)
    logp_all = logits.log_softmax(-1)  # (B, R, V)
    logp = logp_all.gather(-1, ids[:, p:].unsqueeze(-1)).squeeze(-1)  # (B, R)
    ent = -(logp_all.exp() * logp_all).sum(-1)  # (B, R)
    return logp, ent, hid[:, p - 1:-1]


def rollout(policy, prompts, r):
    b, p = prompts.shape
    dh = policy.c // policy.h
    caches = [(torch.zeros(b, policy.h, p + r, dh), torch.zeros(b, policy.h, p + r, dh))
              for _ in range(policy.layers)]
    out = []
    hid = policy.hidden(prompts, caches, 0)  # (B, P, C)
    logits = policy.logits(hid[:, -1])  # (B, V)
    for j in range(r):
        tok = torch.multinomial(logits.softmax(-1), 1)  # (B, 1)
        out.append(tok)
        if j + 1 < r:
            hid = policy.hidden(tok, caches, p + j)  # (B, 1, C)
            logits = policy.logits(hid[:, -1])  # (B, V)
    return torch.cat([prompts] + out, dim=1)  # (B, T)


def gae(rewards, values, gamma=1.0, lam=0.95):
    last = torch.zeros(rewards.shape[0])  # (B)
    nxt = torch.zeros(rewards.shape[0])  # (B)
    adv = []
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * nxt - values[:, t]  # (B)
        last = delta + gamma * lam * last  # (B)
        adv.append(last)
        nxt = values[:, t]
    adv = torch.stack(adv[::-1], 1)  # (B, R)
    return adv, adv + values


def whiten(x):
    return (x - x.mean()) / (x.var(unbiased=False) + 1e-8).sqrt()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--prompt-len", type=int, default=64)
    ap.add_argument("--response-len", type=int, default=64)
    ap.add_argument("--minibatch", type=int, default=8)
    ap.add_argument("--ppo-epochs", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--vocab", type=int, default=257)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 = default")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n_pos = a.prompt_len + a.response_len + 1  # + the end-of-context token
    policy = Gpt(a.layers, a.d_model, a.heads, a.vocab, n_pos)
    value_head = nn.Linear(a.d_model, 1)
    ref = Gpt(a.layers, a.d_model, a.heads, a.vocab, n_pos)
    ref.load_state_dict(policy.state_dict())
    pm = Gpt(a.layers, a.d_model, a.heads, a.vocab, n_pos)
    pm_head = nn.Linear(a.d_model, 1)
    eos = a.vocab - 1
    opt = torch.optim.Adam(list(policy.parameters()) + list(value_head.parameters()), lr=1e-5)
    beta, clip, vclip, vcoef = 0.05, 0.2, 0.2, 0.1
    p, r = a.prompt_len, a.response_len

    def step():
        t0 = time.perf_counter()
        prompts = torch.randint(0, a.vocab - 1, (a.batch, p))  # (B, P)
        with torch.inference_mode():
            ids = rollout(policy, prompts, r)  # (B, T)
        t1 = time.perf_counter()
        with torch.inference_mode():
            pm_ids = torch.cat([ids, torch.full((a.batch, 1), eos)], 1)  # (B, T + 1)
            score = pm_head(pm.hidden(pm_ids)[:, -1]).squeeze(-1)  # (B)
            ref_logp, _, _ = response_logprobs(ref, ids, p)  # (B, R)
            old_logp, _, hid = response_logprobs(policy, ids, p)  # (B, R)
            old_values = value_head(hid).squeeze(-1)  # (B, R)
            kl = old_logp - ref_logp  # (B, R)
            rewards = -beta * kl  # (B, R)
            rewards[:, -1] += score
            adv, returns = gae(rewards, old_values)  # (B, R)
            adv = whiten(adv)  # (B, R)
        t2 = time.perf_counter()
        for _ in range(a.ppo_epochs):
            perm = torch.randperm(a.batch)
            for s in range(0, a.batch, a.minibatch):
                idx = perm[s:s + a.minibatch]
                logp, ent, hid = response_logprobs(policy, ids[idx], p)  # (b, R)
                values = value_head(hid).squeeze(-1)  # (b, R)
                ratio = (logp - old_logp[idx]).exp()  # (b, R)
                pg = torch.max(-adv[idx] * ratio,
                               -adv[idx] * ratio.clamp(1 - clip, 1 + clip)).mean()
                v_clip = old_values[idx] + (values - old_values[idx]).clamp(-vclip, vclip)
                vf = 0.5 * torch.max((values - returns[idx]) ** 2,
                                     (v_clip - returns[idx]) ** 2).mean()
                loss = pg + vcoef * vf
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        t3 = time.perf_counter()
        return t1 - t0, t2 - t1, t3 - t2

    step()  # warm-up: allocator, first-touch of weights
    times = [step() for _ in range(a.steps)]
    roll = sum(t[0] for t in times) / a.steps
    score = sum(t[1] for t in times) / a.steps
    upd = sum(t[2] for t in times) / a.steps
    print(json.dumps({
        "impl": "python-reference", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "episodes_per_s": a.batch / (roll + score + upd),
        "rollout_s": roll, "scoring_s": score, "update_s": upd,
    }))


if __name__ == "__main__":
    main()
