"""A real amplifier-core AmplifierSession on CPython whose provider's model runs in the browser tab.

The kernel mounts ``provider-webllm`` from its entry point; the provider finds
the gateway through the environment. The orchestrator, context and tools are
the CPython layer's test modules (tests/cpython/amplifier_modules). The tab
runs the scripted engine, or WebLLM's real engine on the trained tiny model
(tests/fixtures/tiny-model), whose tool loops are asserted by what they mean.
"""

import asyncio
import functools
import json
from pathlib import Path

import pytest
from amplifier_core import AmplifierSession
from amplifier_core.events import LLM_REQUEST, LLM_RESPONSE, TOOL_POST, TOOL_PRE
from amplifier_core.models import HookResult

from webllm_provider import events

from ..cpython.stream_contract import contract_blocks
from .conftest import HERMES, MODEL, TINY, load, tiny_model_gateway, wait_until

TESTS = Path(__file__).parents[1]
MODULES = TESTS / "cpython" / "amplifier_modules"
EXAMPLE_APP = TESTS.parent / "examples" / "browser-app"  # the calculator tool wraps the app's own
CALCULATOR = {"module": "tool-calculator"}
CALL = {"name": "calculator", "arguments": {"expression": "6*7"}}
HEARD = (
    LLM_REQUEST,
    LLM_RESPONSE,
    TOOL_PRE,
    TOOL_POST,
    events.PROVIDER_RETRY,
    events.STREAM_BLOCK_START,
    events.STREAM_BLOCK_DELTA,
    events.STREAM_BLOCK_END,
)


@pytest.fixture
def sessions(monkeypatch):
    """``start(gateway, model, tools=[CALCULATOR], **provider_config)``: an initialized session whose
    provider uses ``gateway``, with a recorder on HEARD; returns (session, heard)."""
    monkeypatch.syspath_prepend(str(MODULES))
    monkeypatch.syspath_prepend(str(EXAMPLE_APP))

    async def start(gateway, model, tools=(CALCULATOR,), **provider_config):
        monkeypatch.setenv("WEBLLM_GATEWAY_URL", gateway.url)
        monkeypatch.setenv("WEBLLM_GATEWAY_TOKEN", gateway.token)
        session = AmplifierSession(
            {
                "session": {"orchestrator": "loop-test-basic", "context": "context-list"},
                "providers": [{"module": "provider-webllm", "config": {"default_model": model, **provider_config}}],
                "tools": list(tools),
            }
        )
        await session.initialize()
        heard = []

        async def record(event, data):
            heard.append((event, data))
            return HookResult()

        for event in HEARD:
            session.coordinator.hooks.register(event, record, name=f"record-{event}")
        return session, heard

    return start


@pytest.fixture
def session_for(sessions, gateway):
    return functools.partial(sessions, gateway)


def streams(heard):
    by_request = {}
    for event, data in heard:
        if event.startswith("llm:stream_"):
            by_request.setdefault(data["request_id"], []).append((event, data))
    return [contract_blocks(stream) for stream in by_request.values()]


@pytest.mark.parametrize("model", [MODEL, HERMES])  # the constrained and the native tool path
async def test_a_session_streams_its_tool_loop_from_the_tabs_engine(session_for, gateway, tab, model):
    load(gateway, model)
    if model == HERMES:
        tab.push({"tool_calls": [CALL]}, {"tool_calls": []}, {"content": "It is 42."})
    else:
        tab.push({"content": json.dumps({"tool_calls": [CALL]})}, {"content": json.dumps({"answer": "It is 42."})})
    session, heard = await session_for(model)
    try:
        assert await session.execute("What is 6*7?") == "It is 42."
    finally:
        await session.cleanup()
    responses = [data for event, data in heard if event == "llm:response"]
    assert [data["status"] for data in responses] == ["ok", "ok"]
    # The hooks heard the reply as the tab's engine streamed it, block by block.
    assert streams(heard) == [[("tool_use", "calculator")], [("text", "It is 42.")]]
    sent = tab.received()
    # A reply with tools is generated whole and read back into tool calls; text streams.
    assert all(request["stream"] is ("tools" not in request) for request in sent)
    # The call and its result went back to the model once each, as the model writes and reads them.
    call_turn, result_turn = sent[-1]["messages"][-2:]
    result = json.dumps({"expression": "6*7", "result": 42})
    if model == HERMES:
        # In the order WebLLM's grammar has the model write it: arguments, then name.
        assert call_turn["content"] == json.dumps([{"arguments": CALL["arguments"], "name": CALL["name"]}])
        assert result_turn["content"] == json.dumps({"name": "calculator", "content": result})
    else:
        assert call_turn["content"] == json.dumps({"tool_calls": [CALL]})  # the model's own words, replayed
        assert result_turn["content"] == f"Tool result for calculator (call 1):\n{result}"
    # The provider's two requests went through the gateway; on the native path the gateway asked
    # once more without tools for the text answer (tool_calling.needs_answer_pass).
    assert gateway.get("/api/metrics")["metrics"]["succeeded"] == 2
    assert len(sent) == (3 if model == HERMES else 2)


