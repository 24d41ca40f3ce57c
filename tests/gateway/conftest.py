"""The gateway as users run it: ``python -m webllm_provider.gateway`` in a
subprocess, a headless Chromium tab on its page running the scripted engine
behind WebLLM's real worker handler (js/testing/scripted-worker.js), and
clients on the host (the official ``openai`` SDK, httpx, GatewayBridge).

Fixtures:
- ``browser``: one Chromium for the module (tabs are opened and closed per test).
- ``gateway``: a fresh gateway process per test (``GatewayProcess``), stopped after.
- ``tab``: one tab connected to ``gateway``, with a q4f32 model loaded.
- ``client``: ``openai.OpenAI`` for ``gateway``, without retries.
- ``with tiny_model_gateway(browser) as (gateway, tab)``: a gateway on WebLLM's real engine serving the tiny model
  (tests/fixtures/tiny-model) with one tab, for a module-scoped fixture of a test module.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tools import chromium
from tools import gateway_harness as harness
from tools.chromium import until as wait_until
from tools.gateway_harness import HERMES, MODEL, ROOT, GatewayProcess, load

APP_CONFIG = ROOT / "tests" / "fixtures" / "tiny-model" / "app-config.json"
TINY = "tiny-llama-q0f32"  # the app config's first id (its second is HERMES, WebLLM's native tool path)


@pytest.fixture(scope="module")
def browser():
    driver = chromium.driver(harness.TAB_FLAGS)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def open_tab(browser):
    """``open_tab(gateway, model=MODEL)``: see tools/gateway_harness.py; closed after the test."""
    opened = []

    def open_(gateway, model=MODEL):
        opened.append(harness.open_tab(browser, gateway, model))
        return opened[-1]

    yield open_
    for tab in opened:
        if tab.handle in browser.window_handles:
            tab.close()


@pytest.fixture
def gateway():
    process = GatewayProcess().start()
    yield process
    process.stop()


@pytest.fixture
def tab(gateway, open_tab):
    return open_tab(gateway)


@contextmanager
def tiny_model_gateway(browser):
    """The gateway on WebLLM's real engine (js/webllm-worker.js) with the tiny model's app config, a tab
    with TINY loaded."""
    process = GatewayProcess("--worker", "webllm-worker.js", "--app-config", str(APP_CONFIG)).start()
    tab = harness.open_tab(browser, process, model=TINY)
    yield process, tab
    tab.close()
    process.stop()


@pytest.fixture
def client(gateway):
    from openai import OpenAI

    with OpenAI(base_url=f"{gateway.url}/v1", api_key=gateway.token, max_retries=0, timeout=60) as openai_client:
        yield openai_client


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


# The OpenAI tool the gateway's client tests offer.
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


__all__ = [
    "APP_CONFIG",
    "HERMES",
    "MODEL",
    "TINY",
    "WEATHER",
    "GatewayProcess",
    "ask",
    "load",
    "tiny_model_gateway",
    "wait_until",
]
