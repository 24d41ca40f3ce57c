"""A ChatRequest -> the chat-completion request dict WebLLM takes."""

from __future__ import annotations

import dataclasses
from typing import Any

from ._compat import InvalidRequestError
from .catalog import switches_thinking
from .config import ProviderConfig, check_sampling
from .errors import PROVIDER
from .incoming import Incoming, read_request
from .messages import to_openai_messages
from .response_format import read_response_format
from .tool_calling import ToolPlan, apply

# reasoning_effort values that mean "do not think".
NO_THINKING = ("none", "minimal")

# WebLLM request field -> the names a ChatRequest or a call's keyword arguments give it.
_SAMPLING = {
    "temperature": ("temperature",),
    "top_p": ("top_p",),
    "max_tokens": ("max_output_tokens", "max_tokens"),
    "stop": ("stop",),
    "seed": ("seed",),
    "frequency_penalty": ("frequency_penalty",),
    "presence_penalty": ("presence_penalty",),
    "repetition_penalty": ("repetition_penalty",),
}


@dataclasses.dataclass(frozen=True)
class Expected:
    """What the request asked the reply to be."""

    plan: ToolPlan
    json_mode: bool = False
    json_schema: dict[str, Any] | None = None


def setting(names: tuple[str, ...], request: Incoming, overrides: dict[str, Any] | None, default: Any = None) -> Any:
    """One precedence for every setting: the request's value, else the call's keyword
    argument, else ``default`` (the provider's config)."""
    value = request.setting(names)
    if value is not None:
        return value
    return next((v for name in names if (v := (overrides or {}).get(name)) is not None), default)


def build_request(
    request: Any,
    config: ProviderConfig,
    *,
    model: str | None,
    plan: ToolPlan,
    overrides: dict[str, Any] | None = None,
    vision: bool | None = None,
) -> tuple[dict[str, Any], Expected]:
    """The request body, and what its reply is expected to be.

    ``vision`` says whether the model can take images (None: unknown, let
    WebLLM decide).
    """
    request = read_request(request)
    messages = to_openai_messages(request.messages, plan.path, answers_as_json=plan.constrained)
    if not messages:
        raise InvalidRequestError("The request has no messages.", provider=PROVIDER)
    if vision is False:
        _refuse_images(messages, model)
    if messages[-1]["role"] not in ("user", "tool"):
        raise InvalidRequestError(
            f"The last message must be from the user or a tool result, not {messages[-1]['role']!r}: "
            "WebLLM generates only in answer to one.",
            provider=PROVIDER,
        )
    body: dict[str, Any] = {"messages": messages}
    configured = config.sampling()
    for target, names in _SAMPLING.items():
        value = setting(names, request, overrides, configured.get(target))
        if value is not None:
            body[target] = [value] if target == "stop" and isinstance(value, str) else value
    check_sampling(body)
    if model:
        body["model"] = model
        thinking = _thinking(request, overrides or {})
        if thinking is not None and switches_thinking(model):
            body["extra_body"] = {"enable_thinking": thinking}
    response_format = read_response_format(request.response_format)
    if response_format.webllm and plan.native:
        raise InvalidRequestError(
            "WebLLM's function-calling models cannot combine native tools with a response_format "
            "(WebLLM sets its own). Use tool_mode='constrained' for both at once.",
            provider=PROVIDER,
        )
    if response_format.webllm and plan.constrained and not response_format.json_mode:
        raise InvalidRequestError(
            f"response_format type {response_format.webllm['type']!r} cannot be combined with tools: "
            "the tools are held to a JSON grammar of their own.",
            provider=PROVIDER,
        )
    if response_format.json_mode and plan.constrained:
        plan = dataclasses.replace(plan, answer_schema=response_format.schema or {"type": "object"})
    elif response_format.webllm and not plan.constrained:
        body["response_format"] = response_format.webllm
    apply(plan, body, request.tool_choice)
    return body, Expected(plan, response_format.json_mode, response_format.schema)


def _thinking(request: Incoming, overrides: dict[str, Any]) -> bool | None:
    """Whether the caller asked for thinking on or off; None if they did not say.

    Amplifier asks with ``reasoning_effort`` (on the request or as a keyword),
    its orchestrators also with ``extended_thinking=True``.
    """
    effort = setting(("reasoning_effort",), request, overrides)
    if effort is not None:
        return effort not in NO_THINKING
    return True if overrides.get("extended_thinking") else None


def _refuse_images(messages: list[dict[str, Any]], model: str | None) -> None:
    for index, message in enumerate(messages):
        if isinstance(message["content"], list):
            raise InvalidRequestError(
                f"messages[{index}].content has an image, but {model} reads text only. "
                "Pick a vision model (its capabilities list 'vision') or send text.",
                provider=PROVIDER,
            )
