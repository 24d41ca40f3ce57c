"""The Python half of the browser app: a chat session with tools over WebLLM.

app.js writes this package into Pyodide's file system and calls
``create_session``; everything the session does reaches the page as events.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from webllm_provider import WebLLMProvider

from .session import DEFAULT_SYSTEM_PROMPT, Coordinator, Hooks, Session, describe_error
from .tools import KeyValueStore, Toolbox, default_toolbox

__all__ = ["DEFAULT_SYSTEM_PROMPT", "Hooks", "Session", "Toolbox", "create_session", "describe_error"]


def create_session(
    on_event: Callable[[str, str], Any], model: str | None = None, store: KeyValueStore | None = None
) -> Session:
    """A Session whose events (and the provider's) go to ``on_event(name, payload_json)``;
    its tools keep their data in ``store`` (default: the page's localStorage)."""
    hooks = Hooks()
    hooks.register(lambda event, payload: on_event(event, json.dumps(payload, ensure_ascii=False, default=str)))
    provider = WebLLMProvider(coordinator=Coordinator(hooks))
    return Session(provider, default_toolbox(store), hooks, model=model)
