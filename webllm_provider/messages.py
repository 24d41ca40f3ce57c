"""Amplifier messages -> the OpenAI-style messages WebLLM accepts.

WebLLM is stricter than OpenAI: one system message, first; assistant content
must be a string; at most one text part per user message; and it only shows
the model an assistant turn's content. Everything Amplifier can say is mapped
onto that faithfully:

- leading system and developer messages merge into the one system message;
  a later one keeps its place as a user turn marked ``[system]``;
- thinking is written back as ``<think>...</think>``, the form the reasoning
  models in WebLLM's catalog emit;
- tool calls and results are written the way the model itself reads and
  writes them, which depends on the tool path (see ``tool_calling``); a
  constrained reply this process received is written back exactly as the
  model wrote it (``replay``), so that WebLLM can reuse its KV cache:
  ``NATIVE`` for WebLLM's function-calling models (the call list as JSON, as
  its grammar has the model write it: ``native_calls``; tool
  results as ``role: tool`` messages in Hermes' ``{"name", "content"}`` form,
  the name found by the result's ``tool_call_id``), ``CONSTRAINED`` for every other model
  (calls as the constrained JSON the model emits, results as user turns,
  because most chat templates in WebLLM have no tool role).

Nothing is dropped silently: the one thing no local model can read, an
encrypted redacted-thinking block, is dropped with a warning.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from . import _access, replay
from ._compat import InvalidRequestError
from .errors import PROVIDER

logger = logging.getLogger(__name__)

NATIVE = "native"
CONSTRAINED = "constrained"
_SYSTEM_ROLES = ("system", "developer")


def to_openai_messages(
    messages: list[Any], style: str = CONSTRAINED, *, answers_as_json: bool = False
) -> list[dict[str, Any]]:
    """Convert; ``answers_as_json`` writes past plain answers as ``{"answer": ...}``."""
    converter = _Converter(style, answers_as_json)
    for index, message in enumerate(messages):
        converter.add(index, message)
    return converter.result()


def native_calls(calls: list[tuple[str, dict[str, Any]]]) -> str:
    """(name, arguments) pairs as a WebLLM function-calling model writes them: WebLLM holds its reply to
    ``officialHermes2FunctionCallSchemaArray``, whose objects list ``arguments`` before ``name``, and its
    grammar keeps that order. Written back the same way, a call's tokens match the ones in WebLLM's KV
    cache, and a model sees in its history what it writes."""
    return json.dumps([{"arguments": arguments, "name": name} for name, arguments in calls], ensure_ascii=False)


def tool_output_text(output: Any) -> str:
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False, default=str)


_Call = tuple[str, str, dict[str, Any]]  # id, tool name, arguments


def _assistant_parts(message: Any, content: Any, index: int) -> tuple[list[str], str, list[_Call]]:
    """An assistant message's thinking, text and tool calls, from its blocks and its ``tool_calls``."""
    thinking: list[str] = []
    texts: list[str] = []
    calls: list[_Call] = []
    for block in _blocks(content):
        kind = _type(block)
        if kind == "text":
            texts.append(_access.get(block, "text", ""))
        elif kind == "thinking":
            thinking.append(_access.get(block, "thinking", ""))
        elif kind == "reasoning":
            thinking.extend(_access.get(part, "text", "") for part in _access.get(block, "summary", []))
        elif kind == "tool_call":
            calls.append((str(_access.get(block, "id")), _access.get(block, "name"), _access.get(block, "input", {})))
        else:
            _unshowable(kind, index)
    # Amplifier's orchestrators (loop-basic, loop-streaming) store each call twice: as a content
    # block and in ``tool_calls`` as {"id", "tool", "arguments"}; OpenAI's form is {"id", "function"}.
    in_blocks = {call_id for call_id, _, _ in calls}
    for call in _access.get(message, "tool_calls", []):
        call_id = str(_access.get(call, "id"))
        if call_id in in_blocks:
            continue
        function = _access.get(call, "function", call)
        arguments = _access.get(function, "arguments", {})
        if isinstance(arguments, str):
            arguments = json.loads(arguments) if arguments.strip() else {}
        calls.append((call_id, _access.get(function, "name") or _access.get(call, "tool"), arguments))
    return thinking, "\n".join(t for t in texts if t), calls


