"""Headless Chromium for the browser layer (``pytest tests/browser --runtime chrome --dist-dir build/dist``).

pytest-pyodide's SeleniumChromeRunner builds ``Chrome(options=options)`` from
the flags set here. Selenium finds the driver through ``SE_CHROMEDRIVER``
(Debian's /usr/bin/chromedriver), so Selenium Manager never runs and never
goes online; chromedriver finds /usr/bin/chromium itself.

Fixtures:
- ``selenium`` (pytest-pyodide): a page with Pyodide booted, shared by the
  tests of one module (one browser and one Pyodide boot per module, 3-6 s
  here), logs cleared per test.
  ``selenium_standalone`` gives a fresh browser per test where that matters.
- ``install_bridge(js_options=None, **options)``: our wheel installed (micropip,
  offline) and ``globalThis.bridge = await installBridge(pyodide, {...})``
  from /webllm/bridge.js, with the scripted worker and a q4f32 model by default.
  The bridge is disposed after the test.
- ``selenium_page``: ``install_bridge()`` with the defaults, and ``import pagetools``
  (this folder's pagetools.py) working inside Pyodide; returns ``selenium``.
  ``selenium_page_without_model`` and ``selenium_real_worker`` (WebLLM's real engine) vary it.
- ``selenium_tiny_model``: WebLLM's real engine in the production worker with the
  tiny model of tests/fixtures/tiny-model, loaded once per module, from Python,
  with its progress reports kept in ``pagetools.tiny_model_load``.
"""

import contextlib
import json
import textwrap
from pathlib import Path

import pytest
from pytest_pyodide import get_global_config

from ..conftest import chromium, install_wheel

chromium.offline_selenium()  # Selenium reads it each time it starts a driver
CHROME_FLAGS = [*chromium.FLAGS, "--js-flags=--expose-gc"]

# Test pages use the scripted worker (WebLLM's real worker handler around a
# scripted engine, js/testing/scripted-worker.js), so no weights are needed.
BRIDGE_DEFAULTS = {
    "workerUrl": "/webllm/testing/scripted-worker.js",
    "model": "Qwen2.5-0.5B-Instruct-q4f32_1-MLC",
}


def pytest_configure(config):
    get_global_config().set_flags("chrome", CHROME_FLAGS)


def start_bridge(selenium, js_options=None, **options):
    """``globalThis.bridge = await installBridge(pyodide, ...)`` from /webllm/bridge.js.

    ``options`` are JSON values over BRIDGE_DEFAULTS (``model=None`` installs
    without loading a model); ``js_options`` is a JavaScript object literal for
    what JSON cannot carry, e.g. ``"{onProgress: (r) => (globalThis.reports ??= []).push(r)}"``.
    """
    options = {k: v for k, v in {**BRIDGE_DEFAULTS, **options}.items() if v is not None}
    selenium.run_js(
        f"""
        const {{ installBridge }} = await import("/webllm/bridge.js");
        const {{ control }} = await import("/webllm/testing/control.js");
        globalThis.control = (message) => control(globalThis.bridge, message);  // pagetools.control
        globalThis.bridge = await installBridge(pyodide, {{
            ...{json.dumps(options)},
            ...({js_options or "{}"}),
        }});
        """
    )
    return selenium


def stop_bridge(selenium):
    """Dispose the bridge: worker terminated, Python names removed."""
    selenium.run_js("globalThis.bridge?.dispose(); delete globalThis.bridge;")


def copy_helpers(selenium):
    """Make this folder's pagetools.py and agentloop.py importable inside Pyodide."""
    for helper in ("pagetools.py", "agentloop.py"):
        source = (Path(__file__).parent / helper).read_text()
        selenium.run_js(f"pyodide.FS.writeFile('/home/pyodide/{helper}', {json.dumps(source)});")
    return selenium


