"""Python that runs inside Pyodide, on the page's main thread or in the Python
worker (js/python-launcher.js), with the same code: the provider finds the bridge
itself in both placements. The tests (test_placements.py) call these functions
by name and check what they return."""

import asyncio
import json
import time

from webllm_page import emit

from webllm_provider import AbortError, LLMError, TextDelta, WebLLMProvider


def ask(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


async def complete(text: str) -> dict:
    response = await WebLLMProvider().complete(ask(text))
    return {"text": response.content[0].text, "finish_reason": response.finish_reason}


async def stream(text: str) -> dict:
    """Streams a reply, emitting every delta to the page as the app's session does."""
    deltas = []
    async for event in WebLLMProvider().stream_reply(ask(text)):
        if isinstance(event, TextDelta):
            deltas.append(event.text)
            emit("delta", json.dumps({"text": event.text}))
        else:
            final = event
    return {"deltas": deltas, "text": "".join(deltas), "finish_reason": final.finish_reason}


async def stop_after(deltas: int, text: str) -> dict:
    """Cancels a streamed reply after `deltas` deltas (the app's stop button), then asks again."""
    seen = []
    started = asyncio.Event()

    async def reply():
        async for event in WebLLMProvider().stream_reply(ask(text)):
            if isinstance(event, TextDelta):
                seen.append(event.text)
                if len(seen) >= deltas:
                    started.set()

    task = asyncio.ensure_future(reply())
    await started.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    after = await complete("after the stop")
    return {"seen": len(seen), "after": after["text"]}


async def failure(text: str) -> dict:
    """The typed error a failing request raises (what the page shows)."""
    try:
        await WebLLMProvider({"max_retries": 0}).complete(ask(text))
    except (LLMError, AbortError) as error:
        return {
            "type": type(error).__name__,
            "webllm_name": getattr(error, "webllm_name", None),
            "retryable": error.retryable,
        }
    return {"type": None}


async def load_with_progress(model: str) -> list:
    """Loads through the bridge from Python, collecting WebLLM's progress reports."""
    import webllm_bridge

    reports = []
    await webllm_bridge.load(model, lambda report: reports.append(json.loads(report)["progress"]))
    return reports


def busy(ms: int) -> int:
    """Keeps Python busy (a long tool run): only the worker placement leaves the page free meanwhile.
    Emits "busy" first, for a page that waits until Python is in it."""
    emit("busy", json.dumps({"ms": ms}))
    end = time.perf_counter() + ms / 1000
    spins = 0
    while time.perf_counter() < end:
        spins += 1
    return spins


def ping() -> bool:
    return True
