#!/usr/bin/env python3
"""Write the tiny model's weights: ``params_shard_0.bin`` and ``tensor-cache.json``.

    python tools/tiny_model/weights.py MODEL_DIR [--seed 0]

MODEL_DIR holds ``mlc-chat-config.json`` and ``tokenizer.json``. Needs numpy and
tokenizers (``pip install numpy tokenizers``); no TVM, no mlc-llm. The model
library (the wasm) does not depend on the values, so this step alone reshapes
a built fixture.

``write`` and ``read`` are the tensor cache's layout, which ``train.py`` writes
trained weights in and ``reference.py`` reads back.

The weights are random but shaped so that tests finish fast. The logits are,
almost independently of the context, a per-token bias:

- dimension 0 of the residual stream is a constant: every embedding has
  ``ANCHOR`` there and no layer writes to it (row 0 of ``o_proj`` and
  ``down_proj`` is zero), so after the final RMSNorm it is about sqrt(hidden);
- column 0 of ``lm_head`` turns that constant into the bias below; the other
  columns are small random numbers, so text still varies with the sampling seed.

The bias, whatever the context:

- improbable: whitespace-only tokens (the grammar engine allows JSON
  whitespace anywhere, and a random model otherwise spends most of a
  constrained reply on it), the special tokens other than EOS, and byte
  tokens that are not text on their own;
- likely: EOS (a plain reply is about six tokens) and the tokens made only of
  JSON punctuation, such as ``"``, ``"}`` or ``":{"`` (so a constrained string
  or number ends within a few tokens);
- otherwise growing with the token's length, so that where the grammar spells
  out a key such as ``arguments``, the whole-word token usually wins over its
  prefixes.

So a constrained tool call takes about 15-20 tokens.
"""

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

ANCHOR = 30.0
UNLIKELY = -12.0
EOS_BIAS = 9.5
JSON_PUNCTUATION, PUNCTUATION_BIAS = set('"{}[],:'), 8.0
PER_CHARACTER, LONGEST = 0.5, 6  # a token's length counts up to LONGEST characters
NOISE = 0.02  # std of lm_head's other columns and of everything else random
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


def token_bias(tokenizer, vocab_size, eos_id):
    """The logit each token gets, whatever the context (see the module docstring)."""
    specials = {token_id for token_id, added in tokenizer.get_added_tokens_decoder().items() if added.special}
    bias = np.zeros(vocab_size, dtype=np.float32)
    for token_id in range(vocab_size):
        text = tokenizer.decode([token_id], skip_special_tokens=False)
        if token_id == eos_id:
            bias[token_id] = EOS_BIAS
        elif token_id in specials or text.strip() == "" or not text.isprintable() or "\ufffd" in text:
            bias[token_id] = UNLIKELY
        elif set(text) <= JSON_PUNCTUATION:
            bias[token_id] = PUNCTUATION_BIAS
        else:
            bias[token_id] = PER_CHARACTER * min(len(text), LONGEST)
    return bias


def shaped(name, shape, rng, bias):
    hidden = shape[-1]
    if name.endswith("norm.weight"):
        return np.ones(shape, dtype=np.float32)
    array = (rng.standard_normal(shape) * NOISE).astype(np.float32)
    if name == "model.embed_tokens.weight":
        array[:, 0] = ANCHOR
    elif name.endswith(("o_proj.weight", "down_proj.weight")):
        array[0, :] = 0.0
    elif name == "lm_head.weight":
        array[:, 0] = bias / np.sqrt(hidden)
    return array


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    chat_config = json.loads((args.model_dir / "mlc-chat-config.json").read_text())
    cfg = chat_config["model_config"]
    tokenizer = Tokenizer.from_file(str(args.model_dir / "tokenizer.json"))
    bias = token_bias(tokenizer, cfg["vocab_size"], chat_config["eos_token_id"])

    rng = np.random.default_rng(args.seed)
    tensors = [(name, shaped(name, shape, rng, bias)) for name, shape in llama_params(cfg)]
    write(args.model_dir, tensors)
    count = sum(array.size for _, array in tensors)
    print(f"{len(tensors)} tensors, {count} parameters, {4 * count} bytes")


if __name__ == "__main__":
    main()
