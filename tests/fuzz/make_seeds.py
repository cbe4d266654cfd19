#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (seed-*): small,
real-looking inputs for each fuzz target. Run from anywhere; needs protoc
(protobuf-compiler) for the collector's request messages. Crash reproducers
(crash-*) sit beside the seeds and are never rewritten by this script."""
import json
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def encode(message, text):
    return subprocess.run(
        ["protoc", "--proto_path=" + os.path.join(ROOT, "proto"),
         "--encode=shammie.v1." + message, "shammie/v1/collector.proto"],
        input=text.encode("utf-8"), stdout=subprocess.PIPE, check=True).stdout


CONTEXT = ('context { turns { role: HUMAN text: "How do I keep bread from going stale?" } '
           'turns { role: ASSISTANT text: "Store it in a paper bag at room temperature." } '
           'turns { role: HUMAN text: "And for longer than a week?" } }')

# collector_request_fuzz: selector byte (the RPC) + serialized request.
requests = [
    (0, "create_task", "CreateTaskRequest",
     CONTEXT + ' candidates: "Freeze it in slices." candidates: "Eat it faster." overlap: 3'),
    (0, "create_task_policies", "CreateTaskRequest",
     CONTEXT + ' candidates: "Freeze it." candidates: "Toast it." '
     'candidate_policies: "policy-0003" candidate_policies: "policy-0004"'),
    (0, "create_task_sampled", "CreateTaskRequest",
     'context { turns { role: HUMAN text: "Write a haiku about rain, ☔ please." } }'),
    (1, "submit", "SubmitComparisonRequest",
     'task_id: "t-00000000000000a1" preference: 3 client_request_id: "5b1c6f0e-0f1d-4c55"'),
    (1, "submit_follow_up", "SubmitComparisonRequest",
     'task_id: "t-00000000000000a2" preference: 7 next_human_turn: "Why is that?"'),
    (1, "submit_bad_preference", "SubmitComparisonRequest",
     'task_id: "t-00000000000000a3" preference: 9'),
    (2, "skip", "SkipTaskRequest", 'task_id: "t-00000000000000a4"'),
    (3, "import", "Comparison",
     CONTEXT + ' response_a { text: "Freeze it." policy: "policy-0001" } '
     'response_b { text: "Leave it out." } preference: 1 labeler: "alice" '
     'source: SOURCE_IMPORTED client_request_id: "import:1:0123456789abcdef"'),
    (4, "create_token", "CreateTokenRequest", 'name: "labeler-07" role: LABELER'),
    (4, "create_token_operator", "CreateTokenRequest", 'name: "ops.bob" role: OPERATOR'),
    (5, "revoke_token", "RevokeTokenRequest", 'name: "labeler-07"'),
    (6, "export", "ExportComparisonsRequest", 'after_seq: 100 up_to_seq: 250'),
]
for sel, name, msg, text in requests:
    write("collector_request_fuzz", name, bytes([sel]) + encode(msg, text))
# Invalid UTF-8 in a turn (protobuf rejects it; ParseRequest names the field).
good = encode("CreateTaskRequest", 'context { turns { role: HUMAN text: "caf\\303\\251" } }')
write("collector_request_fuzz", "create_task_bad_utf8", bytes([0]) + good.replace(b"\xc3\xa9", b"\xc3\x28"))

# json_body_fuzz: selector byte (the route) + HTTP body.
bodies = [
    (0, "create_task", {"context": {"turns": [{"role": "HUMAN", "text": "Tell me a joke."}]},
                        "candidates": ["Why did the chicken…", "No."], "overlap": 2}),
    (1, "submit", {"task_id": "t-00000000000000b1", "preference": 2,
                   "client_request_id": "r-1"}),
    (1, "submit_camel", {"taskId": "t-00000000000000b2", "preference": 6,
                         "nextHumanTurn": "Go on — and in français?"}),
    (2, "skip", {"task_id": "t-00000000000000b3"}),
    (3, "next", {}),
]
for sel, name, body in bodies:
    write("json_body_fuzz", name, bytes([sel]) + json.dumps(body, ensure_ascii=False).encode())
write("json_body_fuzz", "unknown_field", bytes([1]) + b'{"task_id": "t-1", "preferenc": 3}')
write("json_body_fuzz", "bad_value", bytes([1]) + b'{"task_id": "t-1", "preference": "lots"}')
write("json_body_fuzz", "escapes", bytes([0]) +
      b'{"context": {"turns": [{"role": 1, "text": "tab\\tnew\\nline \\u00e9 \\ud83d\\ude00"}]}}')

# comparison_import_fuzz: selector byte (0 hh-rlhf, 1 pairs) + JSONL file.
hh = [
    {"chosen": "\n\nHuman: What is 2+2?\n\nAssistant: 4.",
     "rejected": "\n\nHuman: What is 2+2?\n\nAssistant: 5."},
    {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Say it in German.\n\nAssistant: Hallo!",
     "rejected": "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Say it in German.\n\nAssistant: Bonjour!"},
]
write("comparison_import_fuzz", "hh_rlhf", bytes([0]) + "".join(json.dumps(x) + "\n" for x in hh).encode())
write("comparison_import_fuzz", "hh_rlhf_crlf_unicode", bytes([0]) + (json.dumps(
    {"chosen": "\n\nHuman: ¿Qué tal?\n\nAssistant: Bien 😀", "rejected": "\n\nHuman: ¿Qué tal?\n\nAssistant: Mal"},
    ensure_ascii=False) + "\r\n\r\n").encode())
pairs = [
    {"prompt": "\n\nHuman: Name a prime.\n\nAssistant:", "chosen": " 7", "rejected": " 8"},
    {"prompt": "\n\nHuman: Hi\n\nAssistant: Hey\n\nHuman: Bye\n\nAssistant:",
     "chosen": " Goodbye!", "rejected": " \"quoted\"\ttab"},
]
write("comparison_import_fuzz", "pairs", bytes([1]) + "".join(json.dumps(x) + "\n" for x in pairs).encode())
write("comparison_import_fuzz", "pairs_malformed", bytes([1]) +
      b'{"prompt": "no markers", "chosen": " a", "rejected": " b"}\n[1, 2]\n{"prompt":')

# safetensors_header_fuzz: a whole small file.
def safetensors(tensors, metadata=None):
    header, data, off = {}, b"", 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, size in tensors:
        n = size
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + n]}
        data += bytes(i % 251 for i in range(n))
        off += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data

write("safetensors_header_fuzz", "gpt_small", safetensors(
    [("wte.weight", "F32", [8, 4], 4), ("wpe.weight", "F32", [4, 4], 4),
     ("h.0.ln_1.bias", "F16", [4], 2), ("h.0.attn.c_attn.weight", "BF16", [4, 12], 2)],
    {"format": "pt"}))
write("safetensors_header_fuzz", "ints", safetensors(
    [("step", "I64", [], 8), ("ids", "I32", [3], 4), ("mean", "F64", [1], 8), ("empty", "F32", [0, 5], 4)]))
write("safetensors_header_fuzz", "truncated", safetensors([("w", "F32", [16], 4)])[:-10])

# checkpoint_config_fuzz: selector (even config.json, odd lineage.json) + file.
config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": 2, "n_head": 2,
          "n_embd": 64, "n_positions": 128, "n_ctx": 128, "n_inner": None, "vocab_size": 257,
          "layer_norm_epsilon": 1e-05, "activation_function": "gelu_new", "eos_token_id": 256,
          "bos_token_id": 256, "tie_word_embeddings": True, "torch_dtype": "float32"}
write("checkpoint_config_fuzz", "config", bytes([0]) + json.dumps(config, indent=2).encode())
hf = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
      "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
      "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
      "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "vocab_size": 50257}
write("checkpoint_config_fuzz", "config_hf_gpt2", bytes([0]) + json.dumps(hf).encode())
write("checkpoint_config_fuzz", "config_old_n_ctx", bytes([0]) +
      b'{"n_layer": 1, "n_head": 1, "n_embd": 8, "n_ctx": 16, "vocab_size": 300}')
lineage = {"parent": "pm-0002", "comparison_watermark": 4096,
           "job_spec": {"kind": "pm", "steps": 200, "lr": 3e-4, "tags": ["a", "b"]},
           "metrics": {"pm_accuracy": 0.71, "mean_reward": -0.25},
           "code_version": "v0.3-12-gabcdef0", "created_at": "2026-11-28T07:00:00Z"}
write("checkpoint_config_fuzz", "lineage", bytes([1]) + json.dumps(lineage, indent=2).encode())

# gpt2_bpe_fuzz: vocab.json \0 merges.txt \0 text. A small vocabulary in
# GPT-2's byte-level form: the 256 byte tokens, a few merges, <|endoftext|>.
def byte_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

B2U = byte_to_unicode()
vocab = {B2U[b]: b for b in range(256)}
merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("Ġ", "the"),
          ("o", "n"), ("Ġa", "n"), ("Ġan", "d"), ("r", "e"), ("Ġ", "w"), ("in", "g")]
for a, b in merges:
    vocab.setdefault(a + b, len(vocab))
vocab["<|endoftext|>"] = len(vocab)
merges_txt = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges)
vocab_json = json.dumps(vocab, ensure_ascii=False)
texts = {
    "english": "The weather and the thing: it's raining, we'll go in 3 minutes!",
    "unicode": "Ünïcödé — 日本語のテキスト 😀 and\ttabs\n\nnew  lines   ",
    "special": "end<|endoftext|>start <|endoftext|>",
    "invalid_utf8": b"bytes \xff\xfe are \xc3 bytes\xe2\x82",
}
for name, text in texts.items():
    t = text if isinstance(text, bytes) else text.encode()
    write("gpt2_bpe_fuzz", name, vocab_json.encode() + b"\0" + merges_txt.encode() + b"\0" + t)
write("gpt2_bpe_fuzz", "bad_merges", vocab_json.encode() + "\0#version: 0.2\nĠ q\nx\n\0text".encode())
write("gpt2_bpe_fuzz", "bad_vocab", b'{"a": 0, "b": "1"}\0\0text')
