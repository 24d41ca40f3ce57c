"""Tools for OpenAI clients on models WebLLM cannot give tools to.

WebLLM takes ``tools`` only on its Hermes models; there the request passes
through as it is. On every other model the gateway takes the provider's
constrained path (``webllm_provider.tool_calling``): the tools go into the
system prompt, WebLLM's grammar holds the reply to their schemas, and the
reply is read back into OpenAI ``tool_calls``, checked against each tool's
schema. Such a reply is generated whole and then sent (streamed as one chunk).
"""

from __future__ import annotations

import json
from typing import Any

from ..catalog import native_tools
from ..messages import CONSTRAINED, to_openai_messages
from ..tool_calling import ToolPlan, apply, plan_tools, read_output


def constrained_plan(chat: dict[str, Any], record: dict[str, Any] | None) -> ToolPlan | None:
    """The plan for a request with tools for a model without native ones; else None."""
    if not chat.get("tools") or (record is not None and native_tools(record)):
        return None
    tools = [tool["function"] for tool in chat["tools"]]
    return plan_tools({"tools": tools, "tool_choice": chat.get("tool_choice")}, native_model=False)


def constrain(chat: dict[str, Any], plan: ToolPlan) -> dict[str, Any]:
    """The request the tab runs: no ``tools``, the plan in prompt and response format."""
    body = {key: value for key, value in chat.items() if key not in ("tools", "tool_choice")}
    body["messages"] = to_openai_messages(chat["messages"], CONSTRAINED, answers_as_json=plan.constrained)
    apply(plan, body, None)
    return body


def read_back(plan: ToolPlan, completion: dict[str, Any]) -> dict[str, Any]:
    """The completion with the model's constrained JSON read back into an answer or tool calls."""
    choice = completion["choices"][0]
    message = choice.get("message") or {}
    text, calls = read_output(
        plan,
        text=message.get("content") or "",
        tool_calls=[],
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
        choice = {**choice, "message": {**message, "content": text}}
    return {**completion, "choices": [choice]}
