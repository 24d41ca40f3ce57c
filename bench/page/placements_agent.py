"""The Python side of bench/page/placements.js: the same code in both Python placements."""

import json
import time

from webllm_page import emit

from webllm_provider import TextDelta, WebLLMProvider


def ping() -> bool:
    return True


async def reply(text: str) -> dict:
    """Streams a reply, emitting each delta to the page; returns the rate Python saw."""
    provider = WebLLMProvider()
    first = last = None
    deltas = 0
    async for event in provider.stream_reply({"messages": [{"role": "user", "content": text}]}):
        if isinstance(event, TextDelta):
            last = time.perf_counter()
            first = first or last
            deltas += 1
            emit("delta", event.text)
        else:
            final = event
    seconds = (last - first) if first and last and last > first else float("nan")
    return {
        "deltas": deltas,
        "python_tokens_per_s": (deltas - 1) / seconds,
        "engine_tokens_per_s": final.metadata.get("decode_tokens_per_s"),
        "usage": json.loads(json.dumps(final.usage, default=lambda o: getattr(o, "__dict__", str(o)))),
    }


def tool_run(ms: int) -> int:
    """A tool that keeps Python busy (parsing, computing) for ``ms``."""
    end = time.perf_counter() + ms / 1000
    spins = 0
    while time.perf_counter() < end:
        spins += 1
    return spins