def _blocks(content: Any) -> list[Any]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _type(block: Any) -> str:
    kind: str = _access.get(block, "type", "")
    return kind


class _Converter:
    def __init__(self, style: str, answers_as_json: bool) -> None:
        self.style = style
        self.answers_as_json = answers_as_json
        self.system: list[str] = []
        self.out: list[dict[str, Any]] = []
        # call id -> its tool's name, and its place in its turn's call list (from 1)
        self.calls: dict[str, tuple[str, int]] = {}
        self.unanswered: list[str] = []  # call ids without a result yet, in the order they were made
        self.results_at = -1  # index of the user turn that collects tool results

    def result(self) -> list[dict[str, Any]]:
        if self.system:
            return [{"role": "system", "content": "\n\n".join(self.system)}, *self.out]
        return self.out

    def add(self, index: int, message: Any) -> None:
        role = _access.get(message, "role")
        content = _access.get(message, "content", "")
        if role in _SYSTEM_ROLES:
            text = self._plain_text(content, index)
            if self.out:
                self.out.append({"role": "user", "content": f"[system] {text}"})
            else:
                self.system.append(text)
        elif role == "user":
            self._user(content, index)
        elif role == "assistant":
            self._assistant(message, content, index)
        elif role in ("tool", "function"):
            self._tool(message, content, index)
        else:
            raise InvalidRequestError(
                f"messages[{index}].role {role!r} is not one of system, developer, user, assistant, tool.",
                provider=PROVIDER,
            )

    def _plain_text(self, content: Any, index: int) -> str:
        parts = []
        for block in _blocks(content):
            if _type(block) != "text":
                raise InvalidRequestError(
                    f"messages[{index}] is a system message and can only hold text, not {_type(block)!r}.",
                    provider=PROVIDER,
                )
            parts.append(_access.get(block, "text", ""))
        return "\n\n".join(parts)

    def _user(self, content: Any, index: int) -> None:
        if isinstance(content, str):  # the common case, kept cheap
            if not content.strip():
                raise _empty(index)
            self.out.append({"role": "user", "content": content})
            return
        texts: list[str] = []
        images: list[dict[str, Any]] = []
        had_results = False
        for block in _blocks(content):
            kind = _type(block)
            if kind == "text":
                texts.append(_access.get(block, "text", ""))
            elif kind == "tool_result":
                had_results = True
                self._tool_result(_access.get(block, "tool_call_id", ""), _access.get(block, "output", ""))
            elif kind == "image":
                images.append({"type": "image_url", "image_url": {"url": _image_url(block, index)}})
            elif kind == "thinking":
                texts.append(_access.get(block, "thinking", ""))
            else:
                _unshowable(kind, index)
        text = "\n\n".join(texts)
        if not text.strip() and not images and not had_results:
            raise _empty(index)
        if images:
            self.out.append({"role": "user", "content": [{"type": "text", "text": text}, *images] if texts else images})
        elif texts or not had_results:
            self.out.append({"role": "user", "content": text})

    def _assistant(self, message: Any, content: Any, index: int) -> None:
        if isinstance(content, str) and not _access.get(message, "tool_calls"):  # the common case, kept cheap
            text = self._json_answer(content) if self.answers_as_json else content
            self.out.append({"role": "assistant", "content": text})
            return
        thinking, text, calls = _assistant_parts(message, content, index)
        self.calls.update((call_id, (name, place)) for place, (call_id, name, _) in enumerate(calls, 1))
        self.unanswered = [call_id for call_id, _, _ in calls]
        out: dict[str, Any] = {"role": "assistant", "content": self._as_written(thinking, text, calls)}
        if calls and self.style == NATIVE:
            out["tool_calls"] = [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
                }
                for call_id, name, arguments in calls
            ]
        self.out.append(out)

    def _as_written(self, thinking: list[str], text: str, calls: list[_Call]) -> str:
        """An assistant turn as the model wrote it on this path (the constrained path's own words when kept)."""
        parts = [f"<think>\n{t}\n</think>" for t in thinking if t]
        if self.style == NATIVE:
            parts.append(native_calls([(name, arguments) for _, name, arguments in calls]) if calls else text)
        elif calls:
            said = [{"name": name, "arguments": arguments} for _, name, arguments in calls]
            said_raw = replay.recall(replay.calls_key(call_id for call_id, _, _ in calls))
            parts.append(said_raw or json.dumps({"tool_calls": said}, ensure_ascii=False))
        else:
            parts.append(self._json_answer(text) if self.answers_as_json else text)
        return "\n".join(p for p in parts if p)

    @staticmethod
    def _json_answer(text: str) -> str:
        return replay.recall(replay.answer_key(text)) or json.dumps({"answer": text}, ensure_ascii=False)

    def _tool(self, message: Any, content: Any, index: int) -> None:
        if not isinstance(content, str) and content and all(_type(b) == "tool_result" for b in content):
            for block in content:
                self._tool_result(_access.get(block, "tool_call_id", ""), _access.get(block, "output", ""))
            return
        # A result without its call's id answers the next call still unanswered (Amplifier's
        # provider-chat-completions sends plain-text results so; local servers match them in order).
        call_id = (
            _access.get(message, "tool_call_id")
            or _access.get(message, "name")
            or (self.unanswered[0] if self.unanswered else None)
        )
        if not call_id:
            raise InvalidRequestError(f"messages[{index}] is a tool result without a tool_call_id.", provider=PROVIDER)
        self._tool_result(call_id, content if isinstance(content, str) else self._plain_text(content, index))

    def _tool_result(self, call_id: str, output: Any) -> None:
        if call_id in self.unanswered:
            self.unanswered.remove(call_id)
        text = tool_output_text(output)
        # WebLLM shows the model a tool message's content only: the call's id becomes its tool's name.
        name, place = self.calls.get(call_id, ("unknown tool", None))
        if self.style == NATIVE:
            # Hermes' own tool-response form: {"name": ..., "content": ...}.
            if not _in_hermes_form(text, name):
                text = json.dumps({"name": name, "content": text}, ensure_ascii=False)
            self.out.append({"role": "tool", "content": text, "tool_call_id": call_id})
            return
        # A call is named by its place in the call list the model wrote, which holds no ids: a client's
        # id (a new uuid each run) would be tokens the model never wrote, and a small model's reply
        # after the result depends on them.
        line = f"Tool result for {name}{f' (call {place})' if place else ''}:\n{text}"
        # Several results in a row read as one user turn, as chat templates expect.
        if self.results_at == len(self.out) - 1 >= 0:
            self.out[-1]["content"] += "\n\n" + line
        else:
            self.out.append({"role": "user", "content": line})
            self.results_at = len(self.out) - 1


