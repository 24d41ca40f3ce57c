"""The app's Python agent on CPython: the tools, and the session loop over the
real provider with a Python bridge (tests/cpython/fakes.py). Fast; the same
code runs in Pyodide in test_app.py."""

from __future__ import annotations

import asyncio
import json

import pytest
from agent.session import Coordinator, Hooks, Session, describe_error
from agent.tools import STORAGE_PREFIX, TODO_KEY, MemoryStore, Toolbox, ToolError, default_toolbox, evaluate

from tests.cpython.fakes import FakeBridge, chunks, webllm_error
from webllm_provider import WebLLMProvider

MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"


def answer(text: str) -> str:
    return json.dumps({"answer": text})


def calls(*pairs: tuple[str, dict]) -> str:
    return json.dumps({"tool_calls": [{"name": n, "arguments": a} for n, a in pairs]})


# ------------------------------------------------------------------ calculator


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1234 * 5678", 7006652),
        ("2^10 + sqrt(16)", 1028.0),
        ("(1 + 2) * 3 / 4", 2.25),
        ("-7 // 2, ", None),  # a tuple: not arithmetic
        ("17 % 5 + abs(-3) + max(1, 9)", 2 + 3 + 9),
        ("round(pi, 3)", 3.142),
        ("6 × 7 ÷ 2", 21.0),
    ],
)
def test_calculator_does_arithmetic(expression, value):
    if value is None:
        with pytest.raises(ToolError):
            evaluate(expression)
    else:
        assert evaluate(expression) == value


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("__import__('os').system('ls')", "Unsupported element"),
        ("open('x')", "Unsupported element"),
        ("(1).__class__", "Unsupported element"),
        ("[x for x in range(10)]", "Unsupported element"),
        ("'a' * 3", "Unsupported element"),
        ("lambda: 1", "Unsupported element"),
        ("10 ** 10 ** 10", "too large"),
        ("9 ** 99999", "too large"),
        ("1 / 0", "Division by zero"),
        ("sqrt(-1)", "Math error"),
        ("1e308 * 10", "not a finite number"),
        ("1 +", "Not an arithmetic expression"),
        ("1" + "+1" * 200, "longer than"),
    ],
)
def test_calculator_refuses_what_is_not_safe_arithmetic(expression, why):
    with pytest.raises(ToolError, match=why):
        evaluate(expression)


# ------------------------------------------------------------- tool validation


async def test_arguments_are_checked_against_the_schema_before_a_tool_runs():
    tools = default_toolbox(MemoryStore())
    bad = await tools.call("calculator", {"expression": 42})
    assert not bad.ok and "Invalid arguments for calculator" in bad.output["error"]
    extra = await tools.call("calculator", {"expression": "1", "shell": "rm -rf /"})
    assert not extra.ok and "shell" in extra.output["error"]
    unknown = await tools.call("eval", {"code": "1"})
    assert not unknown.ok and "no tool named 'eval'" in unknown.output["error"]
    wrong_enum = await tools.call("todo", {"action": "explode"})
    assert not wrong_enum.ok
    not_a_dict = await tools.call("todo", ["add"])
    assert not not_a_dict.ok
    good = await tools.call("calculator", {"expression": "2 + 2"})
    assert good.ok and good.output == {"expression": "2 + 2", "result": 4}


async def test_a_crashing_tool_becomes_an_error_result():
    from agent.tools import Tool

    def broken() -> None:
        raise KeyError("boom")

    tools = Toolbox([Tool("broken", "", {"type": "object"}, broken)])
    outcome = await tools.call("broken", {})
    assert not outcome.ok and "KeyError" in outcome.output["error"]


async def test_todo_list_lives_in_storage():
    store = MemoryStore()
    tools = default_toolbox(store)
    added = await tools.call("todo", {"action": "add", "text": "  buy milk "})
    assert added.output["added"] == {"id": 1, "text": "buy milk", "done": False}
    await tools.call("todo", {"action": "add", "text": "call mum"})
    await tools.call("todo", {"action": "complete", "id": 1})
    await tools.call("todo", {"action": "remove", "id": 2})
    assert json.loads(store.getItem(TODO_KEY)) == [{"id": 1, "text": "buy milk", "done": True}]
    missing = await tools.call("todo", {"action": "complete", "id": 9})
    assert not missing.ok and "no to-do item with id 9" in missing.output["error"]
    no_text = await tools.call("todo", {"action": "add"})
    assert not no_text.ok and "needs text" in no_text.output["error"]


