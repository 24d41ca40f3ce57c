"""One engine for every tab: a second tab (or a reload) finds the model
loaded, requests from all tabs are served first in, first out, and a tab that
closes mid-stream frees its turn without disturbing the others."""

import time

from .conftest import MODEL


def requests_text(received: list) -> list:
    return [request["messages"][-1]["content"] for request in received]


def test_a_second_tab_is_ready_without_loading_the_model_again(python_page):
    first = python_page("worker", "shared")
    first.control("setLoadDelay", ms=2000)  # a reload here would be seen: progress reports, 2 s
    second = python_page("worker", "shared", model=None, new_tab=True)
    loaded_at = time.monotonic()
    second.js("await globalThis.started.bridge.load(arguments[0]);", MODEL)
    assert time.monotonic() - loaded_at < 1.5, "the second tab reloaded the model"
    assert second.js("return globalThis.progress;") == [], "no load ran for the second tab"
    assert second.control("state")["loaded"] == [MODEL]
    assert second.call("cases.complete", "from the second tab")["text"] == "You said: from the second tab"


def test_a_reload_finds_the_model_loaded(python_page, driver):
    page = python_page("main", "shared")
    page.control("setLoadDelay", ms=2000)
    driver.refresh()
    again = python_page("worker", "shared", model=None)
    again.js("await globalThis.started.bridge.load(arguments[0]);", MODEL)
    assert again.js("return globalThis.progress;") == []
    assert again.call("cases.complete", "after the reload")["text"] == "You said: after the reload"


def test_requests_of_all_tabs_are_served_first_in_first_out(python_page):
    first = python_page("worker", "shared")
    second = python_page("main", "shared", new_tab=True)
    first.control("push", replies=[{"content": " ".join(["slow"] * 60), "tokens_per_second": 30}])
    first.js("globalThis.replies = [python.call('cases.complete', 'first 1')];")
    first.wait_received(1)
    # Each request is queued before the next tab asks (the engine is busy for 2 s).
    order = [(second, "second 1"), (first, "first 2"), (second, "second 2"), (first, "first 3")]
    for page, text in order:
        page.js("(globalThis.replies ??= []).push(python.call('cases.complete', arguments[0]));", text)
        time.sleep(0.2)
    for page in (first, second):
        texts = page.js("return (await Promise.all(globalThis.replies)).map((reply) => reply.text);")
        assert all(text.startswith(("You said", "slow")) for text in texts), texts
    assert requests_text(first.control("state")["received"]) == ["first 1"] + [text for _, text in order]


def test_a_tab_closed_mid_stream_frees_its_turn(python_page, driver):
    staying = python_page("worker", "shared")
    closing = python_page("worker", "shared", new_tab=True)
    # 1,000 tokens at 20 tokens/s: 50 s, if the closed tab's stream went on.
    closing.control("push", replies=[{"content": " ".join(["long"] * 1000), "tokens_per_second": 20}])
    closing.js("python.call('cases.stream', 'never finished');")
    closing.wait_received(1)
    staying.js("globalThis.waiting = python.call('cases.complete', 'still here');")
    time.sleep(0.5)  # its turn is requested (it cannot reach the engine before the closing tab's turn ends)
    driver.switch_to.window(closing.handle)
    closed_at = time.monotonic()
    driver.close()
    reply = staying.js("return await globalThis.waiting;")
    assert time.monotonic() - closed_at < 30, "the closed tab's stream held the engine"
    assert reply["text"] == "You said: still here"
    assert requests_text(staying.control("state")["received"]) == ["never finished", "still here"]