async def test_amplifiers_immediate_cancel_stops_the_tabs_generation(session_for, gateway, tab):
    load(gateway, MODEL)
    tab.push({"content": json.dumps({"answer": "word " * 400}), "tokens_per_second": 40})
    session, heard = await session_for(MODEL)
    try:
        turn = asyncio.ensure_future(session.execute("Talk"))
        await wait_for(lambda: any(event == events.STREAM_BLOCK_DELTA for event, _ in heard))
        await session.coordinator.request_cancel(immediate=True)
        answer = await asyncio.wait_for(turn, 30)
    finally:
        await session.cleanup()
    assert answer.startswith("word") and len(answer) < len("word " * 400)
    (response,) = [data for event, data in heard if event == "llm:response"]
    assert response["finish_reason"] == "abort"
    wait_until(lambda: gateway.tabs()[0]["status"] == "idle", 30, "the tab's generation to stop")


async def test_a_lost_device_in_the_tab_is_a_typed_error(session_for, gateway, tab):
    load(gateway, MODEL)
    tab.push({"error": {"name": "DeviceLostError", "message": "lost"}})
    session, heard = await session_for(MODEL, tools=[], max_retries=0)
    try:
        with pytest.raises(Exception, match="ProviderUnavailableError.*GPU device was lost"):
            await session.execute("Hi")
    finally:
        await session.cleanup()
    assert [data["status"] for event, data in heard if event == "llm:response"] == ["error"]


async def test_a_lost_device_in_the_tab_is_retried_on_a_fresh_worker(session_for, gateway, tab):
    load(gateway, MODEL)
    tab.push({"error": {"name": "DeviceLostError", "message": "lost"}})
    session, heard = await session_for(MODEL, tools=[], retry_delay=0)
    try:
        # The tab's bridge replaced the lost worker; its fresh scripted engine has no script, so it echoes.
        assert await session.execute("Hi") == "You said: Hi"
    finally:
        await session.cleanup()
    (retry,) = [data for event, data in heard if event == events.PROVIDER_RETRY]
    assert retry["error_type"] == "ProviderUnavailableError" and retry["attempt"] == 1
    assert [data["status"] for event, data in heard if event == "llm:response"] == ["ok"]


async def wait_for(condition, timeout=30):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


# --- WebLLM's real engine on the tiny model, which was trained on these tools (tools/tiny_model/dialogues.py),
# on both tool paths: the provider's constrained one (the tiny id) and WebLLM's own (the Hermes id).

PARIS = {"temperature_c": 14, "conditions": "cloudy"}
# The app's calculator, then get_weather: tools and order as the model was taught them.
TINY_TOOLS = (CALCULATOR, {"module": "tool-weather", "config": {"readings": {"Paris": PARIS}}})


@pytest.fixture(scope="module")
def tiny_gateway(browser):
    with tiny_model_gateway(browser) as (process, _):
        yield process


@pytest.fixture(scope="module", params=[TINY, HERMES], ids=["constrained", "native"])
def tiny_path(request, tiny_gateway):
    """The tiny model under each path's id, loaded in the tab. Module-scoped, so pytest runs every
    test on one path before the other: the tab's engine switches model once."""
    load(tiny_gateway, request.param)
    return tiny_gateway, request.param


async def tiny_turn(sessions, path, question):
    """One turn of a session on the tiny model, greedy: (answer, what the hooks heard, the gateway's records)."""
    gateway, model = path
    assert gateway.http.post("/api/clear").status_code == 200
    session, heard = await sessions(gateway, model, TINY_TOOLS, temperature=0, max_tokens=96)
    try:
        answer = await session.execute(question)
    finally:
        await session.cleanup()
    return answer, heard, gateway.get("/api/history")["history"][::-1]


def tool_runs(heard):
    """(name, input, result) of every tool the orchestrator ran, from tool:pre and tool:post."""
    pre = [(data["tool_name"], data["tool_input"]) for event, data in heard if event == TOOL_PRE]
    post = [(data["tool_name"], data["tool_input"], data["result"]) for event, data in heard if event == TOOL_POST]
    assert [run[:2] for run in post] == pre
    return post


def check_loop(heard, records, tool, answer):
    """Two requests, both ok: a tool call, then the answer, streamed to the hooks as it was returned."""
    assert [data["status"] for event, data in heard if event == LLM_RESPONSE] == ["ok", "ok"]
    assert len([event for event, _ in heard if event == LLM_REQUEST]) == 2
    assert streams(heard) == [[("tool_use", tool)], [("text", answer)]]
    assert [record["status"] for record in records] == [200, 200]
    # The follow-up prefilled only what is new: WebLLM kept the conversation's KV cache (usage
    # counts the tokens prefilled), which needs the model's own words replayed exactly.
    assert records[1]["prompt_tokens"] < records[0]["prompt_tokens"] / 2, records


async def test_the_tiny_model_calculates_in_a_session(sessions, tiny_path):
    answer, heard, records = await tiny_turn(sessions, tiny_path, "What is 17 * 23?")
    ((name, _, result),) = tool_runs(heard)
    # The calculator (the app's own) ran the expression the model wrote: it comes to 391.
    assert name == "calculator" and result["success"] and result["output"]["result"] == 391, result
    assert "391" in answer, answer
    check_loop(heard, records, "calculator", answer)


async def test_the_tiny_model_looks_up_the_weather_in_a_session(sessions, tiny_path):
    answer, heard, records = await tiny_turn(sessions, tiny_path, "What's the weather in Paris?")
    ((name, arguments, result),) = tool_runs(heard)
    assert (name, arguments) == ("get_weather", {"city": "Paris"}) and result["success"], result
    assert f"{PARIS['temperature_c']} °C" in answer and PARIS["conditions"] in answer, answer
    check_loop(heard, records, "get_weather", answer)
