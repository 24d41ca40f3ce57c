"""The Python half of the benchmark, run inside Pyodide by bench/page/bench.js.

Every function takes and returns JSON strings, so nothing but strings crosses.
Times are milliseconds on the clock all contexts of the page share:
``performance.timeOrigin + performance.now()`` (the worker stamps engine events
on the same clock, see bench/workers/bench-worker.js).
"""

from __future__ import annotations

import json
from contextlib import aclosing
from typing import Any

import bench_js  # type: ignore[import-not-found]  # registered by bench.js

from js import performance  # type: ignore[import-not-found]
from webllm_provider import ChatRequest, Message, TextDelta, WebLLMProvider
from webllm_provider.pyodide_bridge import default_bridge

_origin = float(performance.timeOrigin)
_now = performance.now


def now() -> float:
    return _origin + _now()


class Recording:
    """A bridge around the real one that notes the engine's stamps as they pass.

    The provider only sees chunks and completions; the stamps let the
    benchmark pair each TextDelta (in order) with the chunk it came from.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.stamps: list[dict[str, float]] = []
        self.completion_stamp: dict[str, float] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        completion = await self.inner.complete(request)
        self.completion_stamp = completion.get("x_bench")
        return completion

    async def stream(self, request: dict[str, Any]):
        stamps = self.stamps
        async with aclosing(self.inner.stream(request)) as chunks:
            async for chunk in chunks:
                choices = chunk.get("choices")
                if choices and choices[0].get("delta", {}).get("content"):
                    stamps.append(chunk["x_bench"])
                yield chunk


BRIDGE = default_bridge()  # the one js/bridge.js registered
RECORDING = Recording(default_bridge())
PROVIDER = WebLLMProvider(bridge=RECORDING)


class InPython:
    """A bridge that answers from memory: the provider's own Python work, no JavaScript at all."""

    def __init__(self) -> None:
        self.catalog: list[dict[str, Any]] = []
        self.completion = "{}"
        self.chunks: list[str] = []

    async def list_models(self) -> list[dict[str, Any]]:
        return self.catalog

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        return json.loads(self.completion)

    async def stream(self, request: dict[str, Any]):
        for chunk in self.chunks:
            yield json.loads(chunk)


IN_PYTHON = InPython()
NO_JS_PROVIDER: WebLLMProvider | None = None


def _request(body: dict[str, Any]) -> ChatRequest:
    return ChatRequest(messages=[Message(role=m["role"], content=m["content"]) for m in body["messages"]])


async def warm_up() -> str:
    """Fills the provider's catalog and default model, as a running app has."""
    global NO_JS_PROVIDER
    model = await PROVIDER.default_model()
    IN_PYTHON.catalog = await PROVIDER.catalog()
    NO_JS_PROVIDER = WebLLMProvider({"default_model": model}, bridge=IN_PYTHON)
    await NO_JS_PROVIDER.catalog()
    return "{}"


_WAKES: Any = None


def wake_put(t: float) -> None:
    """Called by JavaScript in a worker-message task, as a chunk is delivered."""
    _WAKES.put_nowait(t)


async def wake_floor(count: int) -> str:
    """A Python task waiting on an asyncio.Queue, woken by JavaScript: the
    event-loop hop every delivered chunk and every awaited reply pays."""
    import asyncio

    global _WAKES
    _WAKES = asyncio.Queue()
    times = []
    for _ in range(count):
        t = await _WAKES.get()
        times.append(now() - t)
    return json.dumps(times)


async def no_js_round_trips(body_json: str, completion_json: str, count: int) -> str:
    """WebLLMProvider.complete over a bridge that answers from memory."""
    IN_PYTHON.completion = completion_json
    request = _request(json.loads(body_json))
    complete = NO_JS_PROVIDER.complete
    out = []
    for _ in range(count):
        t0 = now()
        await complete(request)
        out.append([now() - t0, 0.0])
    return json.dumps(out)


async def no_js_stream(body_json: str, chunks_json: str, reps: int) -> str:
    """WebLLMProvider.stream over a bridge that yields chunks from memory: chunks/s."""
    IN_PYTHON.chunks = json.loads(chunks_json)
    request = _request(json.loads(body_json))
    rates = []
    for _ in range(reps):
        t0 = now()
        deltas = 0
        async with aclosing(NO_JS_PROVIDER.stream_reply(request)) as events:
            async for event in events:
                deltas += isinstance(event, TextDelta)
        rates.append(len(IN_PYTHON.chunks) / (now() - t0) * 1000)
    return json.dumps(rates)


async def echo_floor(payload: str, count: int) -> str:
    """Python awaiting a JavaScript async function that resolves at once."""
    echo = bench_js.echo
    times = []
    for _ in range(count):
        t0 = now()
        await echo(payload)
        times.append(now() - t0)
    return json.dumps(times)


async def round_trips(layer: str, body_json: str, count: int) -> str:
    """Non-streamed requests; per call: [total ms, engine ms]."""
    body = json.loads(body_json)
    out = []
    if layer == "py-bridge":
        complete = BRIDGE.complete
        for _ in range(count):
            t0 = now()
            completion = await complete(body)
            t1 = now()
            x = completion["x_bench"]
            out.append([t1 - t0, x["t_out"] - x["t_in"]])
    elif layer == "py-provider":
        request = _request(body)
        complete = PROVIDER.complete
        for _ in range(count):
            t0 = now()
            await complete(request)
            t1 = now()
            x = RECORDING.completion_stamp
            out.append([t1 - t0, x["t_out"] - x["t_in"]])
    else:
        raise ValueError(layer)
    return json.dumps(out)


async def stream(layer: str, body_json: str) -> str:
    """One streamed request. Returns the call's start and end, and for each
    chunk with text: [engine asked for it, engine yielded it, Python got it]."""
    body = json.loads(body_json)
    received: list[float] = []
    stamps: list[dict[str, float]]
    if layer == "py-bridge":
        stamps = []
        t0 = now()
        async with aclosing(BRIDGE.stream(body)) as chunks:
            async for chunk in chunks:
                choices = chunk["choices"]
                if choices and choices[0]["delta"].get("content"):
                    received.append(now())
                    stamps.append(chunk["x_bench"])
        t1 = now()
    elif layer == "py-provider":
        request = _request(body)
        stamps = RECORDING.stamps = []
        t0 = now()
        async with aclosing(PROVIDER.stream_reply(request)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    received.append(now())
        t1 = now()
    elif layer == "py-guide":
        # The guide's Python side: a callback JavaScript calls for each chunk.
        stamps = []

        def on_chunk(chunk_json: str) -> None:
            chunk = json.loads(chunk_json)
            choices = chunk["choices"]
            if choices and choices[0]["delta"].get("content"):
                received.append(now())
                stamps.append(chunk["x_bench"])

        from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

        callback = create_proxy(on_chunk)
        t0 = now()
        try:
            await bench_js.guide_stream(json.dumps(body), callback)
        finally:
            callback.destroy()
        t1 = now()
    else:
        raise ValueError(layer)
    if len(stamps) != len(received):
        raise AssertionError(f"{layer}: {len(stamps)} stamps for {len(received)} receipts")
    return json.dumps(
        {
            "t0": t0,
            "t1": t1,
            "chunks": [[s["t_pull"], s["t_yield"], r] for s, r in zip(stamps, received, strict=True)],
        }
    )
