"""One chat completion through the gateway: cache, queue, tab, tools, record.

Shared by ``POST /v1/chat/completions`` and ``POST /api/batch``. Every failure
becomes (status, OpenAI error body) here, and every request that was accepted
ends in the history, whatever happened to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from .. import LLMError
from ..contract import BridgeError, completion_as_chunks
from ..protocol import STREAMED, ToGateway, ToTab
from ..tool_calling import needs_answer_pass
from .errors import error_body, gateway_body, status_of, tab_failure
from .fields import Invalid
from .metrics import Record
from .state import Gateway
from .tabs import Job, QueueFull
from .tools import check_answer, read_back, response_format, tab_request, tool_plan

# Not "tool_calls": each call's id is unique to it (OpenAI), and a replay would repeat them.
_CACHEABLE = ("stop", "length")


class Refused(Exception):
    """The request ends without a reply: status, OpenAI error body, headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class Completion:
    gateway: Gateway
    body: dict[str, Any]
    endpoint: str
    started: float = field(default_factory=time.perf_counter)
    job: Job | None = None
    cached: bool = False
    recorded: bool = False
    client_gone: bool = False

    def __post_init__(self) -> None:
        self.stream = bool(self.body.get("stream"))
        self.include_usage = bool((self.body.get("stream_options") or {}).get("include_usage"))
        self.model = self.body.get("model") or self.gateway.loaded_model()
        # The model's configured defaults, under what the request says itself.
        self.body = {**self.gateway.model_config.get(self.model or "", {}), **self.body}
        try:
            self.format = response_format(self.body)
            self.plan = tool_plan(self.body, self.gateway.record(self.model), self.format)
            # The tab's bridge streams or not as it is told (its stream() sets the fields itself).
            request = {k: v for k, v in self.body.items() if k not in STREAMED}
            self.tab_request = tab_request(request, self.plan, self.format)
        except Invalid as exc:
            raise self._refuse(status_of(exc), error_body(exc, param=exc.param)) from None
        # A reply with tools is generated whole and read back before anything is sent.
        self.reads_back = self.plan is not None and self.plan.active
        self.key = self.gateway.cache.key(self.body)

    # -- starting ----------------------------------------------------------------

    def cached_result(self) -> Any:
        value = self.gateway.cache.get(self.key)
        self.cached = value is not None
        return value

    def submit(self, request: dict[str, Any] | None = None, *, stream: bool | None = None) -> Job:
        """Queue a generation: the request's own, or ``request`` (the answer pass)."""
        streamed = self.stream and not self.reads_back if stream is None else stream
        try:
            self.job = self.gateway.scheduler.submit(
                ToTab.GENERATE, {"request": request or self.tab_request, "stream": streamed}
            )
        except QueueFull as full:
            self.gateway.metrics.reject()
            body = gateway_body(429, "rate_limit_error", str(full))
            raise Refused(429, body, {"Retry-After": str(full.retry_after)}) from None
        return self.job

    # -- finishing ---------------------------------------------------------------

    def failure(self, exc: BridgeError | LLMError) -> Refused:
        """A failure in the tab (BridgeError) or in reading its reply back (a typed error)."""
        status, body = (
            tab_failure(exc, self.model) if isinstance(exc, BridgeError) else (status_of(exc), error_body(exc))
        )
        return self._refuse(status, body)

    def _refuse(self, status: int, body: dict[str, Any]) -> Refused:
        self.finish(status, None, None, error=body.get("error", {}).get("type"))
        return Refused(status, body)

    def finish(
        self, status: int, reply: dict[str, Any] | None, usage: dict[str, Any] | None, *, error: str | None = None
    ) -> None:
        if self.recorded:
            return
        self.recorded = True
        choices = (reply or {}).get("choices") or [{}]
        usage = usage or {}
        self.gateway.metrics.record(
            Record(
                id=self.job.id if self.job else "cache" if self.cached else "refused",
                endpoint=self.endpoint,
                model=self.model,
                stream=self.stream,
                status=status,
                finish_reason=choices[0].get("finish_reason"),
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                duration_ms=round((time.perf_counter() - self.started) * 1000, 3),
                cached=self.cached,
                tab=self.job.tab.id if self.job and self.job.tab else None,
                error=error,
                at=time.time(),
            )
        )

    def remember(self, value: Any, finish_reason: str | None) -> None:
        if finish_reason in _CACHEABLE:
            self.gateway.cache.put(self.key, value)

    def answer_request(self, completion: dict[str, Any]) -> dict[str, Any] | None:
        """The request for the text answer when the tab's native reply called nothing (tool_calling's rule)."""
        assert self.plan is not None
        choice = completion["choices"][0]
        if not needs_answer_pass(self.plan, choice["message"].get("tool_calls") or [], choice.get("finish_reason")):
            return None
        request = {k: v for k, v in self.body.items() if k not in STREAMED}
        return tab_request(request, self.plan.without_tools(), self.format)

    def checked(self, completion: dict[str, Any]) -> dict[str, Any]:
        """A completion whose JSON answers satisfy the response format (StructuredOutputError)."""
        for choice in completion["choices"]:
            check_answer(self.format, choice["message"].get("content") or "", choice.get("finish_reason"))
        return completion

    def close(self) -> None:
        if self.job is not None:
            self.gateway.scheduler.cancel(self.job)

    def abandon(self) -> None:
        """The client went away before its reply: stop the job, record it as such."""
        self.client_gone = True
        self.close()


