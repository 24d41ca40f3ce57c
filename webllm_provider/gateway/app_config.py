"""Custom models: WebLLM's AppConfig (``--app-config FILE``) and the folder it sits in.

The file is WebLLM's own ``AppConfig`` JSON: a ``model_list`` of records
(``model_id``, ``model`` URL, ``model_lib`` URL, ``overrides``, ...). The tab
registers it with its engine instead of WebLLM's prebuilt catalog, so
``/v1/models`` lists exactly these models. Relative URLs in it resolve
against ``/models/`` on the gateway, which serves the file's folder; WebLLM
fetches a model's files from ``<model>resolve/main/``, which is dropped
here, so a folder laid out as ``<model>/mlc-chat-config.json`` serves as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from ..app_config import app_config_problem

MODELS_PATH = "/models"
_RESOLVE = "/resolve/main/"


def read_app_config(path: str) -> dict[str, Any]:
    """The parsed AppConfig; ValueError says what is wrong with it."""
    try:
        config = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"--app-config {path}: {exc}") from None
    problem = app_config_problem(config)
    if problem:
        raise ValueError(f"--app-config {path}: {problem}")
    assert isinstance(config, dict)  # a usable AppConfig is one
    return config


class ModelFolder:
    """The folder next to the AppConfig, with WebLLM's ``resolve/main/`` taken out of the path."""

    def __init__(self, directory: str) -> None:
        self.files = StaticFiles(directory=directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if _RESOLVE in path:
            scope = {**scope, "path": path.replace(_RESOLVE, "/", 1)}
        await self.files(scope, receive, send)
