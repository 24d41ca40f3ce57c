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
from collections.abc import AsyncGenerator
from importlib import resources
from typing import Any, cast

from pyodide.ffi import JsException, to_js

import js

from ._compat._lite_errors import ConfigurationError  # Pyodide: never amplifier-core's
from .contract import ProgressCallback
from .engine_settings import EngineSettings
from .errors import PROVIDER
from .packaged import BRIDGE, ENGINE, FOLDER, IN_WHEEL, WITHOUT_BLOB
from .protocol import PYTHON_MODULE, BridgeModule, GpuInfo, ModelRecord
from .pyodide_bridge import PyodideBridge, _settle

JAVASCRIPT = "text/javascript"  # a module script's blob: must say what it is


# The registered module this package started, and the settings it started with.
_started: tuple[str, asyncio.Future[BridgeModule]] | None = None
# blob: URLs of the packaged files, kept for the page's life: a crashed engine is restarted from the same URL.
_script_urls: dict[str, str] = {}


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

    # The engine's 6 MB are inflated while the bridge is imported.
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
        return await _settle(dynamic_import(await _packaged_script_url(BRIDGE)))
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
    return worker_url or await _packaged_script_url(ENGINE)


async def _packaged_script_url(bundle: str) -> str:
    if bundle not in _script_urls:
        packed = IN_WHEEL[bundle]
        try:
            source = resources.files("webllm_provider").joinpath(FOLDER, packed).read_bytes()
        except FileNotFoundError:
            raise ConfigurationError(
                f"This install of webllm-provider has no webllm_provider/{FOLDER}/{packed}: "
                "install the wheel `make dist` builds (build/dist/webllm_provider-*.whl).",
                provider=PROVIDER,
            ) from None
        blob = js.Blob.new([to_js(source)], _options(type=JAVASCRIPT))
        if packed != bundle:  # gzipped: inflated by the browser, off Python's thread
            inflated = blob.stream().pipeThrough(js.DecompressionStream.new("gzip"))
            blob = await _settle(
                js.Response.new(inflated, _options(headers=_options(**{"Content-Type": JAVASCRIPT}))).blob()
            )
        _script_urls[bundle] = str(js.URL.createObjectURL(blob))
    return _script_urls[bundle]


def _options(**fields: Any) -> Any:
    """A plain JavaScript object (to_js would make a Map of a dict)."""
    return to_js(fields, dict_converter=js.Object.fromEntries)
