"""What the page calls, by name (``python.call("agent.page.send", text)``, see
js/python-launcher.js), the same whether Python runs in the Python worker (the
default) or on the page's main thread. The session's events go to the page
through ``webllm_page.emit``; the page only renders them."""

from __future__ import annotations

import json
from typing import Any

from webllm_page import emit

from . import DEFAULT_SYSTEM_PROMPT, Session, create_session, describe_error, events
from .tools import MemoryStore

__all__ = [
    "clear",
    "configure",
    "describe_error",
    "export_json",
    "open_session",
    "send",
    "session",
    "settings",
    "stop",
]

# The page's one conversation.
_session: Session | None = None

SETTINGS = ("model", "system_prompt", "tools_enabled", "tool_names", "temperature")
# What ``demo_model`` sets. The offline demo model (the tiny model the page serves) gets the one tool
# it was trained on (tools/tiny_model/train.py; the others' descriptions would also fill most of its
# 1,024-token context) and decodes greedily: trained to copy numbers, sampled at its default
# temperature of 1.0 it miscopied 17 * 23 in 2 of 3 tries. Any other model: every tool, its own temperature.
MODEL_KINDS: dict[bool, dict[str, Any]] = {
    True: {"tool_names": ["calculator"], "temperature": 0},
    False: {"tool_names": None, "temperature": None},
}


class PageStorage(MemoryStore):
    """The page's localStorage as the tools see it: a worker has none, so the
    page hands over its items at start and applies every change the tools make
    (``storage:set`` / ``storage:remove`` events)."""

    def __init__(self, items: dict[str, str]) -> None:
        super().__init__()
        self.data.update(items)

    def setItem(self, key: str, value: str) -> None:  # noqa: N802 (the Web API's names)
        super().setItem(key, value)
        emit(events.STORAGE_SET, json.dumps({"key": key, "value": self.data[key]}))

    def removeItem(self, key: str) -> None:  # noqa: N802
        super().removeItem(key)
        emit(events.STORAGE_REMOVE, json.dumps({"key": key}))


def open_session(settings: dict[str, Any], saved_json: str | None, storage: dict[str, str]) -> dict[str, Any]:
    """Starts the session (restoring a saved conversation; ``settings`` as
    ``configure`` takes them; ``storage``: the page's localStorage items);
    returns what the settings panel shows."""
    global _session
    _session = create_session(emit, store=PageStorage(storage))
    if saved_json:
        _session.restore_json(saved_json)
    configure(settings)
    return {"system_prompt": _session.system_prompt, "default_system_prompt": DEFAULT_SYSTEM_PROMPT}


def session() -> Session:
    """The open session (the Python object: for Python code in the same realm)."""
    if _session is None:
        raise RuntimeError("open_session() first")
    return _session


def settings() -> dict[str, Any]:
    """The session's ``model``, ``system_prompt``, ``tools_enabled``, ``tool_names`` and ``temperature``."""
    return {key: getattr(session(), key) for key in SETTINGS}


async def send(text: str) -> None:
    """One turn of the agent loop; returns when it has ended (or was stopped)."""
    await session().start(text)


def stop() -> bool:
    return session().stop()


def clear() -> None:
    session().clear()


def export_json() -> str:
    return session().export_json()


def configure(changes: dict[str, Any]) -> None:
    """Sets ``model``, ``system_prompt``, ``tools_enabled``, ``tool_names`` (None: every tool)
    and/or ``temperature`` (None: the model's own); ``demo_model`` (a bool) sets the last two
    for the offline demo model or any other (``MODEL_KINDS``)."""
    if "demo_model" in changes:
        changes = {**MODEL_KINDS[bool(changes["demo_model"])], **changes}
    current = session()
    for key in SETTINGS:
        if key in changes:
            setattr(current, key, changes[key])
