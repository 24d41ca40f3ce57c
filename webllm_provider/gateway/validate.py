"""Checks on a chat-completion body before it is queued: the shape here, the
sampling ranges with the provider's own ``check_sampling``. WebLLM checks the
rest in the tab (and its refusals come back as typed 400s)."""

from __future__ import annotations

from typing import Any

from .. import InvalidRequestError
from ..config import check_sampling
from .fields import Invalid, check_fields

ROLES = ("system", "developer", "user", "assistant", "tool")
MAX_MESSAGES = 2000


def chat_request(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.", "body")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Invalid("messages must be a non-empty list.", "messages")
    if len(messages) > MAX_MESSAGES:
        raise Invalid(f"messages holds {len(messages)} messages; at most {MAX_MESSAGES} are accepted.", "messages")
    for index, message in enumerate(messages):
        _message(message, f"messages[{index}]")
    _typed(body, "model", str)
    _typed(body, "stream", bool)
    _typed(body, "stream_options", dict)
    _typed(body, "tools", list)
    for index, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise Invalid("Every tool must be {type: 'function', function: {name, parameters}}.", f"tools[{index}]")
    check_fields(body)
    if body.get("stream_options") and not body.get("stream"):
        raise Invalid("stream_options is only allowed with stream: true.", "stream_options")
    try:
        check_sampling(body)
    except InvalidRequestError as exc:
        raise Invalid(str(exc), "sampling") from None
    return body


def _message(message: object, where: str) -> None:
    if not isinstance(message, dict):
        raise Invalid(f"{where} must be an object.", where)
    if message.get("role") not in ROLES:
        raise Invalid(f"{where}.role must be one of {', '.join(ROLES)}.", f"{where}.role")
    content = message.get("content")
    if content is None and not (message["role"] == "assistant" and message.get("tool_calls")):
        raise Invalid(f"{where}.content is missing.", f"{where}.content")
    if content is not None and not isinstance(content, str | list):
        raise Invalid(f"{where}.content must be a string or a list of parts.", f"{where}.content")
    if isinstance(content, list) and not all(isinstance(part, dict) and "type" in part for part in content):
        raise Invalid(f"{where}.content parts must be objects with a type.", f"{where}.content")


def _typed(body: dict[str, Any], name: str, kind: type) -> None:
    value = body.get(name)
    if value is not None and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
        raise Invalid(f"{name} must be a {kind.__name__}.", name)