async def test_browser_storage_is_namespaced():
    store = MemoryStore()
    store.setItem("app:theme", "dark")
    store.setItem(TODO_KEY, "[]")
    tools = default_toolbox(store)
    assert (await tools.call("browser_storage", {"action": "set", "key": "colour", "value": "teal"})).ok
    assert store.getItem(STORAGE_PREFIX + "colour") == "teal"
    got = await tools.call("browser_storage", {"action": "get", "key": "colour"})
    assert got.output == {"key": "colour", "found": True, "value": "teal"}
    listed = await tools.call("browser_storage", {"action": "list"})
    assert listed.output == {"keys": ["colour"]}  # not the app's own keys
    escape = await tools.call("browser_storage", {"action": "get", "key": "../app:theme"})
    assert not escape.ok
    deleted = await tools.call("browser_storage", {"action": "delete", "key": "colour"})
    assert deleted.output == {"key": "colour", "deleted": True} and store.getItem("agent:colour") is None


async def test_storage_failures_are_tool_errors():
    class Full(MemoryStore):
        def setItem(self, key, value):  # noqa: N802
            raise RuntimeError("QuotaExceededError")

    tools = default_toolbox(Full())
    outcome = await tools.call("browser_storage", {"action": "set", "key": "k", "value": "v"})
    assert not outcome.ok and "storage refused" in outcome.output["error"]


# --------------------------------------------------------------- the session


def make_session(replies, **bridge_options):
    bridge = FakeBridge(replies, **bridge_options)
    hooks = Hooks()
    events: list[tuple[str, dict]] = []
    hooks.register(lambda event, payload: events.append((event, json.loads(json.dumps(payload, default=str)))))
    provider = WebLLMProvider({"retry_delay": 0}, bridge=bridge, coordinator=Coordinator(hooks))
    session = Session(provider, default_toolbox(MemoryStore()), hooks, model=MODEL)
    return session, bridge, events


def names(events):
    return [name for name, _ in events if not name.startswith("llm:")]


async def test_a_turn_with_a_tool_call():
    session, bridge, events = make_session(
        [calls(("calculator", {"expression": "6 * 7"})), answer("Six times seven is 42.")]
    )
    await session.start("What is 6 * 7?")
    assert names(events) == [
        "prompt:submit",
        "assistant:start",
        "assistant:end",  # the reply that calls the tool
        "tool:pre",
        "tool:post",
        "assistant:start",
        "assistant:end",  # the answer
        "session:end",
    ]
    assert dict(events)["tool:post"]["output"] == {"expression": "6 * 7", "result": 42}
    deltas = "".join(p["text"] for n, p in events if n == "llm:stream_block_delta" and p["block_type"] == "text")
    assert deltas == "Six times seven is 42."
    # The reply that called the tool streamed no text, only its tool_use block.
    starts = [p for n, p in events if n == "llm:stream_block_start"]
    assert [(p["block_type"], p.get("name")) for p in starts] == [("tool_use", "calculator"), ("text", None)]
    # The result went back to the model, in the second request.
    assert "Tool result for calculator" in json.dumps(bridge.requests[1]["messages"])
    roles = [m["role"] for m in session.messages]
    assert roles == ["user", "assistant", "tool", "assistant"]
    final = session.messages[-1]
    assert final["content"] == "Six times seven is 42."
    assert {"ttft_s", "decode_tokens_per_s", "input_tokens", "output_tokens"} <= set(final["meta"])
    # llm:request / llm:response from the provider reach the same hooks.
    assert [n for n, _ in events].count("llm:response") == 2


async def test_tool_errors_go_back_to_the_model():
    session, bridge, events = make_session(
        [calls(("calculator", {"expression": "import os"})), answer("I cannot compute that.")]
    )
    await session.start("Run import os")
    post = dict(events)["tool:post"]
    assert post["ok"] is False and "Not an arithmetic expression" in post["output"]["error"]
    assert "Error: Not an arithmetic expression" in json.dumps(bridge.requests[1]["messages"])
    assert session.messages[-1]["content"] == "I cannot compute that."


async def test_the_last_round_forbids_more_tool_calls():
    loop = [calls(("calculator", {"expression": "1 + 1"}))] * 2
    session, bridge, _ = make_session([*loop, "Enough tools."])  # no tools offered: plain text
    session.max_tool_rounds = 2
    await session.start("Loop forever")
    assert [bool(r.get("response_format")) for r in bridge.requests] == [True, True, False]
    assert session.messages[-1]["content"] == "Enough tools."


async def test_only_the_named_tools_are_offered_and_the_grammar_allows_no_other():
    session, bridge, _ = make_session([answer("Hi."), answer("Hi again."), answer("Hi once more.")])
    session.tool_names = ["calculator"]  # what the page sets for the offline demo model
    await session.start("Hello")
    session.tool_names = None  # every tool again
    await session.start("Hello again")
    session.tools_enabled = False
    await session.start("Hello once more")
    system = [r["messages"][0]["content"] for r in bridge.requests[:2]]
    assert "- calculator:" in system[0] and "- todo:" not in system[0] and "- browser_storage:" not in system[0]
    assert '"calculator"' in bridge.requests[0]["response_format"]["schema"]
    assert '"todo"' not in bridge.requests[0]["response_format"]["schema"]
    assert all(f"- {name}:" in system[1] for name in ("calculator", "todo", "browser_storage"))
    assert "response_format" not in bridge.requests[2]  # tools off: none offered


