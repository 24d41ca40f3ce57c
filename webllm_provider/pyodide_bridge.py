"""Pyodide: the bridge is the JavaScript module that js/bridge.js registers
(or, with none registered, that the provider registers itself: self_start.py).

Everything crosses as JSON strings, so no JavaScript proxy outlives a call.
Stream chunks are pushed by JavaScript into a bounded asyncio queue: Python
awaits them, it never polls, and JavaScript waits while the queue is full.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, TypeVar, cast

from pyodide.ffi import JsException, JsProxy, create_proxy

import js

from ._compat._lite_errors import ConfigurationError
from .contract import Bridge, BridgeError, Description, ProgressCallback, completion_as_chunks
from .engine_settings import EngineSettings
from .protocol import GUIDE_COMPLETE, PYTHON_MODULE, BridgeModule, GpuInfo, ModelRecord, Models

_request_ids = itertools.count(1)
T = TypeVar("T")

# Chunks Python holds for a consumer that has not taken them yet. When they are
# all there, JavaScript waits (it awaits what on_chunk returns) until the consumer
# has taken half, so a stalled consumer stalls the engine, and a slow one costs a
# wake-up of JavaScript per 16 chunks rather than per chunk (measured: bench/README.md).
STREAM_BUFFER = 32


def _bridge_error(reason: object) -> BridgeError:
    """A BridgeError for whatever a promise rejected with: an Error, a string, anything."""
    name = getattr(reason, "name", None)
    message = getattr(reason, "message", None)
    return BridgeError(
        name if isinstance(name, str) and name else "Error", message if isinstance(message, str) else str(reason)
    )


async def _settle(promise: Awaitable[T]) -> T:
    try:
        return await promise
    except JsException as exc:
        raise _bridge_error(exc) from None


async def _call_app_function(function: JsProxy, argument: str) -> str:
    """Call an app's own JavaScript function and settle whatever it returns or rejects with.

    Pyodide cannot hand Python a promise that rejects with something other
    than an Error (a string, as WebLLM's worker handler rejects with and an app
    may pass on): the future it makes for that promise never settles. So the
    promise goes from the app's function straight into ``Promise.allSettled``,
    inside JavaScript, and only the settled outcome reaches Python.
    """
    returned = js.Array.prototype.map.call(js.Array.of(argument), function)  # function(argument, 0, [argument])
    (outcome,) = await js.Promise.allSettled(returned)
    if outcome.status == "rejected":
        raise _bridge_error(outcome.reason)
    value: str = outcome.value  # the app's function answers with JSON text, as the guide's convention has it
    return value


def _next_id() -> str:
    return f"py-{next(_request_ids)}"


class PyodideBridge:
    """The full bridge registered by js/bridge.js as the module ``webllm_bridge``."""

    def __init__(self, js: BridgeModule) -> None:
        self._js = js
        self._description = Description(self._describe)

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        request_id = _next_id()
        try:
            text = await _settle(self._js.complete(json.dumps(request), request_id))
        except asyncio.CancelledError:
            self._js.abort(request_id)
            raise
        completion: dict[str, Any] = json.loads(text)
        return completion

    async def stream(self, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        request_id = _next_id()
        chunks: asyncio.Queue[str | None] = asyncio.Queue()  # None: JavaScript is done
        loop = asyncio.get_running_loop()
        room: asyncio.Future[None] | None = None  # what JavaScript awaits while the buffer is full
        closed = False

        def put(chunk: str) -> asyncio.Future[None] | None:
            nonlocal room
            if closed:
                return None  # nobody reads any more; JavaScript is winding down after the abort
            chunks.put_nowait(chunk)
            if chunks.qsize() < STREAM_BUFFER:
                return None
            room = loop.create_future()
            return room

        def make_room() -> None:
            if room is not None and not room.done():
                room.set_result(None)

        on_chunk = create_proxy(put)
        done = asyncio.ensure_future(_settle(self._js.stream(json.dumps(request), on_chunk, request_id)))

        def finish(_: asyncio.Future[None]) -> None:
            # JavaScript may call on_chunk until its promise settles, so the
            # callback lives exactly that long.
            on_chunk.destroy()
            chunks.put_nowait(None)

        done.add_done_callback(finish)
        finished = False
        try:
            while (item := await chunks.get()) is not None:
                if chunks.qsize() <= STREAM_BUFFER // 2:
                    make_room()
                yield json.loads(item)
            finished = True
            done.result()
        finally:
            if not finished:
                closed = True
                make_room()  # so JavaScript goes on to the end the abort brings
                self._js.abort(request_id)
                done.add_done_callback(lambda f: f.cancelled() or f.exception())

    async def list_models(self) -> list[ModelRecord]:
        return (await self._description.get())["models"]

    async def gpu_info(self) -> GpuInfo:
        return (await self._description.get())["gpu"]

    async def loaded_model(self) -> str | None:
        loaded: str | None = json.loads(self._js.loaded())
        return loaded

    async def load(self, model_id: str, on_progress: ProgressCallback | None = None) -> None:
        callback = create_proxy(lambda report: on_progress(json.loads(report))) if on_progress else None
        try:
            await _settle(self._js.load(model_id, callback))
        finally:
            if callback is not None:
                callback.destroy()

    async def _describe(self) -> Models:
        described: Models = json.loads(await _settle(self._js.models()))
        return described


class CompleteOnlyBridge:
    """An app that registered only the guide's ``js_llm_complete(requestJson)``."""

    def __init__(self, js_llm_complete: JsProxy) -> None:
        self._complete = js_llm_complete

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        completion: dict[str, Any] = json.loads(await _call_app_function(self._complete, json.dumps(request)))
        return completion

    async def stream(self, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        for chunk in completion_as_chunks(await self.complete(request)):
            yield chunk

    async def list_models(self) -> list[dict[str, Any]]:
        return []


def default_bridge(settings: EngineSettings | None = None) -> Bridge | None:
    """The bridge a page registered; else the guide's ``js_llm_complete``; else one the provider starts itself.

    ``settings`` (``worker_url``, ``app_config``) are for an engine the provider
    starts: a page that installed its own bridge chose its engine already. With
    none, a bridge the provider started before serves, whatever its settings.
    """
    from .errors import PROVIDER  # errors imports _compat, which imports this module
    from .self_start import SelfStartingBridge, is_own

    try:
        module = importlib.import_module(PYTHON_MODULE)  # registered by js/bridge.js
    except ImportError:
        module = None
    if module is not None and (settings is None or not is_own(module)):
        if settings is not None:
            raise ConfigurationError(
                "worker_url and app_config are for an engine the provider starts itself, and this page "
                "installed a bridge of its own: set them where the page installs it (workerUrl, appConfig).",
                provider=PROVIDER,
            )
        return PyodideBridge(cast(BridgeModule, module))
    if module is None and settings is None:
        import __main__

        js_llm_complete = getattr(__main__, GUIDE_COMPLETE, None)
        if js_llm_complete is not None:
            return CompleteOnlyBridge(js_llm_complete)
    return SelfStartingBridge(settings or EngineSettings())
