"""The tiny model's forward pass in numpy, from its files alone: what the compiled library must compute.

Written from mlc-llm's Llama (q0f32) independently of ``llama.py``: the
numbers WebLLM's engine produces are checked against it
(tests/browser/test_tiny_model_prefill.py), and it needs nothing beyond numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .tensor_cache import read


def logits(model_dir: Path, ids: list[int]) -> np.ndarray:
    """The logits [len(ids), vocab] after each token of ``ids``, in float64."""
    cfg = json.loads((model_dir / "mlc-chat-config.json").read_text())["model_config"]
    w = {name: array.astype(np.float64) for name, array in read(model_dir).items()}
    heads, kv_heads, dim = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    inter, eps = cfg["intermediate_size"], cfg["rms_norm_eps"]
    n = len(ids)

    def rms(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * weight

    # Rotary embeddings, NeoX style: dimension d pairs with d +- dim/2.
    d = np.arange(dim)
    angle = np.arange(n)[:, None] / cfg["position_embedding_base"] ** ((2 * (d % (dim // 2))) / dim)[None, :]
    cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]

    def rope(x: np.ndarray) -> np.ndarray:
        rotated = np.concatenate([-x[..., dim // 2 :], x[..., : dim // 2]], axis=-1)
        return x * cos + rotated * sin

    causal = np.tril(np.ones((n, n), dtype=bool))
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        qkv = (rms(x, w[p + "input_layernorm.weight"]) @ w[p + "self_attn.qkv_proj.weight"].T).reshape(
            n, heads + 2 * kv_heads, dim
        )
        q, k, v = rope(qkv[:, :heads]), rope(qkv[:, heads : heads + kv_heads]), qkv[:, heads + kv_heads :]
        out = np.empty((n, heads, dim))
        for h in range(heads):
            kv = h // (heads // kv_heads)  # consecutive query heads share a key/value head
            scores = np.where(causal, q[:, h] @ k[:, kv].T / np.sqrt(dim), -np.inf)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            out[:, h] = (scores / scores.sum(-1, keepdims=True)) @ v[:, kv]
        x = x + out.reshape(n, heads * dim) @ w[p + "self_attn.o_proj.weight"].T
        gate_up = rms(x, w[p + "post_attention_layernorm.weight"]) @ w[p + "mlp.gate_up_proj.weight"].T
        gate, up = gate_up[:, :inter], gate_up[:, inter:]
        x = x + (gate / (1 + np.exp(-gate)) * up) @ w[p + "mlp.down_proj.weight"].T
    result: np.ndarray = rms(x, w["model.norm.weight"]) @ w["lm_head.weight"].T
    return result
