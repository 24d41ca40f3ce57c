"""The first step of a stream: WebLLM's ChatCompletionChunks, assembled into one reply.

The steps, in order: stream1_chunks (chunks -> raw text and the Reply),
stream2_answer (the constrained path's JSON -> its answer text), stream3_thinking
(text -> thinking and answer pieces), stream4_hooks (pieces -> Amplifier's hook events).
"""

from __future__ import annotations

from typing import Any

from .response import Reply, UnusableReply, as_object, choices_of, optional, tool_call_list


class StreamAssembler:
    """Feed it chunks in order; it returns each raw text delta and, at the end, the Reply.

    Tool calls may arrive whole (WebLLM puts them in the last chunk) or in
    OpenAI-style pieces keyed by ``index``; both assemble the same way.
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._reply = Reply()
        self._choices = 0

    @property
    def text(self) -> str:
        """Everything said so far, so a stopped stream still has its partial reply."""
        return "".join(self._text)

    def add(self, chunk: object) -> str:
        """Take one chunk; return the text it added ("" if none)."""
        chunk = as_object(chunk, "a stream chunk")
        reply = self._reply
        reply.response_id = reply.response_id or optional(chunk.get("id"), str, "chunk id")
        reply.model = reply.model or optional(chunk.get("model"), str, "chunk model")
        if chunk.get("usage"):
            reply.usage = as_object(chunk["usage"], "usage")
        added = []
        for index, choice in enumerate(choices_of(chunk, "a stream chunk")):
            choice = as_object(choice, f"chunk choices[{index}]")
            delta = as_object(choice.get("delta"), f"chunk choices[{index}].delta")
            content = optional(delta.get("content"), str, "delta.content")
            if content:
                added.append(content)
            for piece in tool_call_list(delta.get("tool_calls"), "delta.tool_calls"):
                self._merge_call(piece)
            finish_reason = optional(choice.get("finish_reason"), str, "finish_reason")
            if finish_reason:
                reply.finish_reason = finish_reason
            self._choices += 1
        text = "".join(added)
        if text:
            self._text.append(text)
        return text

    def stop(self) -> None:
        """The reader stopped the stream: what it has is the reply, ended as WebLLM ends a stopped one."""
        self._reply.finish_reason = "abort"

    def reply(self) -> Reply:
        """The whole reply; a stream that never carried a choice has none to give."""
        if not self._choices:
            raise UnusableReply("the stream ended without a single choice")
        self._reply.text = self.text
        self._reply.tool_calls = [self._calls[i] for i in sorted(self._calls)]
        return self._reply

    def _merge_call(self, piece: dict[str, Any]) -> None:
        index = optional(piece.get("index"), int, "tool_calls index")
        call = self._calls.setdefault(
            len(self._calls) if index is None else index,
            {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
        )
        call["id"] = optional(piece.get("id"), str, "tool call id") or call["id"]
        function = as_object(piece.get("function") or {}, "tool call function")
        call["function"]["name"] += optional(function.get("name"), str, "tool call name") or ""
        arguments = function.get("arguments")
        if isinstance(arguments, str) and isinstance(call["function"]["arguments"], str):
            call["function"]["arguments"] += arguments
        elif arguments is not None:
            call["function"]["arguments"] = arguments
