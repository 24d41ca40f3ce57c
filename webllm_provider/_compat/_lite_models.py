"""Lightweight stand-ins for amplifier-core's models, for when it cannot import.

Inside Pyodide there is neither amplifier-core nor pydantic. These dataclasses
carry the same field names and meanings as amplifier-core's ``message_models``
and ``models`` (a CPython test checks that), so code written against one reads
the same against the other. They validate nothing: the provider checks what
it needs itself.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:  # decimal costs Pyodide 10 ms of start-up; response.py imports it at the first reply
    from decimal import Decimal

__all__ = [
    "ChatRequest",
    "ChatResponse",
    "ConfigField",
    "Degradation",
    "ImageBlock",
    "Message",
    "ModelInfo",
    "Pricing",
    "ProviderInfo",
    "RedactedThinkingBlock",
    "TextBlock",
    "ThinkingBlock",
    "ToolCall",
    "ToolCallBlock",
    "ToolResultBlock",
    "ToolSpec",
    "Usage",
]


class _Model:
    """``model_dump()`` like pydantic's, so callers need not care which they hold."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # every subclass is a dataclass

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return dataclasses.asdict(self, dict_factory=_dumped)


def _dumped(items: list[tuple[str, Any]]) -> dict[str, Any]:
    # amplifier-core serializes a Decimal (Usage.cost_usd) as a string on every path. Until something
    # imports decimal, no value is a Decimal.
    decimal = sys.modules.get("decimal")
    if decimal is None:
        return dict(items)
    return {key: str(value) if isinstance(value, decimal.Decimal) else value for key, value in items}


@dataclass(kw_only=True)
class TextBlock(_Model):
    text: str
    type: Literal["text"] = "text"
    visibility: str | None = None


@dataclass(kw_only=True)
class ThinkingBlock(_Model):
    thinking: str
    signature: str | None = None
    type: Literal["thinking"] = "thinking"
    visibility: str | None = None
    content: list[Any] | None = None


@dataclass(kw_only=True)
class RedactedThinkingBlock(_Model):
    data: str
    type: Literal["redacted_thinking"] = "redacted_thinking"
    visibility: str | None = None


@dataclass(kw_only=True)
class ToolCallBlock(_Model):
    id: str
    name: str
    input: dict[str, Any]
    type: Literal["tool_call"] = "tool_call"
    visibility: str | None = None


@dataclass(kw_only=True)
class ToolResultBlock(_Model):
    tool_call_id: str
    output: Any
    type: Literal["tool_result"] = "tool_result"
    visibility: str | None = None


@dataclass(kw_only=True)
class ImageBlock(_Model):
    source: dict[str, Any]
    type: Literal["image"] = "image"
    visibility: str | None = None


@dataclass(kw_only=True)
class Message(_Model):
    role: str
    content: str | list[Any]
    name: str | None = None
    tool_call_id: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(kw_only=True)
class ToolSpec(_Model):
    name: str
    parameters: dict[str, Any]
    description: str | None = None


@dataclass(kw_only=True)
class ChatRequest(_Model):
    messages: list[Any]
    tools: list[Any] | None = None
    response_format: Any = None
    temperature: float | None = None
    top_p: float | None = None
    max_output_tokens: int | None = None
    conversation_id: str | None = None
    stream: bool | None = False
    metadata: dict[str, Any] | None = None
    model: str | None = None
    tool_choice: str | dict[str, Any] | None = None
    stop: list[str] | None = None
    reasoning_effort: str | None = None
    timeout: float | None = None


@dataclass(kw_only=True)
class ToolCall(_Model):
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(kw_only=True)
class Usage(_Model):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    reasoning_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost_usd: Decimal | None = None


@dataclass(kw_only=True)
class Degradation(_Model):
    requested: str
    actual: str
    reason: str


@dataclass(kw_only=True)
class ChatResponse(_Model):
    content: list[Any]
    tool_calls: list[ToolCall] | None = None
    usage: Usage | None = None
    degradation: Degradation | None = None
    finish_reason: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(kw_only=True)
class ConfigField(_Model):
    id: str
    display_name: str
    prompt: str
    field_type: str = "text"
    env_var: str | None = None
    choices: list[str] | None = None
    required: bool = True
    default: str | None = None


@dataclass(kw_only=True)
class Pricing(_Model):
    input_per_million: float
    output_per_million: float
    cache_read_per_million: float | None = None
    cache_write_per_million: float | None = None
    currency: str = "USD"


@dataclass(kw_only=True)
class ModelInfo(_Model):
    id: str
    display_name: str
    context_window: int
    max_output_tokens: int
    capabilities: list[str] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    pricing: Pricing | None = None


@dataclass(kw_only=True)
class ProviderInfo(_Model):
    id: str
    display_name: str
    credential_env_vars: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    config_fields: list[ConfigField] = field(default_factory=list)
