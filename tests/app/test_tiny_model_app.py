"""The app on WebLLM's real engine, on the offline demo model: the tiny model of
tests/fixtures/tiny-model that build/dist serves under models/.

The page is opened as a new user with no network opens it (`?test` only
exposes `window.app`): the default model cannot be downloaded, the page offers
the demo model, and the user takes it. Trained for the calculator, asked for
17 * 23 it calls the calculator and answers with its result. Its other replies
are not held to their words: a reply streams into the page, the metrics are
the engine's own figures, and stop interrupts the real generation.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from agent.tools import evaluate

from .conftest import DEMO_MODEL, AppPage
from .test_app import record_streaming

# Pyodide's boot and the model's shaders; a tool loop's two replies (a prefill and a few dozen
# tokens each, at about 7 tokens/s on an idle machine), on a loaded 2-CPU machine.
TINY_LOAD_TIMEOUT = 300
TINY_REPLY_TIMEOUT = 240
SHORT_REPLY_TOKENS = 12  # about 2 s at the tiny model's 7 tokens/s


def open_offline_and_take_the_demo_model(app: AppPage) -> None:
    app.open("test", wait=False)  # the real WebLLM worker; no host but 127.0.0.1 resolves
    # Not `window.app` alone: until the app exposes itself, that name is the page's <div id="app">.
    app.wait_for(
        "document.documentElement.dataset.appReady === 'true' && !document.getElementById('demo-button').hidden",
        TINY_LOAD_TIMEOUT,
        "the offer",
    )
    failed = app.js("return app.state.wanted")
    assert failed != DEMO_MODEL and "could not be downloaded" in app.status(), app.status()
    app.driver.find_element("id", "demo-button").click()
    app.wait_ready(timeout=TINY_LOAD_TIMEOUT)
    assert app.js("return app.state.model") == DEMO_MODEL
    assert app.status().endswith("offline demo model")
    assert app.js("return document.getElementById('model-select').value") == DEMO_MODEL
    assert "nothing is downloaded" in app.js("return document.getElementById('model-note').textContent")


def run_in_session(app: AppPage, code: str) -> None:
    """Runs Python ``code`` in the app's Python worker (the test's code goes there by name, like the page's calls)."""
    prelude = "import dataclasses\nfrom agent import page\nprovider = page.session().provider\n"
    app.js_async("await app.python.call('builtins.exec', arguments[0], {});", prelude + code)


def seed_sampling(app: AppPage, n: int) -> None:
    """Fix the provider's sampling seed (large: WebLLM's generator makes a small seed's first draw ~0),
    and keep the reply short: a few tokens show it streaming, the app's 1,024 take minutes here."""
    run_in_session(
        app,
        f"provider.config = dataclasses.replace(provider.config, seed={1_000_003 * n})\n"
        f"page.session().max_output_tokens = {SHORT_REPLY_TOKENS}",
    )


@pytest.fixture(scope="module")
def tiny_page(driver, app_server) -> AppPage:
    """The app on the demo model, opened once for the module: the model's load is most of a test's time."""
    app = AppPage(driver, app_server)
    app.reset()
    open_offline_and_take_the_demo_model(app)
    return app


@pytest.fixture
def tiny(tiny_page: AppPage) -> AppPage:
    """``tiny_page`` as a fresh one is, whatever a test before left: no reply running, an empty chat,
    tools on, the session's own reply length, no seed."""
    app = tiny_page
    app.wait_idle(timeout=120)
    app.driver.find_element("id", "settings-button").click()
    if app.messages():
        clear = app.driver.find_element("id", "clear-button")
        clear.click()
        clear.click()  # two clicks: the first only arms it
        app.until(lambda _: app.messages() == [], 10, "the chat to be cleared")
    if not app.driver.find_element("id", "tools-toggle").is_selected():
        app.driver.find_element("id", "tools-toggle").click()
    app.driver.find_element("id", "settings-button").click()
    assert app.js_async("return await app.python.call('agent.page.settings');")["tools_enabled"] is True
    run_in_session(
        app,
        "import inspect\nfrom agent.session import Session\n"
        "provider.config = dataclasses.replace(provider.config, seed=None)\n"
        "page.session().max_output_tokens = inspect.signature(Session).parameters['max_output_tokens'].default",
    )
    return app


