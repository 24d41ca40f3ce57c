"""The docs' code, run: ``pytest tests/docs --dist-dir build/dist``.

- ``page_server``: build/dist served as tools/serve.py serves it (the app
  layer's ``serving``), with the snippets a test writes (``page_server.put``)
  laid over its root, so a README snippet's ``./pyodide.mjs`` and
  ``./webllm/...`` resolve as on a user's page.
- ``driver``: one headless Chromium for the module (the app layer's).
- The gateway layer's fixtures (``gateway``, ``tab``) for the CPython snippets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..app.conftest import _QuietHandler, dist_dir, driver  # noqa: F401 (fixtures)
from ..conftest import chromium, serve
from ..gateway.conftest import browser, gateway, open_tab, tab  # noqa: F401 (fixtures)

# A page of the served origin: the README's page snippet writes progress into #progress.
PAGE = '<!doctype html><meta charset="utf-8"><title>snippet</title><div id="progress"></div>'


class PageServer:
    def __init__(self, url: str, overlay: Path) -> None:
        self.url = url
        self.overlay = overlay

    def put(self, name: str, text: str) -> str:
        (self.overlay / name).write_text(text)
        return f"/{name}"


@pytest.fixture(scope="module")
def page_server(dist_dir, tmp_path_factory):  # noqa: F811 (dist_dir: the fixture imported above)
    overlay = tmp_path_factory.mktemp("snippets")
    (overlay / "snippet.html").write_text(PAGE)

    class Handler(_QuietHandler):
        def translate_path(self, path):
            own = overlay / path.split("?", 1)[0].lstrip("/")
            return str(own) if own.is_file() else super().translate_path(path)

    url, stop = serve.start(dist_dir, Handler)
    yield PageServer(url, overlay)
    stop()


def run_module(chrome, page_server: PageServer, name: str, source: str) -> list[str]:
    """Opens a blank page of the origin, imports ``source`` there as the module /``name``
    (kept as ``globalThis.snippet``) and returns the names it exports."""
    chrome.get(f"{page_server.url}/snippet.html")
    url = page_server.put(name, source)
    return chromium.run(chrome, "globalThis.snippet = await import(arguments[0]); return Object.keys(snippet);", url)
