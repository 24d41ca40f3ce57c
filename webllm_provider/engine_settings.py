"""The provider's settings for an engine it starts itself (Pyodide with no bridge a page installed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EngineSettings:
    """``worker_url``: the engine worker's script, for a page whose Content-Security-Policy forbids
    ``blob:`` workers (or a test engine); ``app_config``: WebLLM's AppConfig (``model_list``)."""

    worker_url: str | None = None
    app_config: dict[str, Any] | None = None

    def as_json(self) -> str:
        """The options js/self-start.js's ``startBridge`` takes; equal settings give equal text."""
        options = {"workerUrl": self.worker_url, "appConfig": self.app_config}
        return json.dumps({key: value for key, value in options.items() if value is not None}, sort_keys=True)