async def test_the_sessions_temperature_reaches_webllm_and_none_leaves_the_models_own():
    session, bridge, _ = make_session([answer("Hi."), answer("Hi again.")])
    session.temperature = 0  # greedy: what the page sets for the offline demo model
    await session.start("Hello")
    session.temperature = None
    await session.start("Hello again")
    assert bridge.requests[0]["temperature"] == 0
    assert "temperature" not in bridge.requests[1]


async def test_stop_keeps_the_partial_reply():
    words = " ".join(f"w{i}" for i in range(100))
    session, bridge, events = make_session([answer(words), answer("Next.")], chunk_delay=0.01)
    fifth_delta = asyncio.Event()
    session.hooks.register(lambda *_: sum(n == "llm:stream_block_delta" for n, _ in events) >= 5 and fifth_delta.set())
    task = session.start("Long")
    await asyncio.wait_for(fifth_delta.wait(), 10)
    assert session.stop()
    await task  # ends normally: the stop is not an error
    stopped = session.messages[-1]
    assert stopped["meta"]["stopped"] is True
    assert stopped["content"].startswith("w0 w1") and len(stopped["content"]) < len(words)
    assert bridge.aborted, "the generation was closed early"
    assert events[-1] == ("session:end", {"stopped": True})
    assert [n for n, _ in events].count("llm:stream_aborted") == 1
    await session.start("Go on")
    assert session.messages[-1]["content"] == "Next."
    assert "w0 w1" in json.dumps(bridge.requests[-1]["messages"])  # the partial stays in context


async def test_a_reply_stopped_after_a_retry_keeps_only_the_retried_text():
    lost = chunks(answer("lost words here"))[:6] + [webllm_error("DeviceLostError", "lost")]
    words = " ".join(f"w{i}" for i in range(100))
    session, _, events = make_session([lost, answer(words)], chunk_delay=0.01)
    retried_delta = asyncio.Event()
    session.hooks.register(
        lambda name, payload: (
            name == "llm:stream_block_delta" and payload["text"].startswith(" w3") and retried_delta.set()
        )
    )
    task = session.start("Long")
    await asyncio.wait_for(retried_delta.wait(), 10)
    assert [n for n, _ in events].count("provider:retry") == 1
    session.stop()
    await task
    stopped = session.messages[-1]
    assert stopped["meta"]["stopped"] is True
    assert stopped["content"].startswith("w0 w1") and "lost" not in stopped["content"]


async def test_errors_end_the_turn_without_raising():
    failed = webllm_error("NetworkError", "Failed to fetch")
    session, _, events = make_session([failed, failed, answer("Back.")])
    await session.start("Hello?")
    assert [n for n, _ in events].count("provider:retry") == 1  # retried once, then reported
    error = dict(events)["session:error"]
    assert error["type"] == "NetworkError" and error["webllm_name"] == "NetworkError"
    assert "could not be downloaded" in error["message"] and error["retryable"] is True
    assert session.messages[-1]["meta"]["error"]["type"] == "NetworkError"
    # The next turn works; the failed reply is left out, the two questions read as one.
    await session.start("Still there?")
    assert session.messages[-1]["content"] == "Back."
    user_turns = [m for m in session.context() if m["role"] == "user"]
    assert user_turns == [{"role": "user", "content": "Hello?\n\nStill there?"}]


async def test_history_round_trips_and_clear_empties_it():
    session, _, _ = make_session([answer("Hi!")])
    session.system_prompt = "Be brief."
    await session.start("Hello")
    saved = session.export_json()
    other, _, _ = make_session([])
    other.restore_json(saved)
    assert other.messages == session.messages and other.system_prompt == "Be brief."
    assert other.context()[0] == {"role": "system", "content": "Be brief."}
    other.restore_json("not json")  # ignored, not a crash
    assert other.messages == session.messages
    other.clear()
    assert other.messages == [] and json.loads(other.export_json())["messages"] == []


def test_describe_error_uses_the_providers_words():
    described = describe_error("NetworkError", "Failed to fetch")
    assert described["type"] == "NetworkError"
    assert described["message"].startswith("The model files could not be downloaded. Check the network connection")
    assert described["network"] is True


def test_describe_error_says_whether_the_network_failed_it():
    # What Chromium's fetch() rejects with offline, before anything named it: the page offers the demo model.
    assert describe_error("TypeError", "Failed to fetch")["network"] is True
    # Not the network's fault: another download would not help, and nothing is offered.
    assert describe_error("ShaderF16SupportError", "This model requires shader-f16")["network"] is False
    assert describe_error("DeviceLostError", "The GPU device was lost.")["network"] is False
