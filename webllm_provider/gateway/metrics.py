"""What the gateway has done: totals for /api/metrics and recent requests for /api/history."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Record:
    id: str
    endpoint: str
    model: str | None
    stream: bool
    status: int
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    duration_ms: float
    cached: bool
    tab: str | None
    error: str | None
    at: float


class Metrics:
    def __init__(self, history_size: int = 1000) -> None:
        self.history: deque[Record] = deque(maxlen=history_size)
        self.started = time.time()
        self.clear()

    def clear(self) -> None:
        self.history.clear()
        self.requests = self.succeeded = self.failed = self.rejected = 0
        self.prompt_tokens = self.completion_tokens = 0
        self.total_ms = 0.0

    def reject(self) -> None:
        """A request refused before it was accepted (queue full)."""
        self.rejected += 1

    def record(self, record: Record) -> None:
        self.history.append(record)
        self.requests += 1
        if record.status < 400:
            self.succeeded += 1
        else:
            self.failed += 1
        self.prompt_tokens += record.prompt_tokens
        self.completion_tokens += record.completion_tokens
        self.total_ms += record.duration_ms

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The last ``limit`` requests, newest first."""
        return [asdict(r) for r in list(self.history)[::-1][:limit]]

    def totals(self) -> dict[str, Any]:
        return {
            "total_requests": self.requests,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "rejected": self.rejected,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "total_time_ms": round(self.total_ms, 3),
            "average_time_ms": round(self.total_ms / self.requests, 3) if self.requests else 0.0,
            "uptime_s": round(time.time() - self.started, 3),
        }