@pytest.fixture
def install_bridge(provider_installed):
    """Return ``install(js_options=None, **options)`` (see ``start_bridge``), which
    returns ``selenium``; the bridge is disposed after the test."""
    yield lambda js_options=None, **options: start_bridge(provider_installed, js_options, **options)
    stop_bridge(provider_installed)


@pytest.fixture
def pagetools(provider_installed):
    """``selenium`` where Pyodide can ``import pagetools`` and ``import agentloop``."""
    return copy_helpers(provider_installed)


@pytest.fixture
def selenium_page(pagetools, install_bridge):
    """The scripted engine behind the real worker handler, a model loaded, pagetools importable."""
    return install_bridge()


@pytest.fixture
def selenium_page_without_model(pagetools, install_bridge):
    """As ``selenium_page``, but no model loaded yet."""
    return install_bridge(model=None)


@pytest.fixture
def selenium_real_worker(pagetools, install_bridge):
    """The production worker: WebLLM's real engine, which here can download nothing."""
    return install_bridge(model=None, workerUrl="/webllm/webllm-worker.js")


@pytest.fixture
def selenium_without_webgpu(request, runtime, web_server_main, playwright_browsers, provider_wheel):
    """A fresh Chromium started without ``--enable-unsafe-webgpu``: the page has
    ``navigator.gpu`` but no adapter, as on a machine whose GPU WebGPU cannot use.
    WebLLM's real worker, our wheel and pagetools are installed."""
    from pytest_pyodide.fixture import selenium_common

    config = get_global_config()
    with contextlib.ExitStack() as stack:
        config.set_flags("chrome", [f for f in CHROME_FLAGS if f != "--enable-unsafe-webgpu"])
        try:
            selenium = stack.enter_context(
                selenium_common(request, runtime, web_server_main, browsers=playwright_browsers)
            )
        finally:
            config.set_flags("chrome", CHROME_FLAGS)
        install_wheel(selenium, provider_wheel)
        copy_helpers(selenium)
        start_bridge(selenium, model=None, workerUrl="/webllm/webllm-worker.js")
        yield selenium


TINY_MODEL_LOAD_TIMEOUT_S = 300  # about 15 s on an idle 2-vCPU machine, shader compilation mostly


@pytest.fixture(scope="module")
def tiny_model_page(selenium_module_scope, provider_wheel):
    """The module's browser with the tiny model loaded in WebLLM's real engine (once)."""
    selenium = selenium_module_scope
    install_wheel(selenium, provider_wheel)
    copy_helpers(selenium)
    selenium.run_js(
        """
        const tiny = await import("/webllm/testing/tiny-model.js");
        const { TINY_MODEL_ID, TINY_HERMES_MODEL_ID, tinyModelAppConfig } = tiny;
        globalThis.TINY_MODEL_ID = TINY_MODEL_ID;
        globalThis.TINY_HERMES_MODEL_ID = TINY_HERMES_MODEL_ID;
        const { installBridge } = await import("/webllm/bridge.js");
        globalThis.bridge = await installBridge(pyodide, {
            workerUrl: "/webllm/webllm-worker.js",
            appConfig: tinyModelAppConfig(new URL("/models/", location.href)),
        });
        """
    )
    usual_timeout = selenium.script_timeout
    selenium.set_script_timeout(TINY_MODEL_LOAD_TIMEOUT_S)
    try:
        selenium.run_async(
            textwrap.dedent(
                """
            import js
            import pagetools
            from webllm_provider import WebLLMProvider

            reports = []
            started = pagetools.now()
            model = await WebLLMProvider().load_model(js.TINY_MODEL_ID, on_progress=reports.append)
            pagetools.tiny_model_load = {"model": model, "reports": reports, "ms": pagetools.now() - started}
            """
            )
        )
    finally:
        selenium.set_script_timeout(usual_timeout)
    yield selenium
    stop_bridge(selenium)


@pytest.fixture
def selenium_tiny_model(tiny_model_page, selenium):
    """``selenium`` (logs cleared per test) on the page of ``tiny_model_page``."""
    return selenium
