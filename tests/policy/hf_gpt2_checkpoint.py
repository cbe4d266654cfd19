"""Writes tiny GPT-2 checkpoint folders the way Hugging Face lays them out,
and the logits a plain-torch GPT-2 forward computes from them, for
tests/policy/checkpoint_hf_test.cc.

    /usr/bin/python3 hf_gpt2_checkpoint.py OUT_DIR

OUT_DIR/hf/           model.safetensors ("transformer."-prefixed names, Conv1D
                      weights (in, out), the attn.bias causal-mask buffers HF
                      saves), config.json, vocab.json, merges.txt
OUT_DIR/hf_bare/      the same weights without the "transformer." prefix and
                      with an explicit (tied) lm_head.weight
OUT_DIR/ids.json      token ids (B, T)
OUT_DIR/logits.bin    float32 logits (B, T, V), little-endian
OUT_DIR/meta.json     {"shape": [B, T, V]}

Everything here is independent of Shammie's C++: the safetensors file is
written with struct + json, the forward follows HF's GPT2LMHeadModel
(Conv1D: x @ W + b) in float64 and is stored as float32.
Shape legend: B batch, T tokens, C channels, H heads, D = C / H, V vocabulary.
"""
import json
import math
import os
import struct
import sys

import torch


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def tiny_bpe():
    """256 byte tokens, a few merges, <|endoftext|> last (as in GPT-2)."""
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"),
              ("o", "n"), ("Ġ", "s"), ("in", "g"), ("Ġa", "n")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return vocab, merges


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(sd, cfg, ids):
    """HF GPT2LMHeadModel's forward, written out. sd: HF names without prefix."""
    B, T = ids.shape
    C, H = cfg["n_embd"], cfg["n_head"]
    D, eps = C // H, cfg["layer_norm_epsilon"]
    p = {k: v.double() for k, v in sd.items()}
    x = p["wte.weight"][ids] + p["wpe.weight"][torch.arange(T)]  # (B, T, C)
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))  # (T, T)
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        a = layer_norm(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps)  # (B, T, C)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]  # (B, T, 3C)
        q, k, v = qkv.split(C, dim=2)  # 3 × (B, T, C)
        q = q.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        k = k.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        v = v.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D)  # (B, H, T, T)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)  # (B, H, T, T)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        x = x + y @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]  # (B, T, C)
        m = layer_norm(x, p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)  # (B, T, C)
        m = gelu_new(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])  # (B, T, 4C)
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]  # (B, T, C)
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], eps)  # (B, T, C)
    return x @ p["wte.weight"].T  # (B, T, V)


def main():
    out = sys.argv[1]
    torch.manual_seed(1234)
    vocab, merges = tiny_bpe()
    V = len(vocab)
    cfg = {"n_layer": 2, "n_head": 4, "n_embd": 32, "n_positions": 24, "n_ctx": 24,
           "vocab_size": V, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
           "eos_token_id": V - 1, "bos_token_id": V - 1, "model_type": "gpt2",
           "architectures": ["GPT2LMHeadModel"], "n_inner": None}
    C, P = cfg["n_embd"], cfg["n_positions"]
    sd = {"wte.weight": torch.randn(V, C) * 0.3, "wpe.weight": torch.randn(P, C) * 0.1}
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        sd[h + "ln_1.weight"] = 1 + 0.1 * torch.randn(C)
        sd[h + "ln_1.bias"] = 0.1 * torch.randn(C)
        sd[h + "attn.c_attn.weight"] = 0.2 * torch.randn(C, 3 * C)  # Conv1D (in, out)
        sd[h + "attn.c_attn.bias"] = 0.1 * torch.randn(3 * C)
        sd[h + "attn.c_proj.weight"] = 0.2 * torch.randn(C, C)
        sd[h + "attn.c_proj.bias"] = 0.1 * torch.randn(C)
        sd[h + "ln_2.weight"] = 1 + 0.1 * torch.randn(C)
        sd[h + "ln_2.bias"] = 0.1 * torch.randn(C)
        sd[h + "mlp.c_fc.weight"] = 0.2 * torch.randn(C, 4 * C)
        sd[h + "mlp.c_fc.bias"] = 0.1 * torch.randn(4 * C)
        sd[h + "mlp.c_proj.weight"] = 0.1 * torch.randn(4 * C, C)
        sd[h + "mlp.c_proj.bias"] = 0.1 * torch.randn(C)
    sd["ln_f.weight"] = 1 + 0.1 * torch.randn(C)
    sd["ln_f.bias"] = 0.1 * torch.randn(C)
    # Round to float32 first so both sides start from the same numbers.
    sd = {k: v.float() for k, v in sd.items()}

    ids = torch.randint(0, V, (3, 17))  # (B, T)
    logits = forward(sd, cfg, ids).float()  # (B, T, V)

    hf = {"transformer." + k: v for k, v in sd.items()}
    for i in range(cfg["n_layer"]):
        hf[f"transformer.h.{i}.attn.bias"] = torch.tril(torch.ones(P, P)).view(1, 1, P, P)
    bare = dict(sd)
    bare["lm_head.weight"] = sd["wte.weight"]
    for name, tensors in (("hf", hf), ("hf_bare", bare)):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        write_safetensors(os.path.join(d, "model.safetensors"), tensors)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)
        with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    with open(os.path.join(out, "ids.json"), "w") as f:
        json.dump(ids.tolist(), f)
    with open(os.path.join(out, "logits.bin"), "wb") as f:
        f.write(logits.contiguous().numpy().astype("<f4").tobytes())
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump({"shape": list(logits.shape)}, f)


if __name__ == "__main__":
    main()
