"""The last step of a stream: a reply's pieces as the provider streaming contract's hook events.

amplifier-foundation's ``docs/provider-streaming-contract.md``: one
``request_id`` per stream; blocks numbered in one 0-based ``block_index``
space; ``sequence`` counts the deltas of each block from 0; no empty delta;
``tool_use`` blocks open with the tool's name and close with no deltas;
``llm:stream_aborted`` only after a delta was emitted. WebLLM's chunks have no
block boundaries, so blocks start whenever the kind of text changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .deltas import Piece, ThinkingDelta
from .events import (
    STREAM_ABORTED,
    STREAM_BLOCK_DELTA,
    STREAM_BLOCK_END,
    STREAM_BLOCK_START,
    TEXT,
    THINKING,
    TOOL_USE,
)

Emit = Callable[[str, dict[str, Any]], Awaitable[None]]


class HookStream:
    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        import uuid  # on the first stream, not at start-up: importing it costs start-up in Pyodide

        self.request_id = str(uuid.uuid4())
        self._index = -1
        self._open: str | None = None
        self._sequence = 0
        self.partial = False

    async def delta(self, piece: Piece) -> None:
        if not piece.text:
            return
        block_type = THINKING if isinstance(piece, ThinkingDelta) else TEXT
        if block_type != self._open:
            await self._end()
            await self._start(block_type)
        payload = {
            "request_id": self.request_id,
            "block_index": self._index,
            "block_type": block_type,
            "sequence": self._sequence,
            "text": piece.text,
        }
        # Counted before the await: a cancel that lands while the hooks run
        # still owes them llm:stream_aborted for the delta they already have.
        self._sequence += 1
        self.partial = True
        await self._emit(STREAM_BLOCK_DELTA, payload)

    async def finish(self, tool_names: list[str]) -> None:
        """The reply is complete: close the open block, then one block per tool call."""
        await self._end()
        for name in tool_names:
            await self._start(TOOL_USE, name=name)
            await self._end()

    async def aborted(self, error: BaseException) -> None:
        if self.partial:
            message = str(error) or f"the stream was stopped ({type(error).__name__})"
            await self._emit(
                STREAM_ABORTED,
                {"request_id": self.request_id, "error": {"type": type(error).__name__, "msg": message}},
            )

    async def _start(self, block_type: str, *, name: str | None = None) -> None:
        self._index += 1
        self._open, self._sequence = block_type, 0
        payload: dict[str, Any] = {"request_id": self.request_id, "block_index": self._index, "block_type": block_type}
        if name:
            payload["name"] = name
        await self._emit(STREAM_BLOCK_START, payload)

    async def _end(self) -> None:
        if self._open is None:
            return
        block_type, self._open = self._open, None
        await self._emit(
            STREAM_BLOCK_END, {"request_id": self.request_id, "block_index": self._index, "block_type": block_type}
        )
