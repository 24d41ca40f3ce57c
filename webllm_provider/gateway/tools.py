"""Tools and response formats for OpenAI clients, on every model.

The plan is the provider's (``webllm_provider.tool_calling``): on WebLLM's
Hermes models, for ``tool_choice`` auto, WebLLM's own function calling; on
every other model, and for ``required``, a named function or
``parallel_tool_calls: false``, the tools go into the system prompt and
WebLLM's grammar holds the reply to their schemas. Either way the reply is
generated whole, read back into OpenAI ``tool_calls`` (checked against each
tool's schema, with ids unique per call) and then sent, streamed as chunks.
The conversation is written back the way the model reads it
(``webllm_provider.messages``), tool results found by their ``tool_call_id``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .. import InvalidRequestError
from ..catalog import native_tools, switches_thinking
from ..messages import to_openai_messages
from ..response import structured_answer
from ..response_format import Format, read_response_format
from ..tool_calling import ToolPlan, apply, plan_tools, read_output, visible_text
from .fields import Invalid, for_webllm


def response_format(chat: dict[str, Any]) -> Format:
    try:
        return read_response_format(chat.get("response_format"))
    except InvalidRequestError as exc:
        raise Invalid(str(exc), "response_format") from None


def tool_plan(chat: dict[str, Any], record: dict[str, Any] | None, answer: Format) -> ToolPlan | None:
    """The plan for a request with tools; None without."""
    if not chat.get("tools"):
        return None
    request = {
        "tools": [tool["function"] for tool in chat["tools"]],
        "tool_choice": chat.get("tool_choice"),
        "parallel_tool_calls": chat.get("parallel_tool_calls"),
    }
    try:
        plan = plan_tools(request, native_model=record is not None and native_tools(record))
    except InvalidRequestError as exc:
        raise Invalid(str(exc), "tool_choice" if "tool_choice" in str(exc) else "tools") from None
    if answer.webllm and plan.native:
        # WebLLM sets its own format for native tools: the grammar path can hold both.
        plan = plan_tools(request, native_model=False)
    if answer.webllm and plan.active and not answer.json_mode:
        raise Invalid("A grammar or structural_tag response_format cannot be combined with tools.", "response_format")
    if answer.json_mode and plan.constrained:
        plan = dataclasses.replace(plan, answer_schema=answer.schema or {"type": "object"})
    return plan


def tab_request(chat: dict[str, Any], plan: ToolPlan | None, answer: Format) -> dict[str, Any]:
    """The request the tab runs: WebLLM's fields, the conversation as the model reads it, the plan applied."""
    body = for_webllm(chat, thinking_switch=switches_thinking(str(chat.get("model") or "")))
    if plan is None:
        if answer.webllm:
            body["response_format"] = answer.webllm
        return body
    try:
        body["messages"] = to_openai_messages(chat["messages"], plan.path, answers_as_json=plan.constrained)
    except InvalidRequestError as exc:
        raise Invalid(str(exc), "messages") from None
    if answer.webllm and not plan.active:
        body["response_format"] = answer.webllm
    apply(plan, body, None)
    return body


def read_back(plan: ToolPlan, completion: dict[str, Any]) -> dict[str, Any]:
    """The completion with the model's reply read back into an answer or checked OpenAI tool calls."""
    choice = completion["choices"][0]
    message = choice.get("message") or {}
    if choice.get("finish_reason") == "length":
        # OpenAI sends a reply cut off at max_tokens as it is, with finish_reason "length" (200): here
        # what of it is answer text; a cut-off call is left out (its arguments cannot parse, and
        # WebLLM sends none on its own path either).
        content = visible_text(plan)(message.get("content") or "") or None
        return {**completion, "choices": [{**choice, "message": {"role": "assistant", "content": content}}]}
    text, calls = read_output(
        plan,
        text=message.get("content") or "",
        tool_calls=message.get("tool_calls") or [],
        finish_reason=choice.get("finish_reason"),
        response_id=completion.get("id"),
    )
    if calls:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in calls
            ],
        }
        choice = {**choice, "message": message, "finish_reason": "tool_calls"}
    else:
        finish_reason = "stop" if choice.get("finish_reason") == "tool_calls" else choice.get("finish_reason")
        choice = {**choice, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}
    return {**completion, "choices": [choice]}


def check_answer(answer: Format, text: str, finish_reason: str | None) -> None:
    """A JSON reply that ended normally must parse and satisfy the schema (StructuredOutputError)."""
    if answer.json_mode and finish_reason == "stop":
        structured_answer(text, answer.schema)
