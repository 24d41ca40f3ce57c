"""Assembling a stream of ChatCompletionChunks into one reply."""

from __future__ import annotations

from typing import Any

from .response import Reply


class StreamAssembler:
    """Feed it chunks in order; it returns each raw text delta and, at the end, the Reply.

    Tool calls may arrive whole (WebLLM puts them in the last chunk) or in
    OpenAI-style pieces keyed by ``index``; both assemble the same way.
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._reply = Reply()

    @property
    def text(self) -> str:
        """Everything said so far, so a stopped stream still has its partial reply."""
        return "".join(self._text)

    def add(self, chunk: dict[str, Any]) -> str:
        """Take one chunk; return the text it added ("" if none)."""
        reply = self._reply
        reply.response_id = reply.response_id or chunk.get("id")
        reply.model = reply.model or chunk.get("model")
        if chunk.get("usage"):
            reply.usage = chunk["usage"]
        added = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                added.append(delta["content"])
            for piece in delta.get("tool_calls") or []:
                self._merge_call(piece)
            if choice.get("finish_reason"):
                reply.finish_reason = choice["finish_reason"]
        text = "".join(added)
        if text:
            self._text.append(text)
        return text

    def stop(self) -> None:
        """The reader stopped the stream: what it has is the reply, ended as WebLLM ends a stopped one."""
        self._reply.finish_reason = "abort"

    def reply(self) -> Reply:
        self._reply.text = self.text
        self._reply.tool_calls = [self._calls[i] for i in sorted(self._calls)]
        return self._reply

    def _merge_call(self, piece: dict[str, Any]) -> None:
        call = self._calls.setdefault(
            piece.get("index", len(self._calls)),
            {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
        )
        call["id"] = piece.get("id") or call["id"]
        function = piece.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            call["function"]["arguments"] += arguments
        elif arguments is not None:
            call["function"]["arguments"] = arguments
