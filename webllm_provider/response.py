"""WebLLM's reply -> Amplifier's ChatResponse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import schema
from ._compat import ChatResponse, Degradation, TextBlock, ThinkingBlock, ToolCallBlock, Usage
from .deltas import split_thinking
from .errors import StructuredOutputError
from .tool_calling import ToolPlan, read_output

# usage.extra keys WebLLM reports, kept in ChatResponse.metadata as they are
# (the grammar ones only when the reply was grammar-constrained).
TIMINGS = (
    "time_to_first_token_s",
    "prefill_tokens_per_s",
    "decode_tokens_per_s",
    "time_per_output_token_s",
    "e2e_latency_s",
    "grammar_init_s",
    "grammar_per_token_s",
)
# Said on every reply of the constrained tool path, so a caller can tell.
CONSTRAINED_TOOLS = {
    "requested": "native tool calling",
    "actual": "grammar-constrained JSON tool calls",
    "reason": "WebLLM has native function calling only on its Hermes models: the tools are described in the "
    "prompt and WebLLM's grammar engine holds the reply to a JSON Schema built from their parameters.",
}


@dataclass
class Reply:
    """One reply as WebLLM gave it, before any interpretation."""

    text: str = ""
    tool_calls: list[dict[str, Any]] | None = None
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model: str | None = None
    response_id: str | None = None

    @classmethod
    def from_completion(cls, completion: dict[str, Any]) -> Reply:
        choice = (completion.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        return cls(
            text=message.get("content") or "",
            tool_calls=message.get("tool_calls") or [],
            finish_reason=choice.get("finish_reason"),
            usage=completion.get("usage"),
            model=completion.get("model"),
            response_id=completion.get("id"),
        )


@dataclass(frozen=True)
class Expected:
    """What the request asked the reply to be."""

    plan: ToolPlan
    json_mode: bool = False
    json_schema: dict[str, Any] | None = None


def to_chat_response(reply: Reply, expected: Expected) -> ChatResponse:
    text, calls = read_output(
        expected.plan,
        text=reply.text,
        tool_calls=reply.tool_calls or [],
        finish_reason=reply.finish_reason,
        response_id=reply.response_id,
    )
    thinking, answer = split_thinking(text)
    metadata: dict[str, Any] = {"model": reply.model, "response_id": reply.response_id}
    if expected.json_mode and not calls and reply.finish_reason not in ("abort", "length"):
        metadata["parsed"] = _structured(answer, expected.json_schema)
    content: list[Any] = []
    if thinking:
        content.append(ThinkingBlock(thinking=thinking))
    if answer:
        content.append(TextBlock(text=answer))
    content.extend(ToolCallBlock(id=call.id, name=call.name, input=call.arguments) for call in calls)
    extra = (reply.usage or {}).get("extra") or {}
    metadata.update({key: extra[key] for key in TIMINGS if key in extra})
    return ChatResponse(
        content=content,
        tool_calls=calls or None,
        usage=_usage(reply.usage),
        finish_reason=reply.finish_reason,
        metadata=metadata,
        degradation=Degradation(**CONSTRAINED_TOOLS) if expected.plan.constrained else None,
    )


def _structured(text: str, json_schema: dict[str, Any] | None) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StructuredOutputError(
            f"The model's reply is not valid JSON ({exc.msg} at position {exc.pos}).", raw_output=text
        ) from None
    problems = schema.errors(value, json_schema) if json_schema else []
    if problems:
        raise StructuredOutputError(
            f"The model's reply breaks the response schema: {'; '.join(problems[:3])}", raw_output=text
        )
    return value


def _usage(usage: dict[str, Any] | None) -> Usage | None:
    if not usage:
        return None
    input_tokens = int(usage.get("prompt_tokens") or 0)
    output_tokens = int(usage.get("completion_tokens") or 0)
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=int(usage.get("total_tokens") or input_tokens + output_tokens),
    )
