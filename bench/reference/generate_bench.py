"""Reference generation benchmark: the GPT of gpt_ref.py with a preallocated
KV cache, one prefill then one token per step for every row, sampled with
softmax + multinomial at temperature 1, under torch.inference_mode().

usage: generate_bench.py --layers L --d-model C --heads H --batch B
                         --prompt-len P --new-tokens N [--vocab V] [--threads N]
                         [--seconds S]
Prints one JSON line (wall-clock and process-CPU-time rates): {"tokens_per_s": generated tokens per second, ...}.
"""
import argparse
import json

import torch

from gpt_ref import Gpt, KvCache
from timing import time_runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, required=True)
    ap.add_argument("--d-model", type=int, required=True)
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--prompt-len", type=int, required=True)
    ap.add_argument("--new-tokens", type=int, required=True)
    ap.add_argument("--vocab", type=int, default=257)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    total = a.prompt_len + a.new_tokens
    cfg = dict(n_layer=a.layers, n_head=a.heads, n_embd=a.d_model, n_positions=total,
               vocab_size=a.vocab)
    model = Gpt(cfg).eval()
    prompt = torch.randint(0, a.vocab, (a.batch, a.prompt_len))  # (B, P)
    gen = torch.Generator().manual_seed(0)

    def generate():
        with torch.inference_mode():
            cache = KvCache(cfg, a.batch, total)
            logits, _ = model(prompt, cache=cache)  # (B, P, V)
            last = logits[:, -1]  # (B, V)
            out = []
            for i in range(a.new_tokens):
                probs = torch.softmax(last, dim=-1)  # (B, V)
                nxt = torch.multinomial(probs, 1, generator=gen)  # (B, 1)
                out.append(nxt)
                if i + 1 == a.new_tokens:
                    break
                logits, _ = model(nxt, cache=cache)  # (B, 1, V)
                last = logits[:, -1]  # (B, V)
            return torch.cat(out, 1)  # (B, N)

    generate()
    n, elapsed, cpu = time_runs(generate, a.seconds, min_runs=2)
    print(json.dumps({"tokens_per_s": n * a.batch * a.new_tokens / elapsed,
                      "cpu_tokens_per_s": n * a.batch * a.new_tokens / cpu,
                      "generate_ms": 1000 * elapsed / n, "runs": n,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
