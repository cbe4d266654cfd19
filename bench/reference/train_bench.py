"""Reference training-step benchmark: the same GPT (gpt_ref.py) and the same
loop as policy/sft_trainer.cc (forward, cross-entropy, backward, global-norm
clipping, AdamW with decay on matrices only), timed in plain PyTorch.

usage: train_bench.py --layers L --d-model C --heads H --seq T --batch B
                      [--vocab V] [--threads N] [--seconds S]
Prints one JSON line (wall-clock and process-CPU-time rates): {"tokens_per_s": ..., "step_ms": ..., "threads": N}.
Run with /usr/bin/python3 and OMP_WAIT_POLICY=PASSIVE (bench/train_bench.cc
spawns it and keeps the best thread count).
"""
import argparse
import json

import torch
import torch.nn.functional as F

from gpt_ref import Gpt
from timing import time_runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, required=True)
    ap.add_argument("--d-model", type=int, required=True)
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--vocab", type=int, default=257)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = dict(n_layer=a.layers, n_head=a.heads, n_embd=a.d_model, n_positions=a.seq,
               vocab_size=a.vocab)
    model = Gpt(cfg)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.95))
    ids = torch.randint(0, a.vocab, (a.batch, a.seq + 1))  # (B, T + 1)
    inputs, targets = ids[:, :-1], ids[:, 1:]  # (B, T), (B, T)

    def step():
        opt.zero_grad(set_to_none=True)
        logits, _ = model(inputs)  # (B, T, V)
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(2):
        step()
    n, elapsed, cpu = time_runs(step, a.seconds, min_runs=3)
    print(json.dumps({"tokens_per_s": n * a.batch * a.seq / elapsed,
                      "cpu_tokens_per_s": n * a.batch * a.seq / cpu,
                      "step_ms": 1000 * elapsed / n, "steps": n,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
