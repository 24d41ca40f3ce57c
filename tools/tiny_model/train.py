#!/usr/bin/env python3
"""Train the tiny model's weights on CPU, from dialogues it generates itself, seeded.

    pip install -e '.[train]'   # PyTorch (CPU), tokenizers, numpy: in a virtualenv of its own
    python -m tools.tiny_model.train MODEL_DIR [--check]   # MODEL_DIR: a copy of the fixture's model folder

Writes ``params_shard_0.bin`` and ``tensor-cache.json`` into the model folder
(its config and tokenizer stay; the compiled library depends on the shapes
only) and gives the chat template the ``tool`` role WebLLM's native
function-calling path writes tool results with.

Why PyTorch: autograd, AdamW and a fused attention kernel on the CPU, and
``torch.use_deterministic_algorithms``, so a fixed seed and step count give the
same bytes (see README.md for what a run measured here).

What it learns (``dialogues.py``), in the three shapes the stack sends
(``render.py``): small talk; arithmetic through ``calculator`` and the
weather through ``get_weather``, with a final answer that uses the tool's
result; a refusal when no offered tool fits; conversations of several
episodes. Each batch shares one system turn (shape, tools, system prompt), run
once, so the long tool descriptions cost once per batch, not per sample.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import queue
import random
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from . import dialogues, fixture, render, tensor_cache
from .llama import Llama

sys.path.insert(0, str(render.ROOT / "examples" / "browser-app"))  # the app's agent package
from agent.session import DEFAULT_SYSTEM_PROMPT  # noqa: E402
from agent.tools import CALCULATOR  # noqa: E402

TOOL_ROLE = "<|im_start|>tool"
IM_START, FIRST_ORDINARY_TOKEN = 1, 3  # tokenizer.py's special tokens: <|endoftext|>, <|im_start|>, <|im_end|>
# A batch runs as passes of this many rows of about the same length: padded to the batch's longest
# dialogue, 59% of its tokens were padding; so it is half as much work (4 layers: 0.69 -> 0.36 s).
ROWS_PER_PASS = 8

Passes = list[tuple[torch.Tensor, torch.Tensor]]  # (token ids, loss mask), each [rows, length]
SHORT_CALCULATOR = dialogues.AGENT_TOOLS[0]  # the tool-calling tests' calculator
SYSTEM_PROMPTS = [
    None,
    None,
    None,
    DEFAULT_SYSTEM_PROMPT,
    "You are a careful assistant.",
    "You are terse.",
    "You are a helpful assistant.",
    "Answer briefly.",
]


def tool_lists(rng: random.Random) -> list[dict[str, Any]]:
    """The tools of one batch: the ones taught, alone or together, sometimes next to others."""
    calculator = CALCULATOR.spec() if rng.random() < 0.7 else SHORT_CALCULATOR
    weather = dialogues.GET_WEATHER
    choice = rng.choices(
        [
            [calculator, weather],
            [weather, calculator],
            [calculator],
            [weather],
            [dialogues.DISTRACTORS[0], calculator],
            [calculator, weather, dialogues.DISTRACTORS[1]],
        ],
        [0.35, 0.15, 0.15, 0.1, 0.15, 0.1],
    )[0]
    return list(choice)


class Batches:
    """Token ids and loss masks, one system turn per batch, from a seeded generator thread."""

    def __init__(self, model_dir: Path, template: render.ChatTemplate, seed: int, size: int, context: int) -> None:
        self.context = context
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.template = template
        self.renderer = render.Renderer(template)
        self.rng = random.Random(seed)
        self.size = size
        self.pools: dict[str, list[render.Sample]] = {}

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        while True:
            shape = self.rng.choices([render.CONSTRAINED, render.HERMES, render.PLAIN], [0.42, 0.4, 0.18])[0]
            tools = [] if shape == render.PLAIN else tool_lists(self.rng)
            names = {tool["name"] for tool in tools}
            system = self.rng.choice(SYSTEM_PROMPTS)
            main = None
            while main is None or len(self.pools.get(main, ())) < self.size:
                for sample in self.renderer.samples(
                    dialogues.dialogue(self.rng, names), shape, tools, system, self.rng
                ):
                    if len(self.tokenizer.encode(sample.text).ids) > self.context:
                        continue  # WebLLM would refuse it (context window exceeded)
                    prefix = render.prefix_of(sample.text, self.template)
                    main = main or prefix
                    self.pools.setdefault(prefix, []).append(sample)
            for prefix in [main, *[p for p, pool in self.pools.items() if len(pool) >= self.size and p != main]]:
                pool = self.pools.pop(prefix)
                yield self.encode(prefix, pool[: self.size])
                if len(pool) > self.size:
                    self.pools[prefix] = pool[self.size :]

    def encode(self, prefix: str, samples: list[render.Sample]) -> tuple[torch.Tensor, Passes]:
        prefix_ids = self.tokenizer.encode(prefix).ids
        encodings = self.tokenizer.encode_batch([s.text for s in samples])
        rows = []
        for sample, encoding in zip(samples, encodings, strict=True):
            assert encoding.ids[: len(prefix_ids)] == prefix_ids
            # A token is a target when it starts inside a span the model writes.
            mask = [any(a <= start < b for a, b in sample.spans) for start, _ in encoding.offsets]
            rows.append((encoding.ids[len(prefix_ids) :], mask[len(prefix_ids) :]))
        rows.sort(key=lambda row: len(row[0]))
        passes = [padded(rows[i : i + ROWS_PER_PASS]) for i in range(0, len(rows), ROWS_PER_PASS)]
        return torch.tensor([prefix_ids]), passes


def padded(rows: list[tuple[list[int], list[bool]]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids, _ in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, (row, row_mask) in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = torch.tensor(row_mask)
    return ids, mask


class CopyDrills:
    """Random token sequences, each written twice, the second copy the target.

    Copying is most of the job (the expression and the city out of the question, the result
    into the answer), and a copy is only a few tokens of each dialogue: trained on dialogues
    alone, this model learnt to copy late or not at all. On these it learns within a minute
    (measured: the loss on the second copy fell from 6.4 to 0.2 between steps 800 and 950).
    """

    def __init__(self, seed: int, size: int, vocab: int) -> None:
        self.rng = random.Random(-1 - seed)  # a stream of its own: the dialogues stay what they were
        self.size = size
        self.vocab = vocab

    def __next__(self) -> tuple[torch.Tensor, Passes]:
        length = self.rng.randint(8, 40)
        rows = []
        for _ in range(self.size):
            tokens = [self.rng.randrange(FIRST_ORDINARY_TOKEN, self.vocab) for _ in range(length)]
            rows.append(tokens + tokens)
        ids = torch.tensor(rows)
        mask = torch.zeros_like(ids, dtype=torch.bool)
        mask[:, length + 1 :] = True  # the second copy, once its first token says which
        return torch.tensor([[IM_START]]), [(ids, mask)]


def prefetched(batches: Batches, depth: int = 8) -> Iterator[Any]:
    """The batches in order, made in a thread while the model trains (tokenizing releases the GIL)."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)

    def make() -> None:
        try:
            for batch in batches:
                ready.put(batch)
        except BaseException as exc:  # the trainer must not wait for a batch that never comes
            ready.put(exc)
            raise

    threading.Thread(target=make, daemon=True).start()
    while True:
        batch = ready.get()
        if isinstance(batch, BaseException):
            raise RuntimeError("making batches failed") from batch
        yield batch


