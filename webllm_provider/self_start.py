"""Pyodide with no bridge a page installed: the provider starts its own engine.

The wheel carries two JavaScript files: the bridge (``_web/webllm-bridge.js``,
js/self-start.js bundled with the part of WebLLM that drives an engine) and
its engine (``_web/webllm-provider.js.gz``, js/self-start-engine.js bundled with
all of WebLLM, gzipped). Python imports the bridge into its own realm (a page, or a
worker such as a PyScript worker or a JupyterLite kernel) from a ``blob:`` URL
of its bytes; it registers itself as ``webllm_bridge``, exactly as a page's
js/bridge.js would, and starts a dedicated engine worker (a nested worker when
Python runs in a worker) from a ``blob:`` URL of the engine's bytes, or from
``worker_url``. Where a Content-Security-Policy forbids ``blob:`` scripts,
``worker_url`` (the engine file, served) is imported as the bridge too.

One bridge per Pyodide: providers with the same engine settings share it (a
notebook cell run twice finds the engine and its loaded model); other
settings replace it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import os
from collections.abc import AsyncGenerator
from typing import Any, cast

from pyodide.ffi import JsException, to_js

import js

from ._compat._lite_errors import ConfigurationError  # Pyodide: never amplifier-core's
from .contract import ProgressCallback
from .engine_settings import EngineSettings
from .errors import PROVIDER
from .packaged import BRIDGE, ENGINE, FOLDER, WASM, WITHOUT_BLOB, packed, unpacked
from .protocol import PYTHON_MODULE, BridgeModule, GpuInfo, ModelRecord
from .pyodide_bridge import PyodideBridge, _settle

JAVASCRIPT = "text/javascript"  # a module script's blob: must say what it is
GZIP = "application/gzip"
# The packaged files, read by path: Pyodide always unpacks a wheel, and importlib.resources (10 ms)
# and urllib.parse (60 ms with ipaddress) would be most of a self-start's own time (bench/README.md).
_FOLDER = os.path.join(os.path.dirname(__file__), FOLDER)


# The registered module this package started, and the settings it started with.
_started: tuple[str, asyncio.Future[BridgeModule]] | None = None
# blob: URLs of the packaged files, kept for the page's life: a crashed engine is restarted from the same URL.
_packaged_urls: dict[str, str] = {}


def is_own(module: object) -> bool:
    """Whether ``module`` (the registered ``webllm_bridge``) is one this package started."""
    if _started is None or not _started[1].done() or _started[1].exception():
        return False
    return _started[1].result() is module


class SelfStartingBridge:
    """The bridge, started on first use (the import is asynchronous; a provider is built synchronously)."""

    def __init__(self, settings: EngineSettings) -> None:
        self._settings = settings
        self._bridge: PyodideBridge | None = None

    async def _started(self) -> PyodideBridge:
        global _started
        options = self._settings.as_json()
        if _started is None or _started[0] != options or _replaced(_started[1]):
            _started = (options, asyncio.ensure_future(_start(self._settings)))
        starting = _started
        try:
            module = await asyncio.shield(starting[1])
        except BaseException:
            if _started is starting and starting[1].done():
                _started = None  # the next call tries again
            raise
        if self._bridge is None or self._bridge._js is not module:
            self._bridge = PyodideBridge(module)
        return self._bridge

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        return await (await self._started()).complete(request)

    async def stream(self, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        # Closing this generator closes the bridge's, which stops the generation.
        async with contextlib.aclosing((await self._started()).stream(request)) as chunks:
            async for chunk in chunks:
                yield chunk

    async def list_models(self) -> list[ModelRecord]:
        return await (await self._started()).list_models()

    async def gpu_info(self) -> GpuInfo:
        return await (await self._started()).gpu_info()

    async def loaded_model(self) -> str | None:
        return await (await self._started()).loaded_model()

    async def load(self, model_id: str, on_progress: ProgressCallback | None = None) -> None:
        await (await self._started()).load(model_id, on_progress)


def _replaced(started: asyncio.Future[BridgeModule]) -> bool:
    """Whether the module started is no longer the registered one (an app registered its own since)."""
    if not started.done() or started.exception():
        return False
    try:
        return importlib.import_module(PYTHON_MODULE) is not started.result()
    except ImportError:
        return True


async def _start(settings: EngineSettings) -> BridgeModule:
    if getattr(js, "Worker", None) is None:
        raise ConfigurationError(
            "No WebLLM bridge, and this Pyodide has no Web Workers to start an engine in (Node?). "
            "Pass WebLLMProvider(bridge=...).",
            provider=PROVIDER,
        )
    import pyodide_js  # Pyodide's JavaScript API, which the bridge registers itself in

    # The engine's script is inflated while the bridge is imported.
    script, engine = await asyncio.gather(_import_script(settings.worker_url), _engine_url(settings.worker_url))
    try:
        script.startBridge(pyodide_js, dataclasses.replace(settings, worker_url=engine).as_json(), WITHOUT_BLOB)
    except JsException as exc:
        raise ConfigurationError(f"The provider could not start its engine: {exc}", provider=PROVIDER) from None
    return cast(BridgeModule, importlib.import_module(PYTHON_MODULE))


async def _import_script(worker_url: str | None) -> Any:
    """js/self-start.js's module: from a blob: URL of the packaged file, else (CSP) from ``worker_url``,
    the engine's file, which offers it too."""
    dynamic_import = js.eval("(url) => import(url)")  # Python has no import() of its own for JavaScript
    try:
        return await _settle(dynamic_import(await _script_url(BRIDGE)))
    except Exception as blocked:
        if worker_url is None:
            raise ConfigurationError(
                f"The provider could not load its engine script from a blob: URL ({blocked}). If this page's "
                f"Content-Security-Policy forbids blob: scripts, {WITHOUT_BLOB}",
                provider=PROVIDER,
            ) from None
    try:
        return await _settle(dynamic_import(worker_url))
    except Exception as exc:
        raise ConfigurationError(
            f"The provider could not load its engine script from worker_url {worker_url!r}: {exc}", provider=PROVIDER
        ) from None


