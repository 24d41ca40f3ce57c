"""Tabs and the gateway going away at the worst moments."""

import concurrent.futures

import openai
import pytest

from .conftest import MODEL, GatewayProcess, ask, wait_until

LONG = {"content": "word " * 2000, "tokens_per_second": 20}  # 100 s of generation


def test_a_tab_reloaded_mid_stream_fails_the_stream_with_the_worker_error_and_comes_back(client, gateway, tab):
    tab.push(LONG)
    stream = client.chat.completions.create(model=MODEL, messages=ask("long"), stream=True)
    with pytest.raises(openai.APIError) as failed:
        for index, _ in enumerate(stream):
            if index == 2:
                tab.driver.switch_to.window(tab.handle)
                tab.driver.refresh()
    assert failed.value.body["code"] == "WorkerError" and failed.value.body["type"] == "ProviderUnavailableError"
    (back,) = wait_until(lambda: [t for t in gateway.tabs() if t["id"] != tab.id], 60, "the reloaded tab")
    reply = client.chat.completions.create(model=MODEL, messages=ask("again"))
    assert reply.choices[0].message.content == "You said: again"
    assert gateway.get("/api/history", params={"limit": 1})["history"][0]["tab"] == back["id"]


def test_two_tabs_one_closes_its_request_fails_the_queued_ones_move(client, gateway, open_tab):
    first, second = open_tab(gateway), open_tab(gateway)
    first.push(LONG)
    second.push(*({"content": f"answer {i} a b c", "tokens_per_second": 40} for i in range(4)))

    def ask_one(i):
        try:
            return client.chat.completions.create(model=MODEL, messages=ask(f"q{i}")).choices[0].message.content
        except openai.APIStatusError as error:
            return error

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(ask_one, i) for i in range(4)]
        wait_until(
            lambda: all(t["status"] == "busy" for t in gateway.tabs()) and len(gateway.tabs()) == 2,
            30,
            "both tabs busy",
        )
        wait_until(lambda: gateway.get("/api/status")["queue"]["waiting"] == 2, 30, "two requests queued")
        first.close()
        results = [f.result(timeout=120) for f in futures]
    failures = [r for r in results if isinstance(r, Exception)]
    # The first tab's request fails with the worker error; the queued ones went to the second tab.
    assert len(failures) == 1 and failures[0].status_code == 503 and failures[0].body["code"] == "WorkerError"
    assert sorted(r for r in results if isinstance(r, str)) == [f"answer {i} a b c" for i in range(3)]
    assert {r["tab"] for r in gateway.get("/api/history")["history"] if r["status"] == 200} == {second.id}


def test_the_gateway_restarts_while_a_tab_waits(gateway, tab):
    gateway.stop()
    wait_until(lambda: tab.status() == "reconnecting", 30, "the tab to notice")
    again = GatewayProcess(port=gateway.port, token=gateway.token).start()
    try:
        (session,) = wait_until(again.tabs, 60, "the tab to reconnect by itself")
        assert session["loaded"] == MODEL  # the worker kept its model
        response = again.http.post("/v1/chat/completions", json={"messages": ask("still there?")})
        assert (
            response.status_code == 200
            and response.json()["choices"][0]["message"]["content"] == "You said: still there?"
        )
    finally:
        again.stop()


@pytest.fixture
def impatient_gateway():
    process = GatewayProcess("--tab-wait", "1").start()
    yield process
    process.stop()


def test_without_a_tab_a_request_fails_as_unavailable_after_tab_wait(impatient_gateway):
    response = impatient_gateway.http.post("/v1/chat/completions", json={"messages": ask("anyone?")})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "WorkerError" and "No browser tab" in error["webllm_message"] and error["retryable"]


def test_a_request_sent_before_any_tab_is_served_when_one_connects(gateway, open_tab):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        body = {"model": MODEL, "messages": ask("early")}
        waiting = pool.submit(gateway.http.post, "/v1/chat/completions", json=body)
        wait_until(lambda: gateway.get("/api/status")["queue"]["waiting"] == 1, 20, "the request to queue")
        open_tab(gateway, model=None)
        response = waiting.result(timeout=60)
    # The tab loads the model the request names, then answers.
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"] == "You said: early"
