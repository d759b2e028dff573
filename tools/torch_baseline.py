#!/usr/bin/env python3
"""PyTorch baseline for Yalis-J's GPU figures (tools/device-check.sh).

The same Llama forward as Yalis-J (pre-norm GQA blocks, Hugging Face's rotate-half RoPE with Llama 3
scaling, SwiGLU, tied or separate LM head) in plain PyTorch ops, bf16 weights and activations, on the
same model.safetensors, with a static KV cache. It measures what `yalis bench` reports, in the same
configurations:

  batch 1:  a 512-token prompt (prefill tokens/s) and 64 new tokens (decode tokens/s)
  batch 16: 128-token prompts and 64 new tokens

greedily, eager and under torch.compile (one compiled function per layer call, reused by every layer,
so compiling stays within the budget). Times are CUDA events around the work, medians of repeats
after a warm-up; decode tokens/s counts the tokens of the decode steps (the first token comes from the
prefill), as Yalis-J's BatchStats does. Results go to --out as JSON, written after every figure so
that a run cut short still leaves what it measured.
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

import torch
import torch.nn.functional as F

DTYPES = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}


def load_safetensors(path, device):
    """Every tensor of a safetensors file on `device` as bf16 (the safetensors package if present)."""
    try:
        from safetensors.torch import load_file
        tensors = load_file(path, device=device)
    except ImportError:
        with open(path, "rb") as f:
            header_length = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(header_length))
            data = f.read()
        tensors = {}
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            start, end = entry["data_offsets"]
            raw = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[entry["dtype"]])
            tensors[name] = raw.reshape(entry["shape"])
    return {name: t.to(device=device, dtype=torch.bfloat16) for name, t in tensors.items()}


def inverse_frequencies(config):
    """RoPE frequencies as Hugging Face computes them, Llama 3 scaling included."""
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    theta = config.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    scaling = config.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type"))
    if kind == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        original = scaling["original_max_position_embeddings"]
        wavelength = 2 * math.pi / inv
        smooth = (original / wavelength - low) / (high - low)
        scaled = torch.where(wavelength > original / low, inv / factor, inv)
        middle = (wavelength <= original / low) & (wavelength >= original / high)
        inv = torch.where(middle, (1 - smooth) * inv / factor + smooth * inv, scaled)
    elif kind == "linear":
        inv = inv / scaling["factor"]
    return inv, head_dim


class Llama:
    """A Llama decoder over a static KV cache of `max_len` positions for `batch` sequences."""

    def __init__(self, config, weights, batch, max_len, device):
        self.config = config
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads", self.heads)
        self.eps = config.get("rms_norm_eps", 1e-5)
        inv, self.head_dim = inverse_frequencies(config)
        angles = torch.outer(torch.arange(max_len, dtype=torch.float64), inv)
        self.cos = torch.cos(angles).to(device=device, dtype=torch.float32)
        self.sin = torch.sin(angles).to(device=device, dtype=torch.float32)
        self.embed = weights["model.embed_tokens.weight"]
        tied = config.get("tie_word_embeddings", False) or "lm_head.weight" not in weights
        self.lm_head = self.embed if tied else weights["lm_head.weight"]
        self.final_norm = weights["model.norm.weight"]
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            p = f"model.layers.{i}."
            self.layers.append(dict(
                input_norm=weights[p + "input_layernorm.weight"],
                q=weights[p + "self_attn.q_proj.weight"], k=weights[p + "self_attn.k_proj.weight"],
                v=weights[p + "self_attn.v_proj.weight"], o=weights[p + "self_attn.o_proj.weight"],
                post_norm=weights[p + "post_attention_layernorm.weight"],
                gate=weights[p + "mlp.gate_proj.weight"], up=weights[p + "mlp.up_proj.weight"],
                down=weights[p + "mlp.down_proj.weight"]))
        shape = (batch, self.kv_heads, max_len, self.head_dim)
        self.k_cache = [torch.zeros(shape, dtype=torch.bfloat16, device=device) for _ in self.layers]
        self.v_cache = [torch.zeros(shape, dtype=torch.bfloat16, device=device) for _ in self.layers]
        self.max_len = max_len
        self.layer_fn = layer_forward

    def compile(self):
        self.layer_fn = torch.compile(layer_forward, dynamic=False)

    def forward(self, tokens, start):
        """Logits of the last position of each sequence; `start` is where `tokens` begin (an int)."""
        b, t = tokens.shape
        x = F.embedding(tokens, self.embed)
        positions = torch.arange(start, start + t, device=tokens.device)
        cos, sin = self.cos[positions], self.sin[positions]
        mask = None
        if t == 1:
            # Decode: attend to every cached position up to this one (a static-shape mask).
            mask = (torch.arange(self.max_len, device=tokens.device) <= start).view(1, 1, 1, -1)
        for layer, k_cache, v_cache in zip(self.layers, self.k_cache, self.v_cache):
            x = self.layer_fn(x, layer, k_cache, v_cache, cos, sin, positions, mask, self.heads, self.kv_heads,
                              self.head_dim, self.eps)
        x = rms_norm(x[:, -1, :], self.final_norm, self.eps)
        return x @ self.lm_head.t()


def rms_norm(x, weight, eps):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * weight


def rotate(x, cos, sin):
    """Hugging Face's rotate-half RoPE; x is [b, heads, t, d], cos/sin [t, d/2]."""
    half = x.shape[-1] // 2
    c = torch.cat([cos, cos], -1).to(x.dtype)
    s = torch.cat([sin, sin], -1).to(x.dtype)
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * c + rotated * s


