"""The Python hosts people already use, offline in headless Chromium, with the wheel from build/dist.

    pytest tests/hosts --dist-dir build/dist

- ``hosts``: one server per session for build/dist (tools/serve.py's handler),
  with PyScript's npm build under /pyscript/, the JupyterLite site that make
  builds (build/lite) under /lite/, and the pages a test writes under /hosts/.
- ``driver``: one headless Chromium per module.
- Python code in a host reports what it saw over a BroadcastChannel
  (``REPORT_CHANNEL``), which reaches the page from a worker as well; the
  page's one line of test script keeps the messages in ``window.reports``.
"""

from __future__ import annotations

import http.server
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import ROOT, chromium, serve

PYSCRIPT = ROOT / "node_modules" / "@pyscript" / "core" / "dist"
LITE = ROOT / "build" / "lite"
REPORT_CHANNEL = "host-test"
# What a page adds to keep the reports: the test's only script on it.
REPORT_LISTENER = (
    f'<script>new BroadcastChannel("{REPORT_CHANNEL}").onmessage = '
    "(event) => (window.reports ??= []).push(event.data);</script>"
)
# Python that defines report(value): the value, as JSON, to the page.
PY_REPORT = f"""
import json as _json
import js as _js
_channel = _js.BroadcastChannel.new("{REPORT_CHANNEL}")
def report(value):
    _channel.postMessage(_json.dumps(value))
"""


@pytest.fixture(scope="session")
def dist_dir(request) -> Path:
    dist = Path(getattr(request.config.option, "dist_dir", None) or ROOT / "build" / "dist").resolve()
    if not (dist / "pyodide-lock.json").exists():
        pytest.exit(f"{dist} is not a built dist: run `make dist`", returncode=4)
    return dist


@dataclass
class Hosts:
    url: str
    pages: Path
    dist: Path

    @property
    def wheel(self) -> str:
        """Our wheel's URL, as a user would pass it to micropip or PyScript."""
        (wheel,) = self.dist.glob("webllm_provider-*.whl")
        return f"{self.url}/{wheel.name}"

    def page(self, name: str, html: str) -> str:
        (self.pages / name).write_text(html)
        return f"{self.url}/hosts/{name}"


@pytest.fixture(scope="session")
def hosts(dist_dir, tmp_path_factory):
    pages = tmp_path_factory.mktemp("pages")
    mounts = {"/pyscript/": PYSCRIPT, "/lite/": LITE, "/hosts/": pages}

    class Handler(serve.Handler):
        def translate_path(self, path: str) -> str:
            for prefix, folder in mounts.items():
                if path.startswith(prefix):
                    self.directory = str(folder)  # this request's handler only
                    return super().translate_path(path[len(prefix) - 1 :])
            return super().translate_path(path)

        def end_headers(self):
            if self.path.startswith("/lite/"):
                # JupyterLite as sites serve it, not cross-origin isolated: with COOP/COEP its kernel
                # switches to SharedArrayBuffer calls (coincident), which fail here ("value.then is
                # not a function") on the notebook's file system calls.
                http.server.SimpleHTTPRequestHandler.end_headers(self)
            else:
                super().end_headers()

        def log_message(self, *args):
            pass

    url, stop = serve.start(dist_dir, Handler)
    yield Hosts(url, pages, dist_dir)
    stop()


@pytest.fixture(scope="module")
def driver():
    driver = chromium.driver(browser_log=True)
    driver.set_script_timeout(180)
    yield driver
    driver.quit()


def reports(driver, count: int, timeout: float) -> list:
    """The first ``count`` reports the page's Python sent; fails at once on one that reports an error."""

    def arrived():
        got = [json.loads(text) for text in driver.execute_script("return window.reports ?? [];")]
        failed = [report for report in got if isinstance(report, dict) and "error" in report]
        if failed:
            raise AssertionError(f"Python in the host failed: {failed[0]['error']}")
        return got if len(got) >= count else None

    return chromium.until(arrived, timeout, f"{count} report(s) from Python", explain=lambda: browser_log(driver))


def browser_log(driver) -> str:
    return "\n".join(entry["message"] for entry in driver.get_log("browser")[-30:])


TINY_MODEL = json.loads((ROOT / "tests" / "fixtures" / "tiny-model" / "app-config.json").read_text())
TINY_MODEL_ID = TINY_MODEL["model_list"][0]["model_id"]


def tiny_model_app_config(hosts: Hosts) -> dict:
    """The tiny model's AppConfig (the fixture's), its URLs those of build/dist/models/ on this server."""
    models = f"{hosts.url}/models/"
    records = [
        {**r, "model": models + r["model"], "model_lib": models + r["model_lib"]} for r in TINY_MODEL["model_list"]
    ]
    return {**TINY_MODEL, "model_list": records}
