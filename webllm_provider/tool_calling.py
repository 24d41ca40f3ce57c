"""Tool calling on every model in WebLLM's catalog.

Two paths, chosen per model:

- native: WebLLM's own function calling, on its Hermes models
  (``functionCallingModelIds``), for ``tool_choice`` auto with parallel calls
  allowed. WebLLM then forces the reply into a JSON list of calls, so a model
  that has nothing left to call answers with ``[]``; then the text answer is
  asked for once more without tools (``needs_answer_pass``, the one rule the
  provider and the gateway both follow). WebLLM ignores ``tool_choice`` and
  cannot limit the list, so ``required``, a named function and
  ``parallel_tool_calls: false`` take the constrained path on these models
  too, where the grammar holds the reply to them.
- constrained: every other model. The tools are described in the system
  prompt and the reply is held by WebLLM's grammar engine to a JSON Schema
  built from the tools' own parameter schemas: either ``{"answer": ...}`` or
  ``{"tool_calls": [{"name": ..., "arguments": {...}}, ...]}``.

Either way every call is checked before anyone can run it: a known tool, a
JSON object for arguments, arguments valid under the tool's schema. What
fails raises InvalidToolCallError carrying the model's raw output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _access, replay, schema
from ._compat import InvalidRequestError, InvalidToolCallError, ToolCall
from .errors import PROVIDER
from .incoming import read_request
from .messages import CONSTRAINED, NATIVE
from .stream2_answer import AnswerStream

AUTO, NONE, REQUIRED, NAMED = "auto", "none", "required", "named"
_ANY_OBJECT: dict[str, Any] = {"type": "object"}


@dataclass(frozen=True)
class ToolPlan:
    path: str  # messages.NATIVE or messages.CONSTRAINED
    tools: dict[str, dict[str, Any]]  # name -> {"name", "description", "parameters"}
    choice: str = AUTO
    named: str | None = None
    answer_schema: dict[str, Any] | None = None
    parallel: bool = True  # OpenAI's parallel_tool_calls: false allows one call per reply

    @property
    def active(self) -> bool:
        return bool(self.tools) and self.choice != NONE

    @property
    def native(self) -> bool:
        return self.active and self.path == NATIVE

    @property
    def constrained(self) -> bool:
        return self.active and self.path == CONSTRAINED

    def offered(self) -> list[dict[str, Any]]:
        return [self.tools[self.named]] if self.named else list(self.tools.values())

    def without_tools(self) -> ToolPlan:
        """The same conversation, answered in text: the native path's second pass."""
        return ToolPlan(self.path, self.tools, NONE)


def needs_answer_pass(plan: ToolPlan, calls: list[Any], finish_reason: str | None) -> bool:
    """Whether a reply on the native path means "nothing left to call": ask again without tools.

    WebLLM's native path can only emit a list of calls; an empty list under
    tool_choice auto is the model saying it needs no tool. A reply that ended
    with ``stop`` already is the answer (a bridge that follows this rule
    itself, such as the gateway's).
    """
    return plan.native and plan.choice == AUTO and not calls and finish_reason == "tool_calls"


def plan_tools(request: Any, *, native_model: bool, tool_mode: str = "auto") -> ToolPlan:
    request = read_request(request)
    tools: dict[str, dict[str, Any]] = {}
    for spec in request.tools:
        name = _access.get(spec, "name")
        if not name or not isinstance(name, str):
            raise InvalidRequestError("Every tool needs a name.", provider=PROVIDER)
        parameters = _access.get(spec, "parameters") or _ANY_OBJECT
        if not isinstance(parameters, dict):
            raise InvalidRequestError(f"Tool {name!r}: parameters must be a JSON Schema object.", provider=PROVIDER)
        try:
            schema.check_schema(parameters)
        except schema.SchemaError as exc:
            raise InvalidRequestError(
                f"Tool {name!r}: its parameters schema cannot be checked: {exc}.", provider=PROVIDER
            ) from None
        tools[name] = {"name": name, "description": _access.get(spec, "description", ""), "parameters": parameters}
    choice, named = _choice(request.tool_choice, tools)
    parallel = request.parallel_tool_calls is not False
    # WebLLM honours neither tool_choice nor a limit on the calls: the grammar does (the module's docstring).
    native = tool_mode == "native" or (
        tool_mode == "auto" and native_model and (choice == NONE or (choice == AUTO and parallel))
    )
    return ToolPlan(NATIVE if native else CONSTRAINED, tools, choice, named, parallel=parallel)


def _choice(tool_choice: Any, tools: dict[str, Any]) -> tuple[str, str | None]:
    if tool_choice is None or tool_choice in (AUTO, {"type": "auto"}):
        return AUTO, None
    if tool_choice in (NONE, {"type": "none"}):
        return NONE, None
    if tool_choice in (REQUIRED, "any", {"type": "any"}):
        return REQUIRED, None
    if isinstance(tool_choice, dict):
        name = _access.get(_access.get(tool_choice, "function", {}), "name") or _access.get(tool_choice, "name")
    else:
        name = tool_choice
    if name not in tools:
        raise InvalidRequestError(
            f"tool_choice names {name!r}, which is not one of the request's tools ({', '.join(tools) or 'none'}).",
            provider=PROVIDER,
        )
    return NAMED, name


