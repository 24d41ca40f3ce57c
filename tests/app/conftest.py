"""Selenium fixtures for the example app (examples/browser-app/, served from build/dist).

    pytest tests/app [--dist-dir build/dist]

- ``dist_dir``: the built dist folder (``make dist``); ``--dist-dir`` if it
  holds the app, else build/dist.
- ``serving(dist)``: starts tools/serve.py's handler (MIME types, COOP/COEP,
  no-cache) on a free loopback port in a thread; returns (base_url, stop).
- ``app_server``: one such server per module.
- ``driver``: one headless Chromium per module (Debian's chromium and
  chromedriver, offline Selenium). Every host but 127.0.0.1 fails to resolve,
  so "no network" is the same on every machine.
- ``app``: an ``AppPage`` helper over ``driver`` and ``app_server``, for one
  test: the origin's storage (the saved conversation, the preferences, the
  to-do list) is cleared first, so no test sees another's, whatever the order.
  The test opens the page itself.
- ``DEMO_MODEL``: the id of the app's offline demo model.

The agent's Python (examples/browser-app/agent) is importable here too, for
the CPython tests of the tools and the session loop.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT, chromium, serve

APP_SOURCE = ROOT / "examples" / "browser-app"
sys.path.insert(0, str(APP_SOURCE))  # `import agent` for the CPython tests

# The offline demo model the app serves (the tiny model, build/dist/models/).
DEMO_MODEL = json.loads((ROOT / "tests" / "fixtures" / "tiny-model" / "app-config.json").read_text())["model_list"][0][
    "model_id"
]


class _QuietHandler(serve.Handler):
    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="session")
def dist_dir(request) -> Path:
    candidates = []
    option = getattr(request.config.option, "dist_dir", None)
    if option:
        candidates.append(Path(option))
    candidates.append(ROOT / "build" / "dist")
    for candidate in candidates:
        if (candidate / "pyodide-lock.json").exists() and (candidate / "app.js").exists():
            return candidate.resolve()
    pytest.exit("No built dist with the example app: run `make dist` (or pass --dist-dir).", returncode=4)


@pytest.fixture(scope="session")
def serving():
    """``serving(directory) -> (base_url, stop)``; every server still running is stopped at the end."""
    stops = []

    def start(directory: Path):
        url, stop = serve.start(directory, _QuietHandler)
        stops.append(stop)
        return url, stop

    yield start
    for stop in stops:
        stop()


@pytest.fixture(scope="module")
def app_server(serving, dist_dir):
    url, stop = serving(dist_dir)
    yield url
    stop()


def new_driver():
    driver = chromium.driver(["--window-size=1100,850"], browser_log=True)
    driver.set_script_timeout(60)
    return driver


@pytest.fixture(scope="module")
def driver():
    driver = new_driver()
    yield driver
    driver.quit()


class AppPage:
    """What a test does with the app, in the app's own terms."""

    def __init__(self, driver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    # ---- navigation

    def open(self, query: str = "engine=scripted", *, wait: bool = True) -> AppPage:
        self.driver.get(f"{self.base_url}/?{query}" if query else f"{self.base_url}/")
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        self.wait_for(
            "document.documentElement.dataset.appReady === 'true' && !!window.app?.state?.model",
            timeout,
            "the app to be ready",
        )

    def reset(self) -> None:
        """Leave the page and clear what the app keeps in the origin's storage."""
        self.driver.get("about:blank")
        self.driver.execute_cdp_cmd(
            "Storage.clearDataForOrigin", {"origin": self.base_url, "storageTypes": "indexeddb,local_storage"}
        )

    def until(self, condition, timeout: float = 20, what: str = "a condition"):
        """``condition(driver)``'s first truthy value; a timeout shows the page's state."""
        return chromium.until(lambda: condition(self.driver), timeout, what, explain=self.debug)

    def wait_for(self, js_condition: str, timeout: float = 20, what: str | None = None):
        """The first truthy value of a JavaScript expression."""
        return chromium.until_js(self.driver, js_condition, timeout, what, explain=self.debug)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def js_async(self, body: str, *args):
        """Run ``body`` (may use await) and return its value; a rejection raises chromium.ScriptRejected."""
        return chromium.run(self.driver, body, *args)

    def debug(self) -> str:
        try:
            return json.dumps(
                self.js("""return {
                status: document.getElementById('status-text')?.textContent,
                timings: window.appTimings,
                messages: document.getElementById('messages')?.innerText.slice(-800)}"""),
                indent=1,
            )
        except Exception as exc:  # the page may be gone
            return f"(no page state: {exc})"

    # ---- the scripted engine

    def push(self, *replies: dict) -> None:
        self.js_async("await app.control({action: 'push', replies: arguments[0]});", list(replies))

    def engine_state(self) -> dict:
        return self.js_async("return await app.control({action: 'state'});")

    # ---- the UI

    def type_and_send(self, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        self._shown_before_send = self.js("return document.querySelectorAll('#messages > li').length")
        box = self.driver.find_element("id", "prompt")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def wait_idle(self, timeout: float = 20) -> None:
        self.wait_for("!app.state.busy", timeout, "the reply to finish")

    def wait_busy(self, timeout: float = 10) -> None:
        # A short reply can start and finish between two polls: a message on
        # screen since type_and_send() means it started too.
        shown = getattr(self, "_shown_before_send", None)
        started = (
            "app.state.busy"
            if shown is None
            else f"app.state.busy || document.querySelectorAll('#messages > li').length > {shown}"
        )
        self.wait_for(started, timeout, "a reply to start")

    def messages(self) -> list[dict]:
        """Each shown message: role, text, classes, tool cards, meta line."""
        return self.js("""
            return [...document.querySelectorAll('#messages > li')].map((li) => ({
                role: li.classList.contains('user') ? 'user' : 'assistant',
                classes: [...li.classList],
                text: li.querySelector('.body')?.textContent ?? '',
                tools: [...li.querySelectorAll('.tool-card')].map((card) => ({
                    name: card.querySelector('.tool-name').textContent,
                    args: card.querySelector('.tool-args').textContent,
                    result: card.querySelector('.tool-result').textContent,
                    state: card.dataset.state,
                })),
                meta: li.querySelector('.meta')?.textContent ?? '',
                error: li.querySelector('.error-box')?.textContent ?? '',
            }));
        """)

    def status(self) -> str:
        return self.js("return document.getElementById('status-text').textContent")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))


@pytest.fixture
def app(driver, app_server) -> AppPage:
    page = AppPage(driver, app_server)
    page.reset()
    return page
