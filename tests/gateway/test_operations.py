"""The /api operations: models, load progress, batch, metrics, history, clear, cache, sessions."""

import concurrent.futures

import pytest

from .conftest import HERMES, MODEL, GatewayProcess, ask, load, wait_until


def chat(gateway, **body):
    response = gateway.http.post("/v1/chat/completions", json={"model": MODEL, **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_models_with_fits_and_recommended(gateway, tab):
    every = gateway.get("/api/models")
    fitting = gateway.get("/api/models", params={"fits": "true"})["models"]
    recommended = gateway.get("/api/models", params={"recommended": "true"})["models"]
    assert every["gpu"]["architecture"] == "swiftshader"
    assert 0 < len(fitting) < len(every["models"])
    assert all(not set(m["required_features"]) - set(every["gpu"]["features"]) for m in fitting)
    assert not any("q4f16" in m["model_id"] for m in fitting)  # this GPU has no shader-f16
    (pick,) = recommended
    assert pick["fits"] and pick["recommended"]
    info = gateway.get(f"/api/models/{MODEL}")
    assert info["model_id"] == MODEL and info["loaded_in"] == [tab.id] and info["fits"]
    missing = gateway.http.get("/api/models/Nope-MLC")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "NotFoundError"


def test_load_reports_progress(gateway, open_tab):
    tab = open_tab(gateway, model=None)
    tab.control("setLoadDelay", ms=300)
    events = load(gateway, MODEL)
    progress = [data for event, data in events if event == "progress"]
    assert len(progress) >= 2 and progress[-1]["progress"] == 1
    assert events[-1] == ("loaded", {"model": MODEL, "tab": tab.id})
    assert gateway.get("/api/status")["loaded"] == MODEL
    failed = gateway.http.post("/api/models/Nope-MLC/load")
    assert "event: error" in failed.text and "ModelNotFoundError" in failed.text
    # A request naming another model loads it first; its progress shows in the tab's status.
    tab.control("setLoadDelay", ms=3000)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        other = "Llama-3.2-1B-Instruct-q4f32_1-MLC"
        reply = pool.submit(chat, gateway, model=other, messages=ask("hi"))
        wait_until(lambda: (gateway.tabs()[0]["progress"] or {}).get("text"), 20, "load progress in the status")
        assert reply.result(timeout=60)["model"] == other


def test_per_model_configuration(gateway, tab):
    response = gateway.http.put(f"/api/models/{MODEL}/config", json={"temperature": 0.3, "max_tokens": 20})
    assert response.json() == {"model": MODEL, "config": {"temperature": 0.3, "max_tokens": 20}}
    chat(gateway, messages=ask("configured"))
    chat(gateway, messages=ask("mine"), temperature=1.1)
    first, second = tab.received()[-2:]
    assert (first["temperature"], first["max_tokens"]) == (0.3, 20)
    assert (second["temperature"], second["max_tokens"]) == (1.1, 20)  # the request's own value wins
    assert gateway.get(f"/api/models/{MODEL}")["config"] == {"temperature": 0.3, "max_tokens": 20}
    for bad in ({"temperature": -1}, {"colour": "red"}, {"tool_mode": "native"}, [1]):
        assert gateway.http.put(f"/api/models/{MODEL}/config", json=bad).status_code == 400
    assert gateway.http.put("/api/models/Nope-MLC/config", json={}).status_code == 404


def test_batch_with_totals(gateway, tab):
    tab.push({"content": "first answer"}, {"error": {"name": "ContextWindowSizeExceededError", "message": "long"}})
    response = gateway.http.post(
        "/api/batch",
        json={"requests": [{"model": MODEL, "messages": ask("a")}, {"messages": ask("b")}, {"messages": ask("c")}]},
    )
    assert response.status_code == 200, response.text
    batch = response.json()
    contents = {
        r["index"]: r["response"]["choices"][0]["message"]["content"] for r in batch["results"] if r["status"] == 200
    }
    assert contents == {0: "first answer", 2: "You said: c"}
    assert batch["results"][1]["status"] == 400 and batch["results"][1]["error"]["type"] == "ContextLengthError"
    totals = batch["totals"]
    assert totals["prompts"] == 3 and totals["succeeded"] == 2 and totals["failed"] == 1
    assert totals["total_tokens"] == sum(
        r["response"]["usage"]["total_tokens"] for r in batch["results"] if r["status"] == 200
    )
    assert totals["total_time_ms"] > 0
    bad = gateway.http.post("/api/batch", json={"requests": [{"messages": []}]})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "requests[0].messages"


def test_metrics_history_and_clear(gateway, tab):
    for text in ("one", "two", "three"):
        chat(gateway, messages=ask(text))
    metrics = gateway.get("/api/metrics")["metrics"]
    assert metrics["total_requests"] == 3 and metrics["succeeded"] == 3 and metrics["total_tokens"] > 0
    assert metrics["average_time_ms"] > 0
    history = gateway.get("/api/history", params={"limit": 2})["history"]
    assert len(history) == 2 and history[0]["at"] >= history[1]["at"] and history[0]["tab"] == tab.id
    assert gateway.http.get("/api/history", params={"limit": "0"}).status_code == 400
    assert gateway.http.post("/api/clear").status_code == 200
    assert gateway.get("/api/metrics")["metrics"]["total_requests"] == 0
    assert gateway.get("/api/history")["history"] == []


@pytest.fixture
def caching_gateway():
    process = GatewayProcess("--cache-size", "2").start()
    yield process
    process.stop()


def test_the_cache_serves_deterministic_requests_keyed_by_the_whole_request(caching_gateway, open_tab):
    gateway = caching_gateway
    tab = open_tab(gateway)
    first = chat(gateway, messages=ask("same"), temperature=0)
    again = chat(gateway, messages=ask("same"), temperature=0)
    assert again == first and len(tab.received()) == 1
    chat(gateway, messages=ask("same"), temperature=0, max_tokens=50)  # another field: another key
    chat(gateway, messages=ask("same"))  # not deterministic: never cached
    chat(gateway, messages=ask("same"))
    assert len(tab.received()) == 4
    streamed = [
        gateway.http.post(
            "/v1/chat/completions", json={"model": MODEL, "messages": ask("s"), "seed": 7, "stream": True}
        ).text
        for _ in range(2)
    ]
    assert streamed[0] == streamed[1] and len(tab.received()) == 5
    cache = gateway.get("/api/metrics")["cache"]
    assert cache["hits"] == 2 and cache["entries"] == 2 and cache["capacity"] == 2  # bounded: the oldest went
    assert [r["cached"] for r in gateway.get("/api/history", params={"limit": 7})["history"]].count(True) == 2


def test_the_cache_never_replays_tool_calls_whose_ids_must_be_new(caching_gateway, open_tab):
    gateway = caching_gateway
    tab = open_tab(gateway)
    load(gateway, HERMES)
    call = {"name": "get_weather", "arguments": {"city": "Paris"}}
    tab.push({"tool_calls": [call]}, {"tool_calls": [call]})
    tools = [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {}}}},
        }
    ]
    ids = [
        chat(gateway, model=HERMES, messages=ask("weather?"), tools=tools, temperature=0)["choices"][0]["message"][
            "tool_calls"
        ][0]["id"]
        for _ in range(2)
    ]
    assert len(tab.received()) == 2 and ids[0] != ids[1]


def test_sessions_status_and_close(gateway, tab):
    (session,) = gateway.tabs()
    assert session["id"] == tab.id and session["status"] == "idle" and session["loaded"] == MODEL
    assert gateway.get(f"/api/sessions/{tab.id}")["served"] >= 1
    assert gateway.http.delete(f"/api/sessions/{tab.id}").status_code == 200
    wait_until(lambda: gateway.tabs() == [], 20, "the session to close")
    wait_until(lambda: tab.status() == "closed", 20, "the tab to show it is closed")
    assert gateway.http.get(f"/api/sessions/{tab.id}").status_code == 404