def output_schema(plan: ToolPlan) -> dict[str, Any]:
    """What the constrained path lets the model write."""
    call_forms = [
        {
            "type": "object",
            "properties": {"name": {"type": "string", "enum": [tool["name"]]}, "arguments": tool["parameters"]},
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        for tool in plan.offered()
    ]
    calls = {
        "type": "object",
        "properties": {
            "tool_calls": {
                "type": "array",
                "minItems": 1,
                **({} if plan.parallel else {"maxItems": 1}),
                "items": {"anyOf": call_forms},
            }
        },
        "required": ["tool_calls"],
        "additionalProperties": False,
    }
    if plan.choice in (REQUIRED, NAMED):
        return calls
    answer = {
        "type": "object",
        "properties": {"answer": plan.answer_schema or {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    return {"anyOf": [answer, calls]}


def instructions(plan: ToolPlan) -> str:
    """The system-prompt text that tells a model without native tools how to use them."""
    lines = ["You can use tools. Each tool, with the JSON Schema of its arguments:"]
    for tool in plan.offered():
        lines.append(f"- {tool['name']}: {tool['description'] or 'no description'}")
        lines.append(f"  arguments: {json.dumps(tool['parameters'], ensure_ascii=False)}")
    lines.append(
        'To call tools, reply with {"tool_calls": [{"name": "<tool>", "arguments": {...}}]}; '
        + ("you may call several at once. " if plan.parallel else "call one tool at a time. ")
        + "Tool results come back in the next message, numbered in the order of your calls."
    )
    if plan.choice == REQUIRED:
        lines.append("You must call at least one tool now.")
    elif plan.choice == NAMED:
        lines.append(f"You must call the tool {plan.named} now.")
    else:
        lines.append('When you can answer without more tools, reply with {"answer": "<your reply>"}.')
    lines.append("Reply with JSON only.")
    return "\n".join(lines)


def apply(plan: ToolPlan, body: dict[str, Any], tool_choice: Any) -> None:
    """Put the plan into a WebLLM request body whose messages are already converted."""
    if plan.native:
        body["tools"] = [
            {"type": "function", "function": {k: v for k, v in tool.items() if v or k != "description"}}
            for tool in plan.offered()
        ]
        if tool_choice is not None:
            body["tool_choice"] = tool_choice
        _fold_system_into_first_user(body["messages"])
    elif plan.constrained:
        messages = body["messages"]
        if messages and messages[0]["role"] == "system":
            messages[0] = {"role": "system", "content": f"{messages[0]['content']}\n\n{instructions(plan)}"}
        else:
            messages.insert(0, {"role": "system", "content": instructions(plan)})
        body["response_format"] = {"type": "json_object", "schema": json.dumps(output_schema(plan))}


def _fold_system_into_first_user(messages: list[dict[str, Any]]) -> None:
    # WebLLM's Hermes path writes its own system prompt and refuses another
    # (CustomSystemPromptError), so the app's system text leads the first user turn.
    if not messages or messages[0]["role"] != "system":
        return
    system = messages.pop(0)["content"]
    for message in messages:
        if message["role"] == "user":
            if isinstance(message["content"], str):
                message["content"] = f"{system}\n\n{message['content']}"
            else:
                first_text = next((p for p in message["content"] if p.get("type") == "text"), None)
                if first_text is None:
                    message["content"].insert(0, {"type": "text", "text": system})
                else:
                    first_text["text"] = f"{system}\n\n{first_text['text']}"
            return
    messages.insert(0, {"role": "user", "content": system})


def visible_text(plan: ToolPlan) -> Callable[[str], str]:
    """A filter from raw streamed output to the text a user should see."""
    if plan.native:
        return _NativeText().feed
    if plan.constrained:
        return AnswerStream().feed
    return lambda text: text


class _NativeText:
    """WebLLM's grammar makes a native reply a JSON array of calls (they arrive whole at
    the end, never as text); a reply that starts otherwise is the text answer a bridge
    asked for already (the gateway follows ``needs_answer_pass`` itself)."""

    def __init__(self) -> None:
        self.calls: bool | None = None

    def feed(self, text: str) -> str:
        if self.calls is None and text.strip():
            self.calls = text.lstrip().startswith("[")
        return "" if self.calls is not False else text


def read_output(
    plan: ToolPlan, *, text: str, tool_calls: list[dict[str, Any]], finish_reason: str | None, response_id: str | None
) -> tuple[str, list[ToolCall]]:
    """The answer text and validated tool calls in a reply.

    Native ``tool_calls`` are read as such whatever path was planned (a bridge
    may run a function-calling model the provider did not know as one), and
    checked against the offered tools all the same.
    """
    if plan.native or (tool_calls and plan.active):
        if finish_reason == "length":
            raise _truncated(text)
        calls = [
            _checked(
                plan,
                (c.get("function") or {}).get("name"),
                (c.get("function") or {}).get("arguments"),
                i,
                c.get("id"),
                response_id,
            )
            for i, c in enumerate(tool_calls)
        ]
        _require_calls(plan, calls, text, finish_reason)
        if not calls and finish_reason == "stop":
            return text, []  # the answer, asked for already (needs_answer_pass)
        return "", calls
    if plan.constrained:
        return _read_constrained(plan, text, finish_reason, response_id)
    if tool_calls:
        name = (tool_calls[0].get("function") or {}).get("name")
        raise InvalidToolCallError(
            f"The model called {name!r}, but the request offered no tools.",
            tool_name=name,
            raw_arguments=json.dumps(tool_calls),
            provider=PROVIDER,
        )
    return text, []


def _read_constrained(
    plan: ToolPlan, text: str, finish_reason: str | None, response_id: str | None
) -> tuple[str, list[ToolCall]]:
    if finish_reason in ("abort", "length"):
        stream = AnswerStream()
        answer = stream.feed(text)
        # An answer cut off at max_tokens is text, as on any path; a call cut off cannot run.
        if finish_reason == "length" and not stream.answering:
            raise _truncated(text)
        return answer, []
    try:
        reply = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidToolCallError(
            f"The model's reply is not the JSON it was held to ({exc.msg} at position {exc.pos}).",
            raw_arguments=text,
            provider=PROVIDER,
        ) from None
    if isinstance(reply, dict) and isinstance(reply.get("tool_calls"), list):
        calls = [
            _checked(
                plan,
                _access.get(call, "name") if isinstance(call, dict) else None,
                call.get("arguments") if isinstance(call, dict) else None,
                i,
                None,
                response_id,
                raw=text,
            )
            for i, call in enumerate(reply["tool_calls"])
        ]
        _require_calls(plan, calls, text, finish_reason)
        replay.remember(replay.calls_key(call.id for call in calls), text)
        return "", calls
    problems = schema.errors(reply, output_schema(plan))
    if problems:
        raise InvalidToolCallError(
            f"The model's reply does not follow the tool format: {'; '.join(problems[:3])}",
            raw_arguments=text,
            provider=PROVIDER,
        )
    answer = reply["answer"]
    answer = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
    replay.remember(replay.answer_key(answer), text)
    return answer, []


def _checked(
    plan: ToolPlan,
    name: Any,
    arguments: Any,
    index: int,
    call_id: Any,
    response_id: str | None,
    *,
    raw: str | None = None,
) -> ToolCall:
    raw_arguments = raw if raw is not None else arguments if isinstance(arguments, str) else json.dumps(arguments)
    allowed = [tool["name"] for tool in plan.offered()]
    if name not in allowed:
        raise InvalidToolCallError(
            f"The model called {name!r}, which is not an offered tool ({', '.join(allowed)}).",
            tool_name=name if isinstance(name, str) else None,
            raw_arguments=raw_arguments,
            provider=PROVIDER,
        )
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise InvalidToolCallError(
                f"The arguments for {name!r} are not valid JSON ({exc.msg} at position {exc.pos}).",
                tool_name=name,
                raw_arguments=raw_arguments,
                provider=PROVIDER,
            ) from None
    if not isinstance(arguments, dict):
        raise InvalidToolCallError(
            f"The arguments for {name!r} are not a JSON object.",
            tool_name=name,
            raw_arguments=raw_arguments,
            provider=PROVIDER,
        )
    problems = schema.errors(arguments, plan.tools[name]["parameters"])
    if problems:
        raise InvalidToolCallError(
            f"The arguments for {name!r} break its schema: {'; '.join(problems[:3])}",
            tool_name=name,
            raw_arguments=raw_arguments,
            provider=PROVIDER,
        )
    # WebLLM numbers calls "0", "1", ... per reply; a conversation needs ids
    # that stay unique across replies so each result finds its call.
    if not call_id or str(call_id).isdigit():
        call_id = f"call_{response_id or 'webllm'}_{index}"
    return ToolCall(id=str(call_id), name=name, arguments=arguments)


def _require_calls(plan: ToolPlan, calls: list[ToolCall], text: str, finish_reason: str | None) -> None:
    if not calls and plan.choice in (REQUIRED, NAMED) and finish_reason != "abort":
        raise InvalidToolCallError(
            "tool_choice required a tool call, but the model made none.", raw_arguments=text, provider=PROVIDER
        )


def _truncated(text: str) -> InvalidToolCallError:
    return InvalidToolCallError(
        "The model's tool-call output was cut off at max_tokens before it was complete. Raise max_tokens.",
        raw_arguments=text,
        provider=PROVIDER,
    )
