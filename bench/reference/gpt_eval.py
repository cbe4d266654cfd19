"""Evaluates the reference GPT on inputs written by tests/policy/gpt_test.cc.

usage: gpt_eval.py WEIGHTS_DIR INPUTS_DIR OUT_DIR

WEIGHTS_DIR holds the model's parameters (raw tensor folder, config in its
manifest). INPUTS_DIR holds ids (B, T), mask (B, T), pos (B, T) and
response_mask (B, R) with "context_len" P in its config. OUT_DIR receives
logits (B, T, V), hidden (B, T, C), logprobs (B, R) and entropy (B, R).
"""
import sys

import torch
import torch.nn.functional as F

from gpt_ref import Gpt, read_tensors, write_tensors


def main():
    cfg, weights = read_tensors(sys.argv[1])
    inputs_cfg, inputs = read_tensors(sys.argv[2])
    model = Gpt(cfg)
    model.load_state_dict(weights, strict=True)
    with torch.no_grad():
        ids, mask, pos = inputs["ids"], inputs["mask"], inputs["pos"]
        logits, hidden = model(ids, mask, pos)  # (B, T, V), (B, T, C)
        P = inputs_cfg["context_len"]
        R = inputs["response_mask"].shape[1]
        step = logits[:, P - 1:P - 1 + R]  # (B, R, V)
        logp = F.log_softmax(step, dim=-1)  # (B, R, V)
        logprobs = logp.gather(-1, ids[:, P:P + R].unsqueeze(-1)).squeeze(-1)  # (B, R)
        entropy = -(logp.exp() * logp).sum(-1)  # (B, R)
        rmask = inputs["response_mask"]
    write_tensors(sys.argv[3], {"logits": logits, "hidden": hidden,
                                "logprobs": logprobs * rmask, "entropy": entropy * rmask})


if __name__ == "__main__":
    main()