async def _engine_url(worker_url: str | None) -> str:
    """``worker_url``, or a blob: URL of the packaged engine whose fragment names a blob: URL of each
    wasm module beside it: a blob: worker can resolve nothing relative (js/webllm-wasm.js)."""
    if worker_url:
        return worker_url
    engine = await _script_url(ENGINE)  # first: it says so when the wheel lacks its files
    wasm = {name: _packaged_url(name, GZIP) for name in sorted(_packaged_wasm())}
    return f"{engine}#{js.URLSearchParams.new(_options(**wasm))}"  # read back the same way


def _packaged_wasm() -> list[str]:
    return [unpacked(name) for name in os.listdir(_FOLDER) if name.endswith(packed(WASM))]


async def _script_url(name: str) -> str:
    """A blob: URL of a packaged script, inflated by the browser (off Python's thread) if it is gzipped."""
    if name not in _packaged_urls:
        if packed(name) == name:
            return _packaged_url(name, JAVASCRIPT)
        gzipped = js.Blob.new([to_js(_packaged_bytes(name))])
        inflated = gzipped.stream().pipeThrough(js.DecompressionStream.new("gzip"))
        headers = _options(headers=_options(**{"Content-Type": JAVASCRIPT}))
        blob = await _settle(js.Response.new(inflated, headers).blob())
        _packaged_urls.setdefault(name, str(js.URL.createObjectURL(blob)))
    return _packaged_urls[name]


def _packaged_url(name: str, media_type: str) -> str:
    """A blob: URL of a packaged file as the wheel holds it: the wasm stays gzipped until the engine
    fetches it at a model's load (js/webllm-wasm.js inflates it), so start-up never waits on it."""
    if name not in _packaged_urls:
        blob = js.Blob.new([to_js(_packaged_bytes(name))], _options(type=media_type))
        _packaged_urls[name] = str(js.URL.createObjectURL(blob))
    return _packaged_urls[name]


def _packaged_bytes(name: str) -> bytes:
    in_wheel = packed(name)
    try:
        with open(os.path.join(_FOLDER, in_wheel), "rb") as file:
            return file.read()
    except FileNotFoundError:
        raise ConfigurationError(
            f"This install of webllm-provider has no webllm_provider/{FOLDER}/{in_wheel}: "
            "install the wheel `make dist` builds (build/dist/webllm_provider-*.whl).",
            provider=PROVIDER,
        ) from None


def _options(**fields: Any) -> Any:
    """A plain JavaScript object (to_js would make a Map of a dict)."""
    return to_js(fields, dict_converter=js.Object.fromEntries)
