"""A ChatRequest -> the chat-completion request dict WebLLM takes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from . import _access
from ._compat import InvalidRequestError
from .config import ProviderConfig, check_sampling
from .messages import to_openai_messages
from .response import Expected
from .tool_calling import ToolPlan, apply

# ChatRequest field (or **kwargs key) -> WebLLM request field.
_OVERRIDES = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_output_tokens": "max_tokens",
    "max_tokens": "max_tokens",
    "stop": "stop",
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "repetition_penalty": "repetition_penalty",
}


def build_request(
    request: Any,
    config: ProviderConfig,
    *,
    model: str | None,
    stream: bool,
    plan: ToolPlan,
    overrides: dict[str, Any] | None = None,
    vision: bool | None = None,
) -> tuple[dict[str, Any], Expected]:
    """The request body, and what its reply is expected to be.

    ``vision`` says whether the model can take images (None: unknown, let
    WebLLM decide).
    """
    messages = to_openai_messages(
        list(_access.get(request, "messages", [])), plan.path, answers_as_json=plan.constrained
    )
    if not messages:
        raise InvalidRequestError("The request has no messages.", provider="webllm")
    if vision is False:
        _refuse_images(messages, model)
    if messages[-1]["role"] not in ("user", "tool"):
        raise InvalidRequestError(
            f"The last message must be from the user or a tool result, not {messages[-1]['role']!r}: "
            "WebLLM generates only in answer to one.",
            provider="webllm",
        )
    body: dict[str, Any] = {"messages": messages, **config.sampling()}
    for source in (request, overrides or {}):
        for name, target in _OVERRIDES.items():
            value = _access.get(source, name)
            if value is not None:
                body[target] = [value] if target == "stop" and isinstance(value, str) else value
    check_sampling(body)
    if model:
        body["model"] = model
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    json_mode, json_schema = _response_format(_access.get(request, "response_format"))
    if json_mode and plan.native:
        raise InvalidRequestError(
            "WebLLM's function-calling models cannot combine native tools with a response_format "
            "(WebLLM sets its own). Use tool_mode='constrained' for both at once.",
            provider="webllm",
        )
    if json_mode and plan.constrained:
        plan = dataclasses.replace(plan, answer_schema=json_schema or {"type": "object"})
    elif json_mode:
        # WebLLM takes the schema as a JSON string inside a json_object format, and
        # 0.2.86 fails without one (GrammarMatcherInitError): plain JSON mode asks for an object.
        body["response_format"] = {"type": "json_object", "schema": json.dumps(json_schema or {"type": "object"})}
    apply(plan, body, _access.get(request, "tool_choice"))
    return body, Expected(plan, json_mode, json_schema)


def _response_format(response_format: Any) -> tuple[bool, dict[str, Any] | None]:
    kind = _access.get(response_format, "type")
    if kind in (None, "text"):
        return False, None
    if kind in ("json", "json_object"):
        return True, None
    if kind == "json_schema":
        schema = _access.get(response_format, "json_schema") or _access.get(response_format, "schema")
        if not isinstance(schema, dict):
            raise InvalidRequestError("response_format json_schema needs a JSON Schema object.", provider="webllm")
        return True, schema
    raise InvalidRequestError(f"response_format type {kind!r} is not text, json or json_schema.", provider="webllm")


def _refuse_images(messages: list[dict[str, Any]], model: str | None) -> None:
    for index, message in enumerate(messages):
        if isinstance(message["content"], list):
            raise InvalidRequestError(
                f"messages[{index}].content has an image, but {model} reads text only. "
                "Pick a vision model (its capabilities list 'vision') or send text.",
                provider="webllm",
            )
