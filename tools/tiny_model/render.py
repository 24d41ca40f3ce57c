"""Dialogues -> the exact text WebLLM prefills and the model writes, in the three shapes the stack produces.

- ``PLAIN``: no tools; the reply is text.
- ``CONSTRAINED``: the provider's own tool path for every model (its system
  prompt, JSON ``{"tool_calls": [...]}`` or ``{"answer": ...}`` under WebLLM's
  grammar).
- ``HERMES``: WebLLM's function-calling path: its Hermes system prompt, a JSON
  list of calls (``[]`` for none), then the provider's second pass without
  tools for the text answer.

Requests are built by the provider itself (``webllm_provider.request``), with
its replay memory filled as a live session fills it, so a past reply comes back
as the model wrote it. WebLLM's side is read from its own sources: the Hermes
system prompt from ``node_modules/@mlc-ai/web-llm`` and the chat template from
the model's ``mlc-chat-config.json``.
"""

from __future__ import annotations

import functools
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from webllm_provider import replay
from webllm_provider.config import ProviderConfig
from webllm_provider.messages import native_calls
from webllm_provider.request import build_request
from webllm_provider.tool_calling import plan_tools

from .chat_template import ChatTemplate
from .dialogues import ROOT, Dialogue, as_text

PLAIN, CONSTRAINED, HERMES = "plain", "constrained", "hermes"
WEBLLM = ROOT / "node_modules" / "@mlc-ai" / "web-llm" / "lib" / "index.js"
_CONFIG = ProviderConfig()


def _webllm_constant(source: str, name: str) -> str:
    match = re.search(rf"const {name} = `(.*?)`;", source, re.S)
    if not match:
        raise SystemExit(f"{WEBLLM}: no {name}; is this WebLLM 0.2.86?")
    return match[1]


@functools.cache
def _hermes_template() -> str:
    source = WEBLLM.read_text()
    schema = _webllm_constant(source, "officialHermes2FunctionCallSchema")
    return _webllm_constant(source, "hermes2FunctionCallingSystemPrompt").replace(
        "${officialHermes2FunctionCallSchema}", schema
    )


def hermes_system_prompt(tools: list[dict[str, Any]]) -> str:
    """WebLLM's ``hermes2FunctionCallingSystemPrompt`` with its tools, as ``postInitAndCheckFields`` writes it."""
    # JSON.stringify: no spaces, non-ASCII kept.
    return _hermes_template().replace(
        "${MessagePlaceholders.hermes_tools}", json.dumps(tools, separators=(",", ":"), ensure_ascii=False)
    )


@dataclass
class Sample:
    """One text the model is trained on: the characters it must predict are in ``spans``."""

    text: str
    spans: list[tuple[int, int]] = field(default_factory=list)


def provider_body(
    messages: list[dict[str, Any]], tools: list[dict[str, Any]], shape: str, without_tools: bool = False
) -> dict[str, Any]:
    """The request body the provider sends WebLLM for this conversation (``without_tools``: the native
    path's second pass, for the text answer)."""
    request: dict[str, Any] = {"messages": messages}
    if tools and shape != PLAIN:
        request["tools"] = tools
    plan = plan_tools(request, native_model=shape == HERMES)
    if without_tools:
        plan = plan.without_tools()
    body, _ = build_request(request, _CONFIG, model=None, plan=plan)
    return body


def webllm_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages WebLLM's engine turns into the prompt: with ``tools``, its Hermes system prompt first."""
    if "tools" in body:
        return [{"role": "system", "content": hermes_system_prompt(body["tools"])}, *body["messages"]]
    return list(body["messages"])


def call_id(rng: random.Random) -> str:
    if rng.random() < 0.85:  # the provider's: call_<WebLLM's response id>_<index>
        return f"call_{uuid.UUID(int=rng.getrandbits(128), version=4)}_0"
    return rng.choice(["c1", "call_0", f"call_{rng.randint(1, 999)}", f"toolu_{rng.getrandbits(40):x}"])


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Renderer:
    def __init__(self, template: ChatTemplate) -> None:
        self.template = template

    def samples(
        self, dialogue: Dialogue, shape: str, tools: list[dict[str, Any]], system: str | None, rng: random.Random
    ) -> list[Sample]:
        """Every text WebLLM would see in this conversation, merged where one continues another."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
        turns: list[tuple[str, str]] = []  # (prompt, what the model writes)
        pending: dict[str, Any] | None = None
        for step in dialogue.steps:
            kind = step[0]
            if kind == "user":
                messages.append({"role": "user", "content": step[1]})
            elif kind == "call":
                pending = {"type": "tool_call", "id": call_id(rng), "name": step[1], "input": step[2]}
                prompt = self._prompt(messages, tools, shape)
                if shape == HERMES:
                    turns.append((prompt, native_calls([(step[1], step[2])])))
                else:
                    raw = compact({"tool_calls": [{"name": step[1], "arguments": step[2]}]})
                    replay.remember(replay.calls_key([pending["id"]]), raw)
                    turns.append((prompt, raw))
                messages.append({"role": "assistant", "content": [pending]})
            elif kind == "result":
                assert pending is not None
                messages.append({"role": "tool", "tool_call_id": pending["id"], "content": as_text(step[1])})
            elif kind == "answer":
                text = step[1]
                if shape == HERMES:
                    turns.append((self._prompt(messages, tools, shape), "[]"))
                    turns.append((self._prompt(messages, tools, shape, without_tools=True), text))
                elif shape == CONSTRAINED:
                    raw = compact({"answer": text})
                    replay.remember(replay.answer_key(text), raw)
                    turns.append((self._prompt(messages, tools, shape), raw))
                else:
                    turns.append((self._prompt(messages, tools, shape), text))
                messages.append({"role": "assistant", "content": text})
        return self._merged(turns, rng)

    def _prompt(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], shape: str, without_tools: bool = False
    ) -> str:
        body = provider_body([dict(m) for m in messages], tools, shape, without_tools)
        return self.template.prompt(webllm_messages(body))

    def _merged(self, turns: list[tuple[str, str]], rng: random.Random) -> list[Sample]:
        end = self.template.end
        samples: list[Sample] = []
        for prompt, target in turns:
            last = samples[-1] if samples else None
            if last is not None and prompt.startswith(last.text):
                rest = prompt[len(last.text) :]
                if rng.random() < 0.5:
                    # WebLLM reusing its KV cache: the reply's stop token and separator were never
                    # prefilled, so the next round follows the reply directly.
                    start, stop = last.spans[-1]
                    last.text = last.text[: -len(end)]
                    last.spans[-1] = (start, stop - len(end))
                    rest = rest[len(self.template.conv["seps"][0]) - len(end) :]
                last.text += rest
                last.spans.append((len(last.text), len(last.text) + len(target) + len(end)))
                last.text += target + end
            else:
                samples.append(Sample(prompt + target + end, [(len(prompt), len(prompt) + len(target) + len(end))]))
        return samples


def prefix_of(text: str, template: ChatTemplate) -> str:
    """The system turn: shared by every sample with the same shape, tools and system prompt."""
    return text[: text.index(template.conv["roles"]["user"])]