def reply_with_text(app: AppPage, prompt: str) -> dict:
    """Send ``prompt`` until the model says something, and return that reply's bubble.

    A random model may well answer with end-of-text at once, which leaves no
    bubble: seeds are tried in order (each deterministic) until one speaks.
    """
    for n in range(1, 6):
        seed_sampling(app, n)
        record_streaming(app)
        app.type_and_send(f"{prompt} ({n})")
        app.wait_busy()
        app.wait_idle(timeout=120)
        reply = app.messages()[-1]
        if reply["role"] == "assistant" and reply["text"].strip():
            return reply
    raise AssertionError(f"five seeds, no words: {app.messages()}")


def toggle_tools(app: AppPage) -> None:
    app.driver.find_element("id", "settings-button").click()
    app.driver.find_element("id", "tools-toggle").click()
    app.driver.find_element("id", "settings-button").click()


def last_reply_meta(app: AppPage) -> dict:
    """The finished reply's metrics as the Python session recorded them."""
    return json.loads(app.js_async("return await app.python.call('agent.page.export_json');"))["messages"][-1]["meta"]


def assert_calculated(messages: list[dict], value: int) -> None:
    """The tool loop did what was asked: the calculator was called with an expression worth
    ``value`` (by the app's own calculator), answered it, and the final reply says it."""
    calls = [tool for message in messages for tool in message["tools"]]
    assert calls and calls[0]["name"] == "calculator", messages
    assert evaluate(json.loads(calls[0]["args"])["expression"]) == value, calls
    assert calls[0]["state"] == "ok" and json.loads(calls[0]["result"].removeprefix("→ "))["result"] == value, calls
    final = messages[-1]
    assert final["role"] == "assistant" and not final["tools"] and not final["error"], messages
    assert str(value) in final["text"], messages


def test_offline_the_demo_model_offered_calls_the_calculator_for_17_times_23_and_answers_391(tiny: AppPage):
    app = tiny
    # The demo model is offered the one tool it knows (the others would fill its context window),
    # and decodes greedily.
    settings = app.js_async("return await app.python.call('agent.page.settings');")
    assert settings["tool_names"] == ["calculator"] and settings["temperature"] == 0
    app.type_and_send("What is 17 * 23?")
    app.wait_busy()
    app.wait_idle(timeout=TINY_REPLY_TIMEOUT)
    assert_calculated(app.messages(), 391)


def test_a_message_streams_a_reply_from_the_real_engine_with_its_own_figures(tiny: AppPage):
    app = tiny
    toggle_tools(app)  # off: a plain-text reply
    assert app.js_async("return await app.python.call('agent.page.settings');")["tools_enabled"] is False
    reply = reply_with_text(app, "Hello there")
    assert not reply["error"] and "stopped" not in reply["classes"]
    frames = app.js("return window.__frames")
    assert len([f for f in frames if f]) >= 2, f"the reply appeared at once, not streamed: {frames}"
    # The figures are WebLLM's own (usage and usage.extra), shown as the session recorded them.
    meta = last_reply_meta(app)
    assert meta["input_tokens"] > 10 and meta["output_tokens"] >= 1
    assert 0 < meta["decode_tokens_per_s"] < 1000 and meta["ttft_s"] > 0
    shown = re.search(r"TTFT ([\d.]+) s · ([\d.]+) tok/s · (\d+) in / (\d+) out", reply["meta"])
    assert shown, reply["meta"]
    assert (int(shown[3]), int(shown[4])) == (meta["input_tokens"], meta["output_tokens"])
    assert abs(float(shown[2]) - meta["decode_tokens_per_s"]) < 0.1
    assert DEMO_MODEL in reply["meta"]


def test_stop_interrupts_the_real_engine_and_the_next_message_works(tiny: AppPage):
    app = tiny
    app.type_and_send("Tell me everything, using your tools")
    app.wait_busy()
    started = time.monotonic()
    app.driver.find_element("id", "stop-button").click()
    app.wait_idle(timeout=10)
    assert time.monotonic() - started < 5, "the stop waited for the generation to end"
    assert "stopped" in app.messages()[-1]["classes"]

    # The next message is answered: the engine is free again.
    toggle_tools(app)
    reply = reply_with_text(app, "Hello again")
    assert not reply["error"] and "stopped" not in reply["classes"]
