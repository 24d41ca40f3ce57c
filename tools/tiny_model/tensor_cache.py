"""The tiny model's tensor cache: ``params_shard_0.bin`` and ``tensor-cache.json``,
laid out as mlc-llm's Llama reads them (its names and order, fused qkv and gate_up,
float32). ``train.py`` writes trained weights with ``write``; ``reference.py`` and
the fixture's tests read them back with ``read``. Needs numpy only.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

SHARD = "params_shard_0.bin"


def llama_params(cfg):
    """(name, shape) in the order mlc-llm's Llama exports them (fused qkv and gate_up)."""
    hidden, inter = cfg["hidden_size"], cfg["intermediate_size"]
    qkv = (cfg["num_attention_heads"] + 2 * cfg["num_key_value_heads"]) * cfg["head_dim"]
    params = [("model.embed_tokens.weight", (cfg["vocab_size"], hidden))]
    for i in range(cfg["num_hidden_layers"]):
        layer = f"model.layers.{i}"
        params += [
            (f"{layer}.self_attn.qkv_proj.weight", (qkv, hidden)),
            (f"{layer}.self_attn.o_proj.weight", (hidden, cfg["num_attention_heads"] * cfg["head_dim"])),
            (f"{layer}.mlp.gate_up_proj.weight", (2 * inter, hidden)),
            (f"{layer}.mlp.down_proj.weight", (hidden, inter)),
            (f"{layer}.input_layernorm.weight", (hidden,)),
            (f"{layer}.post_attention_layernorm.weight", (hidden,)),
        ]
    return params + [("model.norm.weight", (hidden,)), ("lm_head.weight", (cfg["vocab_size"], hidden))]


def write(model_dir: Path, tensors: list[tuple[str, np.ndarray]]) -> None:
    records, chunks, offset = [], [], 0
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        records.append(
            {
                "name": name,
                "shape": list(array.shape),
                "dtype": "float32",
                "format": "raw",
                "nbytes": len(data),
                "byteOffset": offset,
            }
        )
        chunks.append(data)
        offset += len(data)
    shard = b"".join(chunks)
    (model_dir / SHARD).write_bytes(shard)
    cache = {
        "metadata": {"ParamSize": len(records), "ParamBytes": len(shard), "BitsPerParam": 32.0},
        "records": [
            {
                "dataPath": SHARD,
                "format": "raw-shard",
                "nbytes": len(shard),
                "records": records,
                "md5sum": hashlib.md5(shard).hexdigest(),
            }
        ],
    }
    (model_dir / "tensor-cache.json").write_text(json.dumps(cache, indent=4) + "\n")


def read(model_dir: Path) -> dict[str, np.ndarray]:
    """Every tensor by name, as the compiled library receives it."""
    (shard,) = json.loads((model_dir / "tensor-cache.json").read_text())["records"]
    raw = (model_dir / shard["dataPath"]).read_bytes()
    return {
        r["name"]: np.frombuffer(raw, "<f4", r["nbytes"] // 4, r["byteOffset"]).reshape(r["shape"])
        for r in shard["records"]
    }