def layer_forward(x, w, k_cache, v_cache, cos, sin, positions, mask, heads, kv_heads, head_dim, eps):
    b, t, _ = x.shape
    h = rms_norm(x, w["input_norm"], eps)
    q = (h @ w["q"].t()).view(b, t, heads, head_dim).transpose(1, 2)
    k = (h @ w["k"].t()).view(b, t, kv_heads, head_dim).transpose(1, 2)
    v = (h @ w["v"].t()).view(b, t, kv_heads, head_dim).transpose(1, 2)
    q = rotate(q, cos, sin)
    k = rotate(k, cos, sin)
    k_cache.index_copy_(2, positions, k)
    v_cache.index_copy_(2, positions, v)
    if mask is None:
        # Prefill from position 0: causal attention over the prompt itself.
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    else:
        attended = F.scaled_dot_product_attention(q, k_cache, v_cache, attn_mask=mask, enable_gqa=True)
    x = x + attended.transpose(1, 2).reshape(b, t, heads * head_dim) @ w["o"].t()
    h = rms_norm(x, w["post_norm"], eps)
    return x + (F.silu(h @ w["gate"].t()) * (h @ w["up"].t())) @ w["down"].t()


def timed(fn):
    """Milliseconds of `fn` on the GPU, by CUDA events."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    result = fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end), result


def generate(model, prompts, new_tokens):
    """Greedy: prefill the prompts, then new_tokens - 1 decode steps; returns (prefill ms, decode ms, ids)."""
    prompt_len = prompts.shape[1]
    # no_grad rather than inference_mode: the caches are ordinary tensors updated in place, which
    # torch.compile handles under no_grad.
    with torch.no_grad():
        prefill_ms, logits = timed(lambda: model.forward(prompts, 0))
        token = logits.argmax(-1, keepdim=True)

        def decode():
            nonlocal token
            generated = [token]
            for step in range(new_tokens - 1):
                logits = model.forward(token, prompt_len + step)
                token = logits.argmax(-1, keepdim=True)
                generated.append(token)
            return torch.cat(generated, 1)

        decode_ms, ids = timed(decode)
    return prefill_ms, decode_ms, ids


def measure(model, batch, prompt_len, new_tokens, repeats, vocab, seed):
    generator = torch.Generator(device="cpu").manual_seed(seed)
    prompts = torch.randint(3, vocab, (batch, prompt_len), generator=generator).cuda()
    generate(model, prompts, new_tokens)   # warm-up (and compilation)
    runs = [generate(model, prompts, new_tokens) for _ in range(repeats)]
    prefill_ms = statistics.median(r[0] for r in runs)
    decode_ms = statistics.median(r[1] for r in runs)
    return {
        "batch": batch, "prompt_len": prompt_len, "decode_len": new_tokens,
        "prefill_ms": round(prefill_ms, 3), "decode_ms": round(decode_ms, 3),
        "prefill_tokens_per_s": round(batch * prompt_len / (prefill_ms / 1000), 3),
        "decode_tokens_per_s": round(batch * (new_tokens - 1) / (decode_ms / 1000), 3),
        "first_ids": runs[-1][2][0, :8].tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a Hugging Face Llama folder (config.json, model.safetensors)")
    parser.add_argument("--out", required=True, help="JSON results")
    parser.add_argument("--budget-s", type=float, default=180, help="skip what would start after this many seconds")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--decode-len", type=int, default=64)
    args = parser.parse_args()
    started = time.time()
    if not torch.cuda.is_available():
        sys.exit("torch_baseline: PyTorch sees no GPU")
    with open(os.path.join(args.model, "config.json")) as f:
        config = json.load(f)
    weights = load_safetensors(os.path.join(args.model, "model.safetensors"), "cuda")
    result = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "model": args.model, "runs": []}
    print(f"torch {torch.__version__} on {result['gpu']}: weights loaded in {time.time() - started:.1f} s", flush=True)
    configurations = [(1, 512), (16, 128)]   # yalis bench's in tools/device-check.sh
    for mode in ("eager", "compile"):
        for batch, prompt_len in configurations:
            elapsed = time.time() - started
            # A compiled run needs its compilation too: leave it a minute.
            if elapsed > args.budget_s - (60 if mode == "compile" else 15):
                print(f"{mode} batch {batch}: skipped, {elapsed:.0f} s of the {args.budget_s:.0f} s budget used")
                continue
            model = Llama(config, weights, batch, prompt_len + args.decode_len, "cuda")
            if mode == "compile":
                model.compile()
            run = measure(model, batch, prompt_len, args.decode_len, args.repeats, config["vocab_size"], 7)
            run["mode"] = mode
            result["runs"].append(run)
            print(f"{mode:8s} batch {batch:3d} prompt {prompt_len:4d}: prefill {run['prefill_tokens_per_s']:10.1f}"
                  f" tokens/s, decode {run['decode_tokens_per_s']:9.1f} tokens/s", flush=True)
            with open(args.out, "w") as f:
                json.dump(result, f, indent=1)
            del model
            torch.cuda.empty_cache()
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
