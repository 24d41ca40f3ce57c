"""The fixture's model in PyTorch, computing what mlc-llm's compiled Llama computes.

Parameter names and shapes are those of the fixture's ``tensor-cache.json``
(``weights.llama_params``: fused ``qkv_proj`` and ``gate_up_proj``), so a
trained state goes into the compiled library unchanged. What must match the
compiled kernels: RMSNorm, NeoX-style rotary embeddings (each dimension pairs
with the one half a head away), grouped-query attention where query head ``i``
reads key/value head ``i // (heads / kv_heads)``, and SiLU(gate) * up with the
gate first.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .tensor_cache import llama_params


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin


class Attention(nn.Module):
    def __init__(self, cfg: dict[str, Any]) -> None:
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = (
            cfg["num_attention_heads"],
            cfg["num_key_value_heads"],
            cfg["head_dim"],
        )
        self.qkv_proj = nn.Linear(cfg["hidden_size"], (self.heads + 2 * self.kv_heads) * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, cfg["hidden_size"], bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, past: Any) -> tuple[torch.Tensor, Any]:
        batch, length, _ = x.shape
        qkv = self.qkv_proj(x).view(batch, length, self.heads + 2 * self.kv_heads, self.head_dim).transpose(1, 2)
        q, k, v = qkv.split([self.heads, self.kv_heads, self.kv_heads], dim=1)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        before = k.shape[2] - length
        mask = torch.ones(length, k.shape[2], dtype=torch.bool, device=x.device).tril(diagonal=before)
        # enable_gqa repeats each key/value head for consecutive query heads, as the paged KV cache reads them.
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.head_dim**-0.5, enable_gqa=True)
        return self.o_proj(out.transpose(1, 2).reshape(batch, length, -1)), (k, v)


class Layer(nn.Module):
    def __init__(self, cfg: dict[str, Any]) -> None:
        super().__init__()
        self.self_attn = Attention(cfg)
        self.inter = cfg["intermediate_size"]
        self.gate_up_proj = nn.Linear(cfg["hidden_size"], 2 * self.inter, bias=False)
        self.down_proj = nn.Linear(self.inter, cfg["hidden_size"], bias=False)
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, past: Any) -> tuple[torch.Tensor, Any]:
        attended, kv = self.self_attn(self.input_layernorm(x), cos, sin, past)
        x = x + attended
        gate, up = self.gate_up_proj(self.post_attention_layernorm(x)).split(self.inter, dim=-1)
        return x + self.down_proj(F.silu(gate) * up), kv


class Llama(nn.Module):
    def __init__(self, cfg: dict[str, Any]) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([Layer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        dim = cfg["head_dim"]
        inverse = 1.0 / (cfg["position_embedding_base"] ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
        angles = torch.outer(torch.arange(cfg["context_window_size"], dtype=torch.float32), inverse)
        angles = torch.cat([angles, angles], dim=-1)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                nn.init.ones_(p)
            else:  # GPT-2's initialisation, residual projections scaled down by depth
                scale = (
                    math.sqrt(2 * cfg["num_hidden_layers"])
                    if name.endswith(("o_proj.weight", "down_proj.weight"))
                    else 1
                )
                nn.init.normal_(p, std=0.02 / scale)

    def forward(self, ids: torch.Tensor, past: Any = None, at: torch.Tensor | None = None) -> tuple[torch.Tensor, Any]:
        """Logits for ``ids`` [batch, length] after the cached positions in ``past`` (one (k, v) per layer);
        only at the positions ``at`` selects, if given (training needs few: the head is a third of the work)."""
        start = 0 if past is None else past[0][0].shape[2]
        cos, sin = self.cos[start : start + ids.shape[1]], self.sin[start : start + ids.shape[1]]
        x = self.embed_tokens(ids)
        cache = []
        for i, layer in enumerate(self.layers):
            x, kv = layer(x, cos, sin, None if past is None else past[i])
            cache.append(kv)
        return self.lm_head(self.norm(x if at is None else x[at])), cache

    def tensors(self) -> list[tuple[str, torch.Tensor]]:
        """(name, tensor) in the order and under the names of the fixture's tensor-cache.json."""
        own = {
            "model.embed_tokens.weight": self.embed_tokens.weight,
            "model.norm.weight": self.norm.weight,
            "lm_head.weight": self.lm_head.weight,
        }
        for i, layer in enumerate(self.layers):
            prefix = f"model.layers.{i}."
            own[prefix + "self_attn.qkv_proj.weight"] = layer.self_attn.qkv_proj.weight
            own[prefix + "self_attn.o_proj.weight"] = layer.self_attn.o_proj.weight
            own[prefix + "mlp.gate_up_proj.weight"] = layer.gate_up_proj.weight
            own[prefix + "mlp.down_proj.weight"] = layer.down_proj.weight
            own[prefix + "input_layernorm.weight"] = layer.input_layernorm.weight
            own[prefix + "post_attention_layernorm.weight"] = layer.post_attention_layernorm.weight
        names = [name for name, _ in llama_params(self.cfg)]
        return [(name, own[name].detach()) for name in names]
