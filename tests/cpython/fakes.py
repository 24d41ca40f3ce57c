"""A Python bridge with the provider's bridge contract, shaped like WebLLM's output.

It records every request it is sent and answers from a script, so tests can
assert on exactly what the provider asked WebLLM for.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from webllm_provider import BridgeError
from webllm_provider.messages import CONSTRAINED
from webllm_provider.request import Expected
from webllm_provider.response import Reply, to_chat_response
from webllm_provider.tool_calling import ToolPlan

MODEL = "Qwen2.5-1.5B-Instruct-q4f32_1-MLC"
TIMINGS = {
    "prefill_tokens_per_s": 812.5,
    "decode_tokens_per_s": 41.2,
    "time_to_first_token_s": 0.093,
    "time_per_output_token_s": 0.0243,
    "e2e_latency_s": 0.4,
}


def tokens(text: str) -> list[str]:
    return re.findall(r"\s*\S+|\s+", text)


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "extra": dict(TIMINGS),
    }


def completion(content: str = "Hello there.", *, tool_calls=None, finish_reason="stop", model=MODEL) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
        "usage": usage(11, len(tokens(content or ""))),
    }


def chunks(
    content: str = "Hello there.", *, tool_calls=None, finish_reason="stop", model=MODEL
) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1, "model": model}
    out = [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None, "logprobs": None}
            ],
        }
        for piece in tokens(content)
    ]
    final: dict[str, Any] = {"role": "assistant", "content": ""}
    if tool_calls:
        final["tool_calls"] = [{"index": i, **call} for i, call in enumerate(tool_calls)]
    out.append({**base, "choices": [{"index": 0, "delta": final, "finish_reason": finish_reason, "logprobs": None}]})
    out.append({**base, "choices": [], "usage": usage(11, len(tokens(content)))})
    return out


class FakeBridge:
    def __init__(
        self,
        replies: list[Any] | None = None,
        *,
        models: list[dict[str, Any]] | None = None,
        gpu: dict[str, Any] | None = None,
        chunk_delay: float = 0.0,
    ) -> None:
        self.replies = list(replies or [])
        self.models = models if models is not None else []
        self.gpu = gpu
        self.chunk_delay = chunk_delay
        self.requests: list[dict[str, Any]] = []
        self.methods: list[str] = []  # "complete" or "stream", one per request
        self.aborted: list[dict[str, Any]] = []
        self.loaded: list[str] = []

    def _next(self) -> Any:
        reply = self.replies.pop(0) if self.replies else "You said hi."
        if isinstance(reply, BaseException):
            raise reply
        return reply

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        self.methods.append("complete")
        reply = self._next()
        return completion(reply) if isinstance(reply, str) else reply

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        self.requests.append(request)
        self.methods.append("stream")
        reply = self._next()
        finished = False
        try:
            for chunk in chunks(reply) if isinstance(reply, str) else reply:
                if isinstance(chunk, BaseException):
                    raise chunk
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
                yield chunk
            finished = True
        finally:
            if not finished:
                self.aborted.append(request)

    async def list_models(self) -> list[dict[str, Any]]:
        return self.models

    async def gpu_info(self) -> dict[str, Any] | None:
        return self.gpu

    async def load(self, model_id: str, on_progress=None) -> None:
        if on_progress:
            for step in (0.0, 0.5, 1.0):
                on_progress({"progress": step, "text": f"loading {model_id}", "timeElapsed": step})
        self.loaded.append(model_id)


def webllm_error(name: str, message: str) -> BridgeError:
    return BridgeError(name, message)


NO_TOOLS = Expected(ToolPlan(CONSTRAINED, {}))


def to_response(raw: dict[str, Any], expected: Expected = NO_TOOLS):
    """A ChatCompletion dict read the way the provider reads it."""
    return to_chat_response(Reply.from_completion(raw), expected)


class Hooks:
    """Records what the provider tells the coordinator's hooks, payloads as JSON carries them."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    async def emit(self, event: str, payload: dict[str, Any]) -> None:
        self.seen.append((event, json.loads(json.dumps(payload))))

    def stream(self) -> list[tuple[str, Any]]:
        return [(e, p) for e, p in self.seen if e.startswith("llm:stream")]

    def exchange(self) -> list[tuple[str, Any]]:
        """``llm:request`` and ``llm:response``, which must come in pairs."""
        return [(e, p) for e, p in self.seen if e in ("llm:request", "llm:response")]


class Coordinator:
    def __init__(self) -> None:
        self.hooks = Hooks()
