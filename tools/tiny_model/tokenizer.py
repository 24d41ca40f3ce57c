#!/usr/bin/env python3
"""Step 1 of the tiny model: a tokenizer and a Hugging Face ``config.json``.

    python tools/tiny_model/tokenizer.py OUT_DIR

Trains a byte-level BPE tokenizer of 1,024 tokens with the ``tokenizers``
package on local Python sources plus JSON in the shapes the provider's
constrained path and tests ask for, and writes the Llama config mlc-llm's
``gen_config`` reads. The JSON makes its keys (``tool_calls``, ``arguments``,
``answer``, ...) and punctuation runs such as ``":{"`` single tokens, as they
are in real models' vocabularies, so a constrained reply takes a few tokens,
not one per letter. The committed fixture's tokenizer was trained on the first
400 ``.py`` files of Debian's python3.11; other sources give other merges,
which is harmless but changes the fixture's checksums.

Only the merges may change without recompiling the library: the vocabulary
size and the special tokens' ids (0, 1, 2) are compiled in.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

VOCAB = 1024
CONTEXT = 1024
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # chatml; <|im_end|> ends a turn


JSON_LINES = [
    '{"tool_calls":[{"name":"note","arguments":{"text":"ok"}}]}',
    '{"tool_calls":[{"name":"add","arguments":{"a":1,"b":2}}]}',
    '{"tool_calls":[{"name":"calculator","arguments":{"expression":"2+2"}}]}',
    '{"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}',
    '{"answer":"yes"}',
    '{"name":"Ada","age":36,"tags":["a","b"]}',
    "[1,2,3]",
]


def train(corpus: list[str]) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train(corpus, trainer)
    return tokenizer


def json_corpus(folder: Path) -> str:
    path = folder / "json-corpus.txt"
    path.write_text("\n".join(JSON_LINES * 3000) + "\n")
    return str(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--corpus", default=f"/usr/lib/python3.{sys.version_info.minor}")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = sorted(str(p) for p in Path(args.corpus).rglob("*.py"))[:400]
        tokenizer = train([*corpus, json_corpus(Path(tmp))])
    tokenizer.save(str(args.out / "tokenizer.json"))
    bos, eos = tokenizer.token_to_id("<|endoftext|>"), tokenizer.token_to_id("<|im_end|>")
    tokenizer_config = {
        "bos_token": "<|endoftext|>",
        "eos_token": "<|im_end|>",
        "unk_token": "<|endoftext|>",
        "model_max_length": CONTEXT,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "clean_up_tokenization_spaces": False,
    }
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 128,
        "intermediate_size": 256,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 32,
        "num_hidden_layers": 2,
        "vocab_size": tokenizer.get_vocab_size(),
        "max_position_embeddings": CONTEXT,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "hidden_act": "silu",
        "tie_word_embeddings": False,
        "bos_token_id": bos,
        "eos_token_id": eos,
        "torch_dtype": "float32",
    }
    for name, content in [
        ("tokenizer_config.json", tokenizer_config),
        ("config.json", config),
        ("generation_config.json", {"bos_token_id": bos, "eos_token_id": eos}),
    ]:
        (args.out / name).write_text(json.dumps(content, indent=1) + "\n")
    print(f"{args.out}: vocabulary of {tokenizer.get_vocab_size()}")


if __name__ == "__main__":
    main()
