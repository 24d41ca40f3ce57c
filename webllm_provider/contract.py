"""The contract between the provider and whatever runs WebLLM.

The provider only ever talks to an object of this shape. In Pyodide it wraps
the functions ``js/bridge.js`` registers; in CPython tests it is plain Python.
Requests and results are OpenAI-style chat-completion dicts as WebLLM takes and
gives them; see docs/bridge-protocol.md for the JavaScript side.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from .protocol import Models

ProgressCallback = Callable[[dict[str, Any]], None]


@runtime_checkable
class Bridge(Protocol):
    """What every bridge does. The provider asks for the optional parts below with
    ``isinstance``: a bridge without them has no catalog, no GPU report, no loaded
    model to default to, or cannot load models."""

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one non-streamed request; return a ChatCompletion dict."""
        ...

    def stream(self, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        """Run one streamed request; yield ChatCompletionChunk dicts.

        Closing the generator early (``aclose()``) must stop the generation.
        """
        ...


@runtime_checkable
class HasCatalog(Protocol):
    async def list_models(self) -> list[dict[str, Any]]:
        """WebLLM's model catalog, one record per model (see docs/bridge-protocol.md)."""
        ...


@runtime_checkable
class HasGpuInfo(Protocol):
    async def gpu_info(self) -> dict[str, Any]:
        """What WebGPU offers here (a GpuInfo record, docs/bridge-protocol.md)."""
        ...


@runtime_checkable
class HasLoadedModel(Protocol):
    async def loaded_model(self) -> str | None:
        """The id of the model the engine holds now, if any."""
        ...


@runtime_checkable
class CanLoad(Protocol):
    async def load(self, model_id: str, on_progress: ProgressCallback | None = None) -> None:
        """Load (or switch to) a model, reporting WebLLM's InitProgressReports."""
        ...


class Description:
    """A bridge's catalog and GPU, read in one call and then kept.

    Neither changes while the engine lives, so one answer serves ``list_models()``
    and ``gpu_info()``; the loaded model has a call of its own. An answer without a
    GPU report (a gateway no tab has answered yet) is not kept.
    """

    def __init__(self, read: Callable[[], Awaitable[Models]]) -> None:
        self._read = read
        self._kept: Models | None = None

    async def get(self) -> Models:
        if self._kept is not None:
            return self._kept
        described = await self._read()
        if described["gpu"] is not None:
            self._kept = described
        return described


class BridgeError(Exception):
    """A failure reported by the JavaScript side, named by WebLLM's error class.

    ``name`` is what lets the provider map it onto a typed error; ``message``
    is WebLLM's own text, kept whole.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def completion_as_chunks(completion: Any) -> list[Any]:
    """The chunks a streamed request would have produced for ``completion``.

    For bridges that can only complete (an app that registers just the
    guide's ``js_llm_complete``), so ``stream()`` still works, in one piece.
    Parts that are not what WebLLM sends pass through unchanged, for the
    provider's reader to refuse with a typed error.
    """
    if not isinstance(completion, dict) or not isinstance(completion.get("choices"), list):
        return [completion]
    base = {key: completion.get(key) for key in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    choices = []
    for choice in completion["choices"]:
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            choices.append(choice)
            continue
        delta = {"role": "assistant", "content": message.get("content")}
        calls = message.get("tool_calls")
        if calls:
            delta["tool_calls"] = (
                [{"index": i, **call} if isinstance(call, dict) else call for i, call in enumerate(calls)]
                if isinstance(calls, list)
                else calls
            )
        choices.append({"index": choice.get("index", 0), "delta": delta, "finish_reason": choice.get("finish_reason")})
    chunks = [{**base, "choices": choices}]
    if completion.get("usage") is not None:
        chunks.append({**base, "choices": [], "usage": completion["usage"]})
    return chunks
