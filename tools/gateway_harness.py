"""The local gateway as tests and the benchmark drive it: ``python -m
webllm_provider.gateway`` in a subprocess with the scripted engine's worker,
and browser tabs on its page (Selenium; scripts and waits from tools/chromium.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tools.chromium import run, until

ROOT = Path(__file__).resolve().parent.parent
MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"
HERMES = "Hermes-3-Llama-3.1-8B-q4f32_1-MLC"
WEB_DIR = ROOT / "build" / "web"
# Several tabs share one window's process here: none may be throttled as a background tab.
TAB_FLAGS = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GatewayProcess:
    def __init__(self, *args: str, port: int | None = None, token: str = "test-token-0123456789") -> None:
        self.args = list(args)
        self.port = port or free_port()
        self.token = token
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def start(self) -> GatewayProcess:
        if not (WEB_DIR / "gateway-page.js").exists():
            raise RuntimeError("build/web has no gateway bundle: run `make dist`")
        command = [sys.executable, "-m", "webllm_provider.gateway", "--port", str(self.port), "--web-dir", str(WEB_DIR)]
        command += ["--worker", "testing/scripted-worker.js", *self.args]
        env = {**os.environ, "WEBLLM_GATEWAY_TOKEN": self.token}
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.banner = self.process.stdout.readline() + self.process.stdout.readline() + self.process.stdout.readline()
        until(self._answers, 30, "the gateway to answer")
        return self

    def _answers(self) -> bool:
        try:
            return self.http.get("/api/health").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:  # uvicorn waits for open streams to end
                self.process.kill()
                self.process.wait(10)

    def get(self, path: str, **kwargs) -> dict:
        response = self.http.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def tabs(self) -> list[dict]:
        return self.get("/api/sessions")["sessions"]

    def page_url(self) -> str:
        return f"{self.url}/#token={self.token}"


class Tab:
    """One browser tab (a window of its own) on the gateway's page."""

    def __init__(self, driver, handle: str) -> None:
        self.driver = driver
        self.handle = handle

    def js(self, body: str, *args):
        """Runs ``body`` (may await; ``return`` a JSON value) in this tab (tools/chromium.py's ``run``)."""
        self.driver.switch_to.window(self.handle)
        return run(self.driver, body, *args)

    def control(self, action: str, **fields):
        """Steers the scripted engine (js/testing/control.js) behind the tab's bridge."""
        return self.js(
            'const { control } = await import("/web/testing/control.js");'
            " return await control(webllmGateway.bridge, arguments[0]);",
            {"action": action, **fields},
        )

    def push(self, *replies: dict) -> None:
        self.control("push", replies=list(replies))

    def received(self) -> list[dict]:
        return self.control("state")["received"]

    def status(self) -> str:
        return self.js("return document.getElementById('status').textContent;")

    def close(self) -> None:
        self.driver.switch_to.window(self.handle)
        self.driver.close()
        self.driver.switch_to.window(self.driver.window_handles[0])  # the module's blank first window


def open_tab(driver, gateway: GatewayProcess, model: str | None = MODEL) -> Tab:
    """A new window on the gateway's page, connected, ``model`` loaded."""
    before = {t["id"] for t in gateway.tabs()}
    driver.switch_to.new_window("window")
    tab = Tab(driver, driver.current_window_handle)
    driver.get(gateway.page_url())
    new = until(lambda: [t for t in gateway.tabs() if t["id"] not in before], 60, "the tab to connect")
    tab.id = new[0]["id"]
    if model:
        load(gateway, model)
    return tab


def load(gateway: GatewayProcess, model: str) -> list[dict]:
    """POST /api/models/<model>/load; the server-sent events as (event, data) pairs."""
    events = []
    # WebLLM's real engine reports no progress while it compiles its shaders (SwiftShader):
    # on a busy 2-core machine that alone takes minutes.
    with gateway.http.stream("POST", f"/api/models/{model}/load", timeout=httpx.Timeout(30, read=300)) as response:
        assert response.status_code == 200
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append((event, json.loads(line[6:])))
    assert events[-1][0] == "loaded", events
    return events
