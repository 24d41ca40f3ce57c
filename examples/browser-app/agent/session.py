"""A chat session: conversation context, system prompt, and the agent loop.

The loop asks for each reply with ``provider.complete()``, as Amplifier's
orchestrators do; the provider streams it through ``hooks`` as it is generated.
When the reply asks for tools the loop runs them and sends their results back,
until the model answers in text (or a round limit forces an answer).
Everything that happens is emitted as an event through ``hooks`` (the same
``emit(event, payload)`` shape as Amplifier's hook registry), and the page
renders from those events.

Events (payloads are JSON-able dicts):
    prompt:submit     {message}
    assistant:start   {id, model}
    tool:pre          {id, message_id, name, arguments}
    tool:post         {id, message_id, name, ok, output, duration_ms}
    assistant:end     {message}          the finished (or stopped, or failed) reply
    session:error     {message_id, type, webllm_name, message, retryable}
    session:end       {stopped}
    from the provider, exactly as an Amplifier UI gets them:
    llm:request / llm:response
    llm:stream_block_start {request_id, block_index, block_type, name?}
    llm:stream_block_delta {request_id, block_index, block_type, sequence, text}
    llm:stream_block_end   {request_id, block_index, block_type}
    llm:stream_aborted     {request_id, error}

A stopped reply (``stop()``) keeps its partial text, marked ``stopped``.
Errors never escape ``run()``: they end the turn with a ``session:error``.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from webllm_provider import LLMError, NetworkError
from webllm_provider.contract import BridgeError
from webllm_provider.errors import from_bridge
from webllm_provider.events import STREAM_BLOCK_DELTA, TEXT, THINKING

from . import events
from .tools import Toolbox

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant that runs entirely in the user's web browser. "
    "Answer concisely. Use the calculator for any arithmetic, the todo tool for the user's to-do list, "
    "and browser_storage to remember things when asked."
)
MAX_TOOL_ROUNDS = 4
FORMAT = "webllm-browser-app/1"

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}{time.time_ns():x}{next(_ids)}"


class Hooks:
    """Just enough of Amplifier's hook registry: handlers get ``(event, payload)``."""

    def __init__(self) -> None:
        self._handlers: list[Callable[[str, dict[str, Any]], Any]] = []

    def register(self, handler: Callable[[str, dict[str, Any]], Any]) -> None:
        self._handlers.append(handler)

    async def emit(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        for handler in list(self._handlers):
            try:
                result = handler(event, payload)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broken display must not break the conversation
                print(f"hook handler failed on {event}: {type(exc).__name__}: {exc}")
        return payload


class Coordinator:
    """What the provider looks for on its ``coordinator``: ``hooks.emit``."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks


def describe_error(name: str, message: str) -> dict[str, Any]:
    """A bridge failure (JS ``Error`` name and message) as the provider's typed error would say it;
    ``network``: the network failed it, so no model can be downloaded now."""
    error = from_bridge(BridgeError(name, message))
    return {**error_payload(error), "network": isinstance(error, NetworkError)}


def error_payload(error: BaseException, message_id: str | None = None) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "type": type(error).__name__,
        "webllm_name": getattr(error, "webllm_name", None),
        "message": str(error),
        "retryable": bool(getattr(error, "retryable", False)),
    }


class Session:
    def __init__(
        self,
        provider: Any,
        toolbox: Toolbox,
        hooks: Hooks,
        *,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        model: str | None = None,
        max_tool_rounds: int = MAX_TOOL_ROUNDS,
        max_output_tokens: int | None = 1024,
    ) -> None:
        self.provider = provider
        self.toolbox = toolbox
        self.hooks = hooks
        self.system_prompt = system_prompt
        self.model = model
        self.tools_enabled = True
        # The tools offered to the model, by name; None: all of the toolbox's. A small
        # model gets the ones it knows (its context window holds little more).
        self.tool_names: list[str] | None = None
        # The sampling temperature; None: the model's own default.
        self.temperature: float | None = None
        self.max_tool_rounds = max_tool_rounds
        self.max_output_tokens = max_output_tokens
        # The conversation as the page shows it and the model reads it. Each
        # message is a JSON-able dict with an "id"; assistant messages carry
        # "meta" (metrics, stopped, error) that never reaches the model.
        self.messages: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        # The streamed text of the reply being generated, so a stopped or failed
        # one keeps it: by block type, for the stream (request_id) heard last.
        self._streamed: dict[str, list[str]] | None = None
        self._stream_id: str | None = None
        self._first_token: float | None = None
        hooks.register(self._on_stream)

    def _on_stream(self, event: str, payload: dict[str, Any]) -> None:
        if event == STREAM_BLOCK_DELTA and self._streamed is not None:
            if payload["request_id"] != self._stream_id:
                # A retry streams the reply afresh: its text replaces the failed attempt's.
                self._stream_id, self._streamed = payload["request_id"], {}
            self._streamed.setdefault(payload["block_type"], []).append(payload["text"])
            if self._first_token is None:
                self._first_token = time.perf_counter()

    # ------------------------------------------------------------ persistence

    def export(self) -> dict[str, Any]:
        return {"format": FORMAT, "system_prompt": self.system_prompt, "model": self.model, "messages": self.messages}

    def export_json(self) -> str:
        return json.dumps(self.export(), ensure_ascii=False)

    def restore_json(self, text: str) -> None:
        """Take back a conversation ``export_json`` wrote (ignores anything unreadable)."""
        try:
            data = json.loads(text)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        messages = data.get("messages")
        if isinstance(messages, list):
            self.messages = [
                m for m in messages if isinstance(m, dict) and m.get("role") in ("user", "assistant", "tool")
            ]
        if isinstance(data.get("system_prompt"), str):
            self.system_prompt = data["system_prompt"]

    def clear(self) -> None:
        self.stop()
        self.messages = []

    # -------------------------------------------------------------- running

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, text: str) -> asyncio.Task[None]:
        """Begin a turn; the page awaits the returned task and may ``stop()`` it."""
        if self.busy:
            raise RuntimeError("A reply is still being generated; stop it first.")
        self._task = asyncio.ensure_future(self.run(text))
        return self._task

    def stop(self) -> bool:
        """Stop the running turn (cancels the task, which aborts the generation)."""
        if self.busy:
            assert self._task is not None
            self._task.cancel()
            return True
        return False

    async def run(self, text: str) -> None:
        """One user turn: the model's replies and the tools they call, streamed as events."""
        user = {"id": new_id("u"), "role": "user", "content": text}
        self.messages.append(user)
        await self.hooks.emit(events.PROMPT_SUBMIT, {"message": user})
        stopped = False
        try:
            for round_no in range(self.max_tool_rounds + 1):
                # On the last round the model must answer: no more tool calls.
                last_round = round_no == self.max_tool_rounds
                reply = await self._reply(tool_choice="none" if last_round else None)
                if reply is None or not reply.get("tool_calls"):
                    break
                await self._run_tools(reply)
        except asyncio.CancelledError:
            stopped = True
        finally:
            await self.hooks.emit(events.SESSION_END, {"stopped": stopped})

    async def _reply(self, *, tool_choice: str | None) -> dict[str, Any] | None:
        """Stream one assistant reply into ``self.messages``; None if it failed or was stopped."""
        message: dict[str, Any] = {"id": new_id("a"), "role": "assistant", "content": "", "meta": {"model": self.model}}
        await self.hooks.emit(events.ASSISTANT_START, {"id": message["id"], "model": self.model})
        request: dict[str, Any] = {"messages": self.context(), "max_output_tokens": self.max_output_tokens}
        if self.model:
            request["model"] = self.model
        if self.temperature is not None:
            request["temperature"] = self.temperature
        tools = self.offered_tools()
        if tools:
            request["tools"] = tools
            if tool_choice:
                request["tool_choice"] = tool_choice
        self._streamed, self._first_token = {}, None
        started = time.perf_counter()
        meta = message["meta"]
        try:
            response = await self.provider.complete(request)
            message["content"] = _text_of(response)
            thinking = _thinking_of(response)
            if thinking:
                message["thinking"] = thinking
            calls = response.tool_calls or []
            if calls:
                message["tool_calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls]
            meta.update(_metrics(response, started, self._first_token))
            if response.finish_reason == "abort":
                meta["stopped"] = True
        except asyncio.CancelledError:
            message["content"] = self._partial(TEXT)
            meta.update({"stopped": True, "elapsed_s": round(time.perf_counter() - started, 3)})
            if self._first_token is not None:
                meta["ttft_s"] = round(self._first_token - started, 3)
            self._keep(message)
            await self.hooks.emit(events.ASSISTANT_END, {"message": message})
            raise
        except LLMError as exc:
            message["content"] = self._partial(TEXT)
            meta["error"] = error_payload(exc, message["id"])
            self._keep(message)
            await self.hooks.emit(events.SESSION_ERROR, meta["error"])
            await self.hooks.emit(events.ASSISTANT_END, {"message": message})
            return None
        except Exception as exc:  # a bug somewhere below: report it, keep the page alive
            message["content"] = self._partial(TEXT)
            meta["error"] = {**error_payload(exc, message["id"]), "type": f"Internal {type(exc).__name__}"}
            self._keep(message)
            await self.hooks.emit(events.SESSION_ERROR, meta["error"])
            await self.hooks.emit(events.ASSISTANT_END, {"message": message})
            return None
        finally:
            self._streamed = None
        self._keep(message)
        await self.hooks.emit(events.ASSISTANT_END, {"message": message})
        return None if meta.get("stopped") else message

    def offered_tools(self) -> list[dict[str, Any]]:
        """The specs of the tools the model is offered now (none when tools are off)."""
        if not self.tools_enabled:
            return []
        return [spec for spec in self.toolbox.specs() if self.tool_names is None or spec["name"] in self.tool_names]

    def _partial(self, block_type: str) -> str:
        return "".join((self._streamed or {}).get(block_type, []))

    def _keep(self, message: dict[str, Any]) -> None:
        # A reply that produced nothing at all is not worth a bubble, unless it says why.
        if (
            message["content"]
            or message.get("tool_calls")
            or message["meta"].get("error")
            or message["meta"].get("stopped")
        ):
            self.messages.append(message)

    async def _run_tools(self, reply: dict[str, Any]) -> None:
        for call in reply["tool_calls"]:
            base = {"id": call["id"], "message_id": reply["id"], "name": call["name"]}
            await self.hooks.emit(events.TOOL_PRE, {**base, "arguments": call["arguments"]})
            try:
                outcome = await self.toolbox.call(call["name"], call["arguments"])
            except asyncio.CancelledError:
                # The model must still see an answer for the call it made.
                self.messages.append(_tool_message(call, False, {"error": "Stopped by the user."}))
                await self.hooks.emit(
                    events.TOOL_POST,
                    {**base, "ok": False, "output": {"error": "Stopped by the user."}, "duration_ms": 0},
                )
                raise
            self.messages.append(_tool_message(call, outcome.ok, outcome.output))
            await self.hooks.emit(
                events.TOOL_POST,
                {**base, "ok": outcome.ok, "output": outcome.output, "duration_ms": outcome.duration_ms},
            )

    def context(self) -> list[dict[str, Any]]:
        """The conversation as the provider takes it: system prompt first, meta stripped."""
        out: list[dict[str, Any]] = []
        if self.system_prompt.strip():
            out.append({"role": "system", "content": self.system_prompt})
        for m in self.messages:
            role = m["role"]
            if role == "user":
                if out and out[-1]["role"] == "user":  # after a failed reply: one user turn
                    out[-1] = {"role": "user", "content": f"{out[-1]['content']}\n\n{m['content']}"}
                else:
                    out.append({"role": "user", "content": m["content"]})
            elif role == "assistant":
                if not m.get("content") and not m.get("tool_calls"):
                    continue  # failed before saying anything
                entry: dict[str, Any] = {"role": "assistant", "content": m.get("content") or ""}
                if m.get("tool_calls"):
                    entry["tool_calls"] = [
                        {"id": c["id"], "name": c["name"], "arguments": c["arguments"]} for c in m["tool_calls"]
                    ]
                out.append(entry)
            elif role == "tool":
                out.append(
                    {"role": "tool", "tool_call_id": m["tool_call_id"], "name": m.get("name"), "content": m["content"]}
                )
        return out


def _tool_message(call: dict[str, Any], ok: bool, output: Any) -> dict[str, Any]:
    text = json.dumps(output, ensure_ascii=False) if ok else f"Error: {output.get('error', output)}"
    return {
        "id": new_id("t"),
        "role": "tool",
        "tool_call_id": call["id"],
        "name": call["name"],
        "content": text,
        "meta": {"ok": ok},
    }


def _text_of(response: Any) -> str:
    return "".join(_block_field(b, "text") for b in response.content or [] if _block_field(b, "type") == TEXT)


def _thinking_of(response: Any) -> str:
    return "".join(_block_field(b, "thinking") for b in response.content or [] if _block_field(b, "type") == THINKING)


def _block_field(block: Any, name: str) -> Any:
    value = block.get(name) if isinstance(block, dict) else getattr(block, name, None)
    return value if isinstance(value, str) else ""


def _metrics(response: Any, started: float, first: float | None) -> dict[str, Any]:
    """Per-reply numbers: WebLLM's own timings where it gave them, the page's clock otherwise."""
    metadata = response.metadata or {}
    usage = response.usage
    out: dict[str, Any] = {
        "elapsed_s": round(time.perf_counter() - started, 3),
        "finish_reason": response.finish_reason,
    }
    ttft = metadata.get("time_to_first_token_s")
    if ttft is None and first is not None:
        ttft = first - started
    if ttft is not None:
        out["ttft_s"] = round(float(ttft), 3)
    for key in ("decode_tokens_per_s", "prefill_tokens_per_s"):
        if metadata.get(key) is not None:
            out[key] = round(float(metadata[key]), 1)
    if usage is not None:
        out["input_tokens"] = usage.input_tokens
        out["output_tokens"] = usage.output_tokens
    return out