async def complete(run: Completion, request: Request | None = None) -> dict[str, Any]:
    """A non-streamed completion, or Refused."""
    cached: dict[str, Any] | None = run.cached_result()  # a non-streamed request: its key holds a completion
    if cached is not None:
        run.finish(200, cached, cached.get("usage"))
        return cached
    job = run.submit()
    watcher = _cancel_on_disconnect(request, run.abandon)
    try:
        completion = await job.result()
        if run.reads_back:
            assert run.plan is not None
            answer = run.answer_request(completion)
            completion = read_back(run.plan, completion)
            if answer is not None:
                completion = _with_usage_of(await run.submit(answer, stream=False).result(), completion)
        completion = run.checked(completion)
    except (BridgeError, LLMError) as exc:
        raise run.failure(exc) from None
    finally:
        watcher()
        run.close()
    if run.client_gone:
        run.finish(499, completion, completion.get("usage"), error="the client went away")
    else:
        run.remember(completion, completion["choices"][0].get("finish_reason"))
        run.finish(200, completion, completion.get("usage"))
    return completion


async def stream(run: Completion, request: Request) -> AsyncIterator[list[dict[str, Any]]]:
    """The chunks of a streamed completion in batches (as the tab sent them), with
    the first batch already there, so a failure before any reply is still an
    HTTP error; or Refused."""
    cached = run.cached_result()
    if cached is not None:
        run.finish(200, cached[0], cached[-1].get("usage"))
        return _replay(cached)
    job = run.submit()
    watcher = _cancel_on_disconnect(request, run.abandon)
    earlier: dict[str, Any] | None = None  # the usage of a first pass that called nothing
    try:
        if run.reads_back:
            assert run.plan is not None
            raw = await job.result()
            answer = run.answer_request(raw)
            completion = read_back(run.plan, raw)
            if answer is None:
                chunks = completion_as_chunks(run.checked(completion))
                run.remember(chunks, completion["choices"][0].get("finish_reason"))
                run.finish(200, completion, completion.get("usage"))
                return _replay(chunks)
            earlier = completion.get("usage")
            job = run.submit(answer, stream=True)
        events = job.stream()
        first = await _next_batch(events)
    except (BridgeError, LLMError) as exc:
        run.close()
        raise run.failure(exc) from None
    finally:
        watcher()
    return _relay(run, first, events, earlier)


async def _replay(chunks: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    yield chunks


async def _relay(
    run: Completion,
    first: list[dict[str, Any]],
    events: AsyncIterator[tuple[str, Any]],
    earlier: dict[str, Any] | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    chunks: list[dict[str, Any]] = []
    batch = first
    try:
        while batch:
            for chunk in batch:
                if chunk.get("usage") and earlier:
                    chunk["usage"] = _usage_sum(chunk["usage"], earlier)
            chunks += batch
            yield batch
            batch = await _next_batch(events)
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
        check_answer(run.format, text, _finish_reason(chunks))
    except (BridgeError, LLMError) as exc:
        raise run.failure(exc) from None
    except (GeneratorExit, asyncio.CancelledError):
        run.finish(499, None, None, error="the client closed the stream")
        raise
    finally:
        run.close()
    finish_reason = _finish_reason(chunks)
    run.remember(chunks, finish_reason)
    run.finish(200, {"choices": [{"finish_reason": finish_reason}]}, chunks[-1].get("usage") if chunks else None)


def _finish_reason(chunks: list[dict[str, Any]]) -> str | None:
    return next((c["choices"][0].get("finish_reason") for c in reversed(chunks) if c.get("choices")), None)


def _usage_sum(usage: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """``usage`` with the tokens an earlier pass of the same reply spent added in."""
    counts = ("prompt_tokens", "completion_tokens", "total_tokens")
    return {**usage, **{key: int(usage.get(key) or 0) + int(earlier.get(key) or 0) for key in counts}}


def _with_usage_of(completion: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    if completion.get("usage") and earlier.get("usage"):
        return {**completion, "usage": _usage_sum(completion["usage"], earlier["usage"])}
    return completion


async def _next_batch(events: AsyncIterator[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The next chunks the tab sent; empty at the end."""
    async for kind, value in events:
        if kind == ToGateway.CHUNKS and value:
            chunks: list[dict[str, Any]] = value  # the tab's JSON
            return chunks
    return []


def _cancel_on_disconnect(request: Request | None, cancel: Callable[[], None]) -> Callable[[], object]:
    """Cancel the job if the client goes away before the reply starts; returns the stopper."""
    if request is None:
        return lambda: None

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        cancel()

    task = asyncio.get_running_loop().create_task(watch())
    return task.cancel
