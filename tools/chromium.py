"""Headless Chromium as this project runs it: Debian's browser and driver, offline,
and the two things every Selenium layer does in a tab: run async JavaScript
(``run``) and wait for a condition (``until``).

Shared by the test harness (tests/browser through pytest-pyodide, tests/app,
tests/placements, tests/gateway through tools/gateway_harness.py) and the
benchmark, so every page here sees the same browser and fails the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from typing import TypeVar

from selenium.common.exceptions import JavascriptException, TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("SE_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"

FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--enable-unsafe-webgpu",  # a SwiftShader adapter: WebGPU on the CPU, without shader-f16
    # No network but loopback, the same on every machine (CI may have some).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def offline_selenium() -> None:
    """Selenium uses Debian's chromedriver and never looks for one online."""
    os.environ.setdefault("SE_OFFLINE", "true")
    os.environ.setdefault("SE_CHROMEDRIVER", CHROMEDRIVER)


def driver(extra_flags=(), *, browser_log: bool = False):
    """A new headless Chromium under Selenium."""
    offline_selenium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, *extra_flags]:
        options.add_argument(flag)
    if browser_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


class ScriptRejected(JavascriptException):
    """The async JavaScript that ``run`` ran rejected (or threw): its error's
    ``name``, ``message`` and ``stack``, as the page saw them."""

    def __init__(self, name: str, message: str, stack: str) -> None:
        super().__init__(f"{name}: {message}", stacktrace=[stack] if stack else None)
        self.name = name
        self.message = message
        self.stack = stack


# The body runs in an async function, so it may `await` and `return`;
# `arguments` are the script's (Selenium's callback last). The value crosses
# as JSON text, so every caller gets JSON's types (undefined becomes None).
_RUN = """
const done = arguments[arguments.length - 1];
(async () => {{ {body}\n}})().then((value) => JSON.stringify(value ?? null)).then(
    (json) => done({{ ok: true, json }}),
    (error) => done({{ ok: false, name: String(error?.name ?? typeof error), message: String(error?.message ?? error),
                       stack: String(error?.stack ?? "") }}));
"""


def run(driver, body: str, *args):
    """Runs ``body`` (JavaScript that may ``await``; ``return`` a JSON value) in
    the driver's current tab and returns its value. A rejection raises
    ``ScriptRejected``; a promise that never settles, Selenium's TimeoutException
    after the driver's script timeout."""
    result = driver.execute_async_script(_RUN.format(body=body), *args)
    if not result["ok"]:
        raise ScriptRejected(result["name"], result["message"], result["stack"])
    return json.loads(result["json"])


T = TypeVar("T")


def until(
    condition: Callable[[], T],
    timeout: float = 30,
    what: str = "a condition",
    *,
    poll: float = 0.05,
    explain: Callable[[], str] | None = None,
) -> T:
    """``condition()``'s first truthy value, polled with Selenium's WebDriverWait.
    An exception from ``condition`` propagates at once; a timeout raises
    TimeoutError naming ``what``, with ``explain()`` (the page's state) appended."""
    try:
        # WebDriverWait hands its "driver" to the condition only; this one needs none.
        return WebDriverWait(None, timeout, poll_frequency=poll).until(lambda _: condition())
    except TimeoutException:
        detail = f"\n{explain()}" if explain else ""
        raise TimeoutError(f"timed out after {timeout} s waiting for {what}{detail}") from None


def until_js(driver, expression: str, timeout: float = 30, what: str | None = None, **kwargs):
    """The first truthy value of a (synchronous) JavaScript expression in the current tab."""
    script = f"return ({expression});"
    return until(lambda: driver.execute_script(script), timeout, what or expression, **kwargs)


def shared_workers(driver) -> list[str]:
    """The URLs of the SharedWorkers running in the browser (DevTools' targets)."""
    targets = driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
    return [target["url"] for target in targets if target["type"] == "shared_worker"]


def until_shared_workers_gone(driver, timeout: float = 30) -> None:
    """Waits until no SharedWorker runs (e.g. after ``endSharedEngine``), so the next page starts a fresh one."""
    until(lambda: not shared_workers(driver), timeout, "the shared workers to end")


@contextlib.contextmanager
def without_shared_worker(driver) -> Iterator[None]:
    """Every page opened inside has no SharedWorker, as in Chrome on Android (a script run first, by CDP)."""
    script = {"source": "delete globalThis.SharedWorker;"}
    added = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", script)
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})