def _in_hermes_form(text: str, name: str) -> bool:
    """A result already written for this tool's call in Hermes' form: the provider's own messages,
    which its gateway bridge hands to the gateway, which converts what it is sent (so converting twice
    changes nothing)."""
    if not text.startswith('{"name"'):
        return False
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return (
        isinstance(value, dict)
        and value.keys() == {"name", "content"}
        and value["name"] == name
        and isinstance(value["content"], str)
    )


def _empty(index: int) -> InvalidRequestError:
    return InvalidRequestError(
        f"messages[{index}].content is empty: a user turn needs text or an image.", provider=PROVIDER
    )


def _image_url(block: Any, index: int) -> str:
    source = _access.get(block, "source", {})
    if _access.get(source, "type") == "base64":
        return f"data:{_access.get(source, 'media_type', 'image/png')};base64,{_access.get(source, 'data', '')}"
    url: str = _access.get(source, "url")
    if not url:
        raise InvalidRequestError(
            f"messages[{index}] has an image with neither base64 data nor a url.", provider=PROVIDER
        )
    return url


def _unshowable(kind: str, index: int) -> None:
    if kind == "redacted_thinking":
        logger.warning(
            "messages[%d]: dropped a redacted_thinking block; it is encrypted and no local model can read it", index
        )
        return
    raise InvalidRequestError(f"messages[{index}] has a content block of unknown type {kind!r}.", provider=PROVIDER)
