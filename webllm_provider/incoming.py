"""A request as the provider reads it: converted once, at the door.

Requests arrive as amplifier-core's ``ChatRequest`` (pydantic), this package's
look-alike dataclass, or a plain dict (parsed JSON). ``read_request`` reads
each field the provider uses once, whatever the form, into ``Incoming``;
everything downstream (request, tool_calling, messages) takes that. The
messages and their blocks stay as the caller gave them: messages.py reads
each one once, as it converts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import _access

# Every setting a request may carry, as ChatRequest (or a dict) names it.
SETTINGS = (
    "model",
    "timeout",
    "temperature",
    "top_p",
    "max_output_tokens",
    "max_tokens",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "repetition_penalty",
    "reasoning_effort",
)


@dataclass(frozen=True, slots=True)
class Incoming:
    messages: list[Any] = field(default_factory=list)
    tools: list[Any] = field(default_factory=list)
    tool_choice: Any = None
    parallel_tool_calls: Any = None
    response_format: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # The request's own settings (SETTINGS), those it leaves unset left out.
    settings: dict[str, Any] = field(default_factory=dict)

    def setting(self, names: tuple[str, ...]) -> Any:
        """The first of ``names`` the request sets, else None."""
        return next((self.settings[name] for name in names if name in self.settings), None)


def read_request(request: Any) -> Incoming:
    """``request`` in the provider's own form; an ``Incoming`` as it is."""
    if isinstance(request, Incoming):
        return request
    metadata = _access.get(request, "metadata")
    settings = {name: value for name in SETTINGS if (value := _access.get(request, name)) is not None}
    return Incoming(
        messages=list(_access.get(request, "messages", [])),
        tools=list(_access.get(request, "tools", [])),
        tool_choice=_access.get(request, "tool_choice"),
        parallel_tool_calls=_access.get(request, "parallel_tool_calls"),
        response_format=_access.get(request, "response_format"),
        metadata=metadata if isinstance(metadata, dict) else {},
        settings=settings,
    )
