"""The browser tabs that run requests, and the bounded queue in front of them.

Each tab runs one request at a time (its bridge would queue more anyway), so
the queue lives here: a request goes to an idle tab that has its model loaded,
else to the idle tab that has served least; while every tab is busy it waits.
A tab that goes away fails the request it was running with the bridge's own
``WorkerError``; queued requests were never given to it and go to another tab.
With no tab at all, a queued request fails after ``tab_wait`` seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ..contract import BridgeError
from ..protocol import ErrorNames, ToGateway, ToTab

_ids = itertools.count(1)
# Ids are unique across restarts: a tab may still hold requests of the gateway it was connected to before.
_RUN = secrets.token_hex(3)
# The events of a job that end it (docs/gateway.md, "Tab protocol").
_TERMINAL = (ToGateway.RESULT, ToGateway.DONE, ToGateway.ERROR)


class QueueFull(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"The queue is full; retry in {retry_after} s.")
        self.retry_after = retry_after


@dataclass(eq=False)
class Job:
    """One request, from the moment it is accepted until its tab reported the end."""

    kind: str  # ToTab.GENERATE or ToTab.LOAD
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: f"gw-{_RUN}-{next(_ids)}")
    events: asyncio.Queue[tuple[str, Any]] = field(default_factory=asyncio.Queue)
    tab: Tab | None = None
    finished: bool = False
    dispatched_at: float = 0.0

    @property
    def model(self) -> str | None:
        return self.payload.get("model") or (self.payload.get("request") or {}).get("model")

    async def next_event(self) -> tuple[str, Any]:
        kind, value = await self.events.get()
        if kind == ToGateway.ERROR:
            raise value
        return kind, value

    async def result(self) -> dict[str, Any]:
        while True:
            kind, value = await self.next_event()
            if kind in (ToGateway.RESULT, ToGateway.DONE):
                completion: dict[str, Any] = value  # the tab's JSON
                return completion

    async def stream(self) -> AsyncIterator[tuple[str, Any]]:
        """(kind, value) up to and including ToGateway.DONE; ToGateway.ERROR raises its BridgeError."""
        while True:
            kind, value = await self.next_event()
            yield kind, value
            if kind == ToGateway.DONE:
                return


@dataclass(eq=False)
class Tab:
    """A connected page. ``outbox`` is drained by the WebSocket's writer."""

    models: list[dict[str, Any]]
    gpu: dict[str, Any]
    loaded: str | None
    id: str = field(default_factory=lambda: f"tab-{next(_ids)}")
    outbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    job: Job | None = None
    served: int = 0
    connected_at: float = field(default_factory=time.time)
    progress: dict[str, Any] | None = None

    def post(self, message: dict[str, Any]) -> None:
        self.outbox.put_nowait(message)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": "busy" if self.job else "idle",
            "loaded": self.loaded,
            "running": self.job.id if self.job else None,
            "served": self.served,
            "connected_at": self.connected_at,
            "progress": self.progress,
            "gpu": self.gpu,
        }


class Scheduler:
    def __init__(self, *, max_queue: int = 64, tab_wait: float = 30.0) -> None:
        self.max_queue = max_queue
        self.tab_wait = tab_wait
        self.tabs: dict[str, Tab] = {}
        self.pending: deque[Job] = deque()
        self._durations: deque[float] = deque(maxlen=32)

    # -- requests --------------------------------------------------------------

    def submit(self, kind: str, payload: dict[str, Any]) -> Job:
        """Accept a job or raise QueueFull; an accepted job always ends with an event."""
        if len(self.pending) >= self.max_queue:
            raise QueueFull(self.retry_after())
        job = Job(kind, payload)
        self.pending.append(job)
        if not self.tabs:
            self._expire_later(job)
        self._dispatch()
        return job

    def cancel(self, job: Job) -> None:
        """The caller stopped listening: drop a queued job, stop a running one."""
        if job.finished:
            return
        if job in self.pending:
            self.pending.remove(job)
            job.finished = True
        elif job.tab is not None:
            job.tab.post({"type": ToTab.ABORT, "id": job.id})

    def retry_after(self) -> int:
        """Seconds until a place in the queue is likely free (at least 1)."""
        average = sum(self._durations) / len(self._durations) if self._durations else 1.0
        return max(1, math.ceil(average * (len(self.pending) + 1) / max(1, len(self.tabs))))

    def _expire_later(self, job: Job) -> None:
        asyncio.get_running_loop().call_later(self.tab_wait, self._expire, job)

    def _expire(self, job: Job) -> None:
        if job in self.pending and not self.tabs:
            self.pending.remove(job)
            self._finish(
                job, ToGateway.ERROR, BridgeError(ErrorNames.WORKER, "No browser tab is connected to the gateway.")
            )

    # -- tabs ------------------------------------------------------------------

    def connect(self, tab: Tab) -> None:
        self.tabs[tab.id] = tab
        self._dispatch()

    def disconnect(self, tab: Tab) -> None:
        if self.tabs.pop(tab.id, None) is None:
            return
        if tab.job is not None:
            self._finish(
                tab.job,
                ToGateway.ERROR,
                BridgeError(ErrorNames.WORKER, f"The browser tab running this request ({tab.id}) closed."),
            )
            tab.job = None
        if not self.tabs:  # the last tab went: what waits for one gets tab_wait seconds
            for job in self.pending:
                self._expire_later(job)
        self._dispatch()

    def report(self, tab: Tab, message: dict[str, Any]) -> None:
        """A message from a tab about its job."""
        kind = message.get("type")
        job = tab.job
        if "loaded" in message:
            tab.loaded = message["loaded"]
        if kind == ToGateway.PROGRESS:
            tab.progress = message.get("report")
        if job is None or message.get("id") != job.id or kind not in (ToGateway.CHUNKS, ToGateway.PROGRESS, *_TERMINAL):
            return
        if kind == ToGateway.ERROR:
            error = message.get("error") or {}
            value: Any = BridgeError(str(error.get("name") or "Error"), str(error.get("message") or ""))
        else:
            value = (
                message.get("chunks")
                if kind == ToGateway.CHUNKS
                else message.get("completion")
                if kind == ToGateway.RESULT
                else message.get("report")
            )
        if kind in _TERMINAL:
            tab.job = None
            tab.served += 1
            tab.progress = None
            self._durations.append(time.monotonic() - job.dispatched_at)  # the tab's time, not the queue's
            self._finish(job, kind, value)
            self._dispatch()
        else:
            job.events.put_nowait((kind, value))

    def _finish(self, job: Job, kind: str, value: Any) -> None:
        job.finished = True
        job.events.put_nowait((kind, value))

    def _dispatch(self) -> None:
        while self.pending:
            idle = [tab for tab in self.tabs.values() if tab.job is None]
            if not idle:
                return
            job = self.pending.popleft()
            tab = min(idle, key=lambda t: (t.loaded != job.model if job.model else t.loaded is None, t.served))
            job.tab = tab
            job.dispatched_at = time.monotonic()
            tab.job = job
            tab.post({"type": job.kind, "id": job.id, **job.payload})
