"""The gateway's state, shared by its routes: settings, tabs, cache, metrics."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from .cache import ResultCache
from .metrics import Metrics
from .tabs import Scheduler


@dataclass(frozen=True)
class Settings:
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    host: str = "127.0.0.1"
    port: int = 8765
    # Served next to the tab page: the bundles js/build.mjs writes (build/web).
    web_dir: str = "build/web"
    worker: str = "webllm-worker.js"  # relative to web_dir; tests use testing/scripted-worker.js
    max_body: int = 1 << 20
    max_queue: int = 64
    tab_wait: float = 30.0
    cache_size: int = 0
    history_size: int = 1000
    # WebLLM's AppConfig for the tabs (--app-config); None: WebLLM's prebuilt catalog.
    app_config: str | None = None

    @property
    def origins(self) -> set[str]:
        """Origins whose pages may become tabs: the gateway's own."""
        names = {self.host, "127.0.0.1", "localhost"} if self.host in ("127.0.0.1", "localhost") else {self.host}
        return {f"http://{name}:{self.port}" for name in names}


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.scheduler = Scheduler(max_queue=settings.max_queue, tab_wait=settings.tab_wait)
        self.cache = ResultCache(settings.cache_size)
        self.metrics = Metrics(settings.history_size)
        # model id -> sampling defaults its requests get (PUT /api/models/{id}/config)
        self.model_config: dict[str, dict[str, Any]] = {}

    def catalog(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """WebLLM's model records and the GPU, as the first connected tab reported them."""
        tab = next(iter(self.scheduler.tabs.values()), None)
        return (tab.models, tab.gpu) if tab else ([], None)

    def record(self, model: str | None) -> dict[str, Any] | None:
        return next((r for r in self.catalog()[0] if r.get("model_id") == model), None)

    def loaded_model(self) -> str | None:
        return next((t.loaded for t in self.scheduler.tabs.values() if t.loaded), None)

    def loaded_in(self, model: str) -> list[str]:
        return [t.id for t in self.scheduler.tabs.values() if t.loaded == model]
