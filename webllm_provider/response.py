"""WebLLM's reply -> Amplifier's ChatResponse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from . import schema
from ._compat import ChatResponse, Degradation, TextBlock, ThinkingBlock, ToolCallBlock, Usage
from .errors import StructuredOutputError
from .request import Expected
from .stream3_thinking import split_thinking
from .tool_calling import read_output

T = TypeVar("T")

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


class UnusableReply(ValueError):
    """The engine's reply is not a ChatCompletion (or chunk) the provider can read.

    Raised while reading; the provider turns it into a typed error, so a broken
    reply is never mistaken for an empty answer.
    """


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def as_object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UnusableReply(f"{where} is {_kind(value)}, not an object")
    return value


def optional(value: object, kind: type[T], where: str) -> T | None:
    """``value`` if it is None or of ``kind``; anything else makes the reply unusable."""
    if value is not None and not isinstance(value, kind):
        raise UnusableReply(f"{where} is {_kind(value)}, not {kind.__name__}")
    return value


def choices_of(reply: dict[str, Any], where: str) -> list[Any]:
    choices = reply.get("choices")
    if not isinstance(choices, list):
        raise UnusableReply(f"{where} has no choices list")
    return choices


def tool_call_list(value: object, where: str) -> list[dict[str, Any]]:
    calls = optional(value, list, where) or []
    for index, call in enumerate(calls):
        as_object(call, f"{where}[{index}]")
    return calls


@dataclass
class Reply:
    """One reply as WebLLM gave it, before any interpretation.

    A reply with no finish reason ended without WebLLM saying why: it counts
    as finished (``stop``, or ``tool_calls`` when it made calls). A reply
    without usage has ``ChatResponse.usage`` None.
    """

    text: str = ""
    tool_calls: list[dict[str, Any]] | None = None
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    model: str | None = None
    response_id: str | None = None

    @classmethod
    def from_completion(cls, completion: object) -> Reply:
        completion = as_object(completion, "the completion")
        choices = choices_of(completion, "the completion")
        if not choices:
            raise UnusableReply("the completion has no choices")
        choice = as_object(choices[0], "choices[0]")
        message = as_object(choice.get("message"), "choices[0].message")
        return cls(
            text=optional(message.get("content"), str, "choices[0].message.content") or "",
            tool_calls=tool_call_list(message.get("tool_calls"), "choices[0].message.tool_calls"),
            finish_reason=optional(choice.get("finish_reason"), str, "choices[0].finish_reason"),
            usage=optional(completion.get("usage"), dict, "usage"),
            model=optional(completion.get("model"), str, "model"),
            response_id=optional(completion.get("id"), str, "id"),
        )


def to_chat_response(reply: Reply, expected: Expected) -> ChatResponse:
    finish_reason = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    text, calls = read_output(
        expected.plan,
        text=reply.text,
        tool_calls=reply.tool_calls or [],
        finish_reason=finish_reason,
        response_id=reply.response_id,
    )
    thinking, answer = split_thinking(text)
    metadata: dict[str, Any] = {"model": reply.model, "response_id": reply.response_id}
    if expected.json_mode and not calls and finish_reason not in ("abort", "length"):
        metadata["parsed"] = structured_answer(answer, expected.json_schema)
    content: list[Any] = []
    if thinking:
        content.append(ThinkingBlock(thinking=thinking))
    if answer:
        content.append(TextBlock(text=answer))
    content.extend(ToolCallBlock(id=call.id, name=call.name, input=call.arguments) for call in calls)
    extra = (reply.usage or {}).get("extra")
    if isinstance(extra, dict):
        metadata.update({key: extra[key] for key in TIMINGS if key in extra})
    return ChatResponse(
        content=content,
        tool_calls=calls or None,
        usage=_usage(reply.usage),
        finish_reason=finish_reason,
        metadata=metadata,
        degradation=Degradation(**CONSTRAINED_TOOLS) if expected.plan.constrained else None,
    )


def structured_answer(text: str, json_schema: dict[str, Any] | None) -> Any:
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
    # Imported at the first reply, not at start-up: decimal costs Pyodide 10 ms (bench/README.md).
    from decimal import Decimal

    input_tokens = _count(usage, "prompt_tokens")
    output_tokens = _count(usage, "completion_tokens")
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=_count(usage, "total_tokens") or input_tokens + output_tokens,
        cost_usd=Decimal(0),  # a local model: known to cost nothing (None would say "unknown")
    )


def _count(usage: dict[str, Any], name: str) -> int:
    value = usage.get(name)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UnusableReply(f"usage.{name} is {value!r}, not a token count")
    return value
