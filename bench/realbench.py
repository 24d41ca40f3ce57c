"""The Python half of the real-engine benchmark, run inside Pyodide by bench/page/real.js.

Functions take and return JSON strings. Times are ``performance.now()`` milliseconds,
the clock real.js uses.
"""

from __future__ import annotations

import json

import pagetools  # type: ignore[import-not-found]  # tests/browser/pagetools.py, copied by real.js

from js import performance  # type: ignore[import-not-found]
from webllm_provider import TextDelta, WebLLMProvider

provider = WebLLMProvider()


async def stream(request_json: str) -> str:
    """One streamed request through the provider: when it started, its first and last text, its usage."""
    started = performance.now()
    first = last = 0.0
    response = None
    async for event in provider.stream_reply(json.loads(request_json)):
        if isinstance(event, TextDelta):
            last = performance.now()
            first = first or last
        else:
            response = event
    usage = {
        "completion_tokens": response.usage.output_tokens,
        "extra": {
            "decode_tokens_per_s": response.metadata["decode_tokens_per_s"],
            "time_to_first_token_s": response.metadata["time_to_first_token_s"],
        },
    }
    return json.dumps({"started": started, "first": first, "last": last, "usage": usage})


async def prefill(turns: int) -> str:
    """Prefilled tokens per turn of a plain and a tool-calling conversation."""
    plain = await pagetools.prefill_per_turn(provider, turns=turns)
    tools = await pagetools.prefill_per_turn(provider, tools=pagetools.TINY_TOOLS, turns=turns)
    return json.dumps({"plain": plain, "tools": tools})
