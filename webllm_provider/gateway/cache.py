"""An opt-in cache of results for requests that would give the same answer again.

Only deterministic requests are cached: temperature 0 or a fixed seed. The key
is the whole request (every field, canonical JSON), so two requests share a
result only when nothing in them differs. Least recently used entries go first
once ``capacity`` is reached; capacity 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any


def is_deterministic(request: dict[str, Any]) -> bool:
    return request.get("temperature") == 0 or isinstance(request.get("seed"), int)


class ResultCache:
    def __init__(self, capacity: int = 0) -> None:
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[str, Any] = OrderedDict()

    def key(self, request: dict[str, Any]) -> str | None:
        """The key for ``request``, or None when it must not be cached."""
        if self.capacity <= 0 or not is_deterministic(request):
            return None
        return hashlib.sha256(json.dumps(request, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def get(self, key: str | None) -> Any:
        if key is None:
            return None
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: str | None, value: Any) -> None:
        if key is None:
            return
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0

    def stats(self) -> dict[str, Any]:
        return {
            "enabled": self.capacity > 0,
            "entries": len(self._entries),
            "capacity": self.capacity,
            "hits": self.hits,
            "misses": self.misses,
        }
