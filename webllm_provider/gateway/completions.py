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

from .. import InvalidRequestError, LLMError
from ..contract import BridgeError, completion_as_chunks
from ..protocol import STREAMED, ToGateway, ToTab
from .errors import error_body, gateway_body, status_of, tab_failure
from .metrics import Record
from .state import Gateway
from .tabs import Job, QueueFull
from .tools import constrain, constrained_plan, read_back

_CACHEABLE = ("stop", "length", "tool_calls")


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
            self.plan = constrained_plan(self.body, self.gateway.record(self.model))
            # The tab's bridge streams or not as it is told (its stream() sets the fields itself).
            request = {k: v for k, v in self.body.items() if k not in STREAMED}
            self.tab_request = constrain(request, self.plan) if self.plan else request
        except InvalidRequestError as exc:
            raise self._refuse(status_of(exc), error_body(exc)) from None
        self.key = self.gateway.cache.key(self.body)

    # -- starting ----------------------------------------------------------------

    def cached_result(self) -> Any:
        value = self.gateway.cache.get(self.key)
        self.cached = value is not None
        return value

    def submit(self) -> Job:
        try:
            self.job = self.gateway.scheduler.submit(
                ToTab.GENERATE, {"request": self.tab_request, "stream": self.stream and self.plan is None}
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
        if run.plan:
            completion = read_back(run.plan, completion)
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
    try:
        if run.plan:
            completion = read_back(run.plan, await job.result())
            chunks = completion_as_chunks(completion)
            run.remember(chunks, completion["choices"][0].get("finish_reason"))
            run.finish(200, completion, completion.get("usage"))
            return _replay(chunks)
        events = job.stream()
        first = await _next_batch(events)
    except (BridgeError, LLMError) as exc:
        run.close()
        raise run.failure(exc) from None
    finally:
        watcher()
    return _relay(run, first, events)


async def _replay(chunks: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    yield chunks


async def _relay(
    run: Completion, first: list[dict[str, Any]], events: AsyncIterator[tuple[str, Any]]
) -> AsyncIterator[list[dict[str, Any]]]:
    chunks = list(first)
    if first:
        yield first
    try:
        while batch := await _next_batch(events):
            chunks += batch
            yield batch
    except (BridgeError, LLMError) as exc:
        raise run.failure(exc) from None
    except (GeneratorExit, asyncio.CancelledError):
        run.finish(499, None, None, error="the client closed the stream")
        raise
    finally:
        run.close()
    finish_reason = next((c["choices"][0].get("finish_reason") for c in reversed(chunks) if c.get("choices")), None)
    run.remember(chunks, finish_reason)
    run.finish(200, {"choices": [{"finish_reason": finish_reason}]}, chunks[-1].get("usage") if chunks else None)


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
