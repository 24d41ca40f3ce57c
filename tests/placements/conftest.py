"""Both Python placements (main thread, Python worker) and both engine
placements (dedicated worker, SharedWorker), in headless Chromium, behind the
scripted engine: ``pytest tests/placements --dist-dir build/dist``.

- ``driver``: one headless Chromium per module (tests/app's settings).
- ``python_page(python, engine)``: opens a blank page of the served dist and
  starts js/python-launcher.js's ``startPython`` there with the provider wheel and
  cases.py, a model loaded; returns a ``PythonPage``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..app.conftest import dist_dir, new_driver, serving  # noqa: F401 (dist_dir and serving are fixtures)
from ..conftest import chromium

MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"
CASES = (Path(__file__).parent / "cases.py").read_text()


class PythonPage:
    """One tab with Python started by startPython (globalThis.python, events and progress recorded)."""

    def __init__(self, driver, handle: str, engine: str) -> None:
        self.driver = driver
        self.handle = handle
        self.engine = engine

    def js(self, body: str, *args):
        """Runs ``body`` (may await) in this tab; a rejection raises chromium.ScriptRejected."""
        self.driver.switch_to.window(self.handle)
        return chromium.run(self.driver, body, *args)

    def call(self, target: str, *args):
        return self.js("return await globalThis.python.call(arguments[0], ...arguments[1]);", target, list(args))

    def control(self, action: str, **fields):
        """Steers the scripted engine (js/testing/control.js) behind this tab's Python."""
        return self.js(
            'const { control } = await import("/webllm/testing/control.js");'
            " return await control(globalThis.python, arguments[0]);",
            {"action": action, **fields},
        )

    def wait_received(self, count: int, timeout: float = 30) -> list:
        """Waits until the engine has received ``count`` requests; returns them."""

        def enough():
            received = self.control("state")["received"]
            return received if len(received) >= count else None

        return chromium.until(enough, timeout, f"the engine to receive {count} requests")


def start(
    driver,
    base_url: str,
    python: str,
    engine: str,
    *,
    model: str | None = MODEL,
    new_tab=False,
    worker: str = "scripted-worker.js",
) -> PythonPage:
    if new_tab:
        driver.switch_to.new_window("tab")
    driver.get(f"{base_url}/webllm/")
    page = PythonPage(driver, driver.current_window_handle, engine)
    options = {
        "placement": python,
        "engine": engine,
        "indexURL": f"{base_url}/",
        "workerUrl": f"{base_url}/webllm/testing/{worker}",
        # relays control messages to the engine (the "worker" placement)
        "pythonWorkerUrl": f"{base_url}/webllm/testing/scripted-python-worker.js",
        "packages": ["webllm-provider"],
        "files": {"cases.py": CASES},
    }
    started = page.js(
        """
        const { startPython } = await import("/webllm/python-launcher.js");
        globalThis.events = [];
        globalThis.progress = [];
        globalThis.started = startPython({
            ...arguments[0],
            onEvent: (name, json) => globalThis.events.push([name, JSON.parse(json)]),
            onProgress: (report) => globalThis.progress.push(report.progress),
        });
        if (arguments[1]) await globalThis.started.bridge.load(arguments[1]);
        globalThis.python = await globalThis.started.ready;
        return globalThis.python.placement;
        """,
        options,
        model,
    )
    assert started == python, json.dumps(started)
    return page


@pytest.fixture(scope="module")
def driver():
    driver = new_driver()
    driver.set_script_timeout(90)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def app_server(serving, dist_dir):  # noqa: F811 (dist_dir and serving: the fixtures imported above)
    url, stop = serving(dist_dir)
    yield url
    stop()


@pytest.fixture
def python_page(driver, app_server):
    pages = []

    def open_page(python: str, engine: str = "dedicated", **kwargs) -> PythonPage:
        page = start(driver, app_server, python, engine, **kwargs)
        pages.append(page)
        return page

    yield open_page
    if not pages:
        return
    if any(page.engine == "shared" for page in pages):
        # The next test starts with no shared engine (one would outlive this test: that is its point).
        pages[0].js(
            'const { endSharedEngine } = await import("/webllm/python-launcher.js"); endSharedEngine(arguments[0]);',
            f"{app_server}/webllm/testing/scripted-worker.js",
        )
        chromium.until_shared_workers_gone(driver)
    # Close every extra tab; the first is reused by the next test (a fresh document).
    for handle in {page.handle for page in pages} - {pages[0].handle}:
        if handle in driver.window_handles:
            driver.switch_to.window(handle)
            driver.close()
    driver.switch_to.window(driver.window_handles[0])
    driver.get("about:blank")