def train(
    model: Llama,
    batches: Iterator[Any],
    drills: CopyDrills,
    plan: list[bool],
    lr: float,
    warmup: int,
    weight_decay: float,
) -> list[dict[str, float]]:
    """One step per entry of ``plan``: a batch of copy drills where it is true, of dialogues where not."""
    steps = len(plan)
    decay = [p for p in model.parameters() if p.dim() == 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))
    log, started, tokens = [], time.time(), 0
    smoothed: dict[bool, float] = {}  # the loss on dialogues (False) and on drills (True)
    for step in range(steps):
        progress = step / steps
        rate = lr * min(1.0, (step + 1) / warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = rate
        prefix, passes = next(drills) if plan[step] else next(batches)
        _, past = model(prefix)
        # The mean over the batch's targets, as if it ran as one pass (one backward, the prefix's once).
        loss = torch.zeros(())
        for ids, mask in passes:
            kv = [(k.expand(ids.shape[0], -1, -1, -1), v.expand(ids.shape[0], -1, -1, -1)) for k, v in past]
            # The token at i + 1 is predicted at i.
            predicting = torch.zeros_like(mask)
            predicting[:, :-1] = mask[:, 1:]
            logits, _ = model(ids, kv, at=predicting)
            loss = loss + F.cross_entropy(logits, ids[:, 1:][mask[:, 1:]], reduction="sum")
            tokens += int(ids.numel())
        loss = loss / sum(int(mask[:, 1:].sum()) for _, mask in passes)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        tokens += prefix.shape[1]
        drill = plan[step]
        smoothed[drill] = 0.95 * smoothed.get(drill, loss.item()) + 0.05 * loss.item()
        if (step + 1) % 10 == 0 or step + 1 == steps:
            elapsed = time.time() - started
            record = {
                "step": step + 1,
                **{("drill_loss" if drill else "loss"): round(value, 4) for drill, value in smoothed.items()},
                "lr": round(rate, 6),
                "minutes": round(elapsed / 60, 2),
                "tokens_per_s": round(tokens / elapsed),
            }
            log.append(record)
            print(json.dumps(record), flush=True)
    return log


def export(model: Llama, model_dir: Path) -> None:
    tensor_cache.write(model_dir, [(name, tensor.float().numpy()) for name, tensor in model.tensors()])
    path = model_dir / "mlc-chat-config.json"
    config = json.loads(path.read_text())
    config["conv_template"]["roles"]["tool"] = TOOL_ROLE
    path.write_text(json.dumps(config, indent=2) + "\n")


def same_as_committed(model_dir: Path) -> bool:
    """Whether what ``export`` wrote is the fixture's, byte for byte (its SHA256SUMS)."""
    listed = fixture.checksums()
    same = True
    for name in (tensor_cache.SHARD, "tensor-cache.json", "mlc-chat-config.json"):
        digest = hashlib.sha256((model_dir / name).read_bytes()).hexdigest()
        committed = listed[f"{fixture.MODEL.name}/{name}"]
        print(f"{name}: {digest} ({'the committed one' if digest == committed else 'committed: ' + committed})")
        same = same and digest == committed
    return same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=4800, help="batches after the first drills")
    ap.add_argument("--drills", type=int, default=1000, help="batches of copy drills before the dialogues")
    ap.add_argument("--drill-every", type=int, default=8, help="of those, one in this many is drills")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--weight-decay", type=float, default=0.1, help="AdamW's, on the weight matrices")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the weights are the committed ones")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    chat_config = json.loads((args.model_dir / "mlc-chat-config.json").read_text())
    template = render.ChatTemplate(chat_config["conv_template"])
    template.conv["roles"]["tool"] = TOOL_ROLE
    model = Llama(chat_config["model_config"])
    started = time.time()
    # The drills go on among the dialogues, so that copying is not unlearnt while the formats are learnt.
    plan = [True] * args.drills + [step % args.drill_every == args.drill_every - 1 for step in range(args.steps)]
    log = train(
        model,
        prefetched(Batches(args.model_dir, template, args.seed, args.batch, chat_config["context_window_size"])),
        CopyDrills(args.seed, args.batch, chat_config["model_config"]["vocab_size"]),
        plan,
        args.lr,
        args.warmup,
        args.weight_decay,
    )
    export(model, args.model_dir)
    print(
        json.dumps(
            {
                "steps": len(plan),
                "drills": sum(plan),
                "batch": args.batch,
                "seed": args.seed,
                "minutes": round((time.time() - started) / 60, 1),
                "final_loss": log[-1].get("loss"),
            }
        )
    )
    if args.check and not same_as_committed(args.model_dir):
        sys.exit(1)


if __name__ == "__main__":
    main()
