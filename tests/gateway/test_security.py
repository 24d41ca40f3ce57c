"""What a foreign page or a careless client can and cannot do to the gateway."""

import concurrent.futures
import json
import threading

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from .conftest import MODEL, GatewayProcess, ask, harness


@pytest.fixture(scope="module")
def quiet_gateway():
    """A gateway without tabs, shared by the module's handshake and token tests."""
    process = GatewayProcess().start()
    yield process
    process.stop()


def socket_url(gateway):
    return f"ws://127.0.0.1:{gateway.port}/tab"


@pytest.mark.parametrize(
    ("origin", "protocols"),
    [
        ("http://evil.example", ["webllm-gateway", "token.{token}"]),  # a foreign page that knows the token
        ("{url}", ["webllm-gateway"]),  # no token
        ("{url}", ["webllm-gateway", "token.wrong"]),
        (None, ["webllm-gateway", "token.{token}"]),  # no Origin at all
    ],
)
def test_the_tab_socket_refuses_foreign_origins_and_wrong_tokens(quiet_gateway, origin, protocols):
    gateway = quiet_gateway
    fill = {"token": gateway.token, "url": gateway.url}
    with pytest.raises(InvalidStatus) as refused:
        connect(
            socket_url(gateway),
            origin=origin.format(**fill) if origin else None,
            subprotocols=[p.format(**fill) for p in protocols],
        )
    assert refused.value.response.status_code == 403
    assert gateway.tabs() == []


def test_the_tab_socket_accepts_its_own_origin_with_the_token(gateway):
    with connect(
        socket_url(gateway), origin=gateway.url, subprotocols=["webllm-gateway", f"token.{gateway.token}"]
    ) as socket:
        socket.send(json.dumps({"type": "hello", "models": [], "gpu": {}, "loaded": None}))
        assert json.loads(socket.recv(10))["type"] == "welcome"
        assert len(gateway.tabs()) == 1


@pytest.mark.parametrize("path", ["/v1/models", "/api/health", "/api/history", "/api/sessions"])
@pytest.mark.parametrize("header", [None, "Bearer wrong", "test-token-0123456789"])  # the last lacks "Bearer"
def test_every_api_call_needs_the_token(quiet_gateway, path, header):
    gateway = quiet_gateway
    response = httpx.get(gateway.url + path, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.headers["www-authenticate"] == "Bearer"


def test_no_cors_and_no_foreign_host(gateway):
    preflight = httpx.options(
        gateway.url + "/v1/chat/completions",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    answer = gateway.http.get("/api/health", headers={"Origin": "http://evil.example"})
    assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers
    # A DNS-rebound name pointing at 127.0.0.1 reaches the port, but not the API.
    rebound = gateway.http.get("/api/health", headers={"Host": f"evil.example:{gateway.port}"})
    assert rebound.status_code == 400


@pytest.fixture(scope="module")
def small(browser):
    """One gateway with a small body limit and queue, and its tab, for the module's body and flood tests."""
    process = GatewayProcess("--max-body", "4000", "--max-queue", "3").start()
    tab = harness.open_tab(browser, process)
    yield process, tab
    tab.close()
    process.stop()


def post(gateway, body, **headers):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return gateway.http.post(
        "/v1/chat/completions", content=content, headers={"Content-Type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "param"),
    [
        pytest.param(json.dumps({"messages": ask("x" * 5000)}).encode(), {}, 413, None, id="oversized"),
        (b'{"messages": [', {}, 400, None),
        (b"\xff\xfe", {}, 400, None),
        ({"model": MODEL}, {}, 400, "messages"),
        ({"messages": []}, {}, 400, "messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, {}, 400, "messages[0].role"),
        ({"messages": [{"role": "user"}]}, {}, 400, "messages[0].content"),
        ({"messages": ask("hi"), "stream": "yes"}, {}, 400, "stream"),
        ({"messages": ask("hi"), "temperature": -1}, {}, 400, "sampling"),
        ({"messages": ask("hi"), "tools": [{"type": "function"}]}, {}, 400, "tools[0]"),
        ([1, 2], {}, 400, "body"),
        ({"messages": ask("hi")}, {"Content-Type": "text/plain"}, 415, None),
    ],
)
def test_bad_bodies_get_a_clear_4xx_and_reach_no_tab(small, body, headers, status, param):
    small_gateway, tab = small
    before = len(tab.received())
    response = post(small_gateway, body, **headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"] and error["type"]
    if param:
        assert error["param"] == param
    assert len(tab.received()) == before
    assert small_gateway.get("/api/status")["queue"]["waiting"] == 0


def test_a_flood_gets_429_with_retry_after_and_loses_nothing_accepted(small):
    small_gateway, tab = small
    before = len(tab.received())
    small_gateway.http.post("/api/clear")
    # Each reply takes ~0.25 s, so the queue (3) fills while the first runs.
    tab.push(*({"content": f"reply {i} a b c d", "tokens_per_second": 20} for i in range(20)))
    start = threading.Barrier(12)

    def one(i):
        start.wait()
        return post(small_gateway, {"model": MODEL, "messages": ask(f"request {i}")})

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(one, range(12)))
    accepted = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert len(accepted) + len(refused) == 12 and refused and len(accepted) >= 4
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert all(r.json()["error"]["type"] == "rate_limit_error" for r in refused)
    replies = sorted(r.json()["choices"][0]["message"]["content"] for r in accepted)
    assert replies == sorted(f"reply {i} a b c d" for i in range(len(accepted)))  # each accepted one answered once
    assert len(tab.received()) - before == len(accepted)  # the refused ones never reached the tab
    metrics = small_gateway.get("/api/metrics")["metrics"]
    assert metrics["succeeded"] == len(accepted) and metrics["rejected"] == len(refused) and metrics["failed"] == 0
