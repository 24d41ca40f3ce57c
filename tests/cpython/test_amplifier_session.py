"""The provider in a real Amplifier session: amplifier-core's kernel, a mount plan, orchestrators, a tool.

The mount plan names the modules in ``amplifier_modules/``: the provider
mounted by its own ``mount()`` on a scripted bridge (fakes.FakeBridge), a list
context, a calculator tool, and two orchestrators that consume providers the
way Amplifier's loop-basic and loop-streaming do. A hook registered on the
session's coordinator hears what a streaming UI would hear; it is checked
against amplifier-foundation's provider streaming contract.
"""

import asyncio
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from amplifier_core import AmplifierSession, HookResult

from webllm_provider.events import STREAM_ABORTED as ABORTED
from webllm_provider.events import STREAM_BLOCK_DELTA as DELTA
from webllm_provider.events import STREAM_BLOCK_END as END
from webllm_provider.events import STREAM_BLOCK_START as START

from .fakes import FakeBridge, chunks, completion, webllm_error
from .stream_contract import KERNEL_FIELDS, contract_blocks
from .test_tool_calling import CATALOG, NATIVE_MODEL, PLAIN_MODEL, native_call

MODULES = Path(__file__).parent / "amplifier_modules"
EXAMPLE_APP = Path(__file__).parents[2] / "examples" / "browser-app"  # its agent package has the calculator
ORCHESTRATORS = ["loop-test-basic", "loop-test-streaming"]
PATHS = ["native", "constrained"]
MODEL = {"native": NATIVE_MODEL, "constrained": PLAIN_MODEL}

ASK = "What is 6*7?"
CALL = {"name": "calculator", "arguments": {"expression": "6*7"}}
ANSWER = "It is 42."

HEARD = ("llm:request", "llm:response", "provider:retry", "tool:post", START, DELTA, END, ABORTED)


# --- what the model says, on each tool path -------------------------------


def tool_round(path, shape=chunks):
    """The model's turn that calls the calculator."""
    if path == "constrained":
        return [shape(json.dumps({"tool_calls": [CALL]}))]
    if shape is completion:
        return [completion(None, tool_calls=[native_call(**CALL)], finish_reason="tool_calls")]
    streamed = native_call(**CALL)
    del streamed["id"]  # WebLLM's streamed calls carry no id
    return [chunks(json.dumps([CALL]), tool_calls=[streamed], finish_reason="tool_calls")]


def answer(path, text=ANSWER, shape=chunks):
    """The model's turn that answers: on the native path an empty call list, then the text pass."""
    if path == "constrained":
        return [shape(json.dumps({"answer": text}))]
    if shape is completion:
        return [completion(None, tool_calls=[], finish_reason="tool_calls"), completion(text)]
    return [chunks("[]", finish_reason="tool_calls"), chunks(text)]


def broken(reply, after, error):
    """``reply``'s first ``after`` chunks, then ``error``."""
    return [*reply[:after], error]


def device_lost():
    return webllm_error("DeviceLostError", "Device was lost")


# --- the session -----------------------------------------------------------


class Heard:
    """Every event a UI would listen to, in order, without the kernel's own fields."""

    def __init__(self, hooks):
        self.events = []
        self._first = {}
        for event in HEARD:
            hooks.register(event, self._record, name=f"test-heard-{event}")

    async def _record(self, event, data):
        self.events.append((event, {key: value for key, value in data.items() if key not in KERNEL_FIELDS}))
        self.first(event).set()
        return HookResult()

    def first(self, event) -> asyncio.Event:
        return self._first.setdefault(event, asyncio.Event())

    def of(self, *events):
        return [data for event, data in self.events if event in events]


@dataclass
class Run:
    session: AmplifierSession
    bridge: FakeBridge
    heard: Heard

    @property
    def provider(self):
        return self.session.coordinator.get("providers")["webllm"]

    @property
    def calculator(self):
        return self.session.coordinator.get("tools")["calculator"]

    async def execute_and_cancel_on(self, event):
        """Run a turn and cancel it when the hooks first hear ``event``."""
        turn = asyncio.create_task(self.session.execute(ASK))
        await asyncio.wait_for(self.heard.first(event).wait(), timeout=30)
        # The task the kernel runs the orchestrator in: cancelling the one awaiting
        # session.execute() does not reach it (amplifier-core 2.0.2).
        self.session.coordinator.get("orchestrator").task.cancel()
        with pytest.raises(RuntimeError, match="CancelledError"):
            await turn

    def streams(self):
        """Each stream the hooks heard (one per request_id), as blocks, checked against the contract."""
        streams, inside = {}, False
        for event, data in self.heard.events:
            if event == "llm:request":
                assert not inside, "a call started inside another"
                inside = True
            elif event == "llm:response":
                inside = False
            elif event.startswith("llm:stream_"):
                assert inside, f"{event} outside a call's llm:request .. llm:response"
                request_id = data["request_id"]
                assert request_id not in streams or request_id == list(streams)[-1], "streams interleaved"
                streams.setdefault(request_id, []).append((event, data))
        return [contract_blocks(events) for events in streams.values()]


@pytest.fixture(autouse=True)
def amplifier_modules(monkeypatch):
    # The kernel's loader imports amplifier_module_<id> from sys.path when no entry point has the id.
    monkeypatch.syspath_prepend(str(MODULES))
    monkeypatch.syspath_prepend(str(EXAMPLE_APP))


@asynccontextmanager
async def amplifier_session(
    orchestrator, model, replies, *, provider=None, orchestrator_config=None, tools=True, chunk_delay=0.0, also=()
):
    bridge = FakeBridge(replies, models=CATALOG, chunk_delay=chunk_delay)
    plan = {
        "session": {
            "orchestrator": {"module": orchestrator, "config": orchestrator_config or {}},
            "context": "context-list",
        },
        "providers": [
            {
                "module": "provider-webllm-scripted",
                "config": {"default_model": model, "retry_delay": 0, **(provider or {}), "bridge": bridge},
            },
            *also,
        ],
        "tools": [{"module": "tool-calculator"}] if tools else [],
    }
    session = AmplifierSession(plan)
    await session.initialize()
    try:
        yield Run(session, bridge, Heard(session.coordinator.hooks))
    finally:
        await session.cleanup()


def assert_tool_ran(run):
    assert run.calculator.calls == [CALL["arguments"]]
    (post,) = run.heard.of("tool:post")
    assert post["result"]["output"] == {"expression": "6*7", "result": 42}
    # The tool's result went back to the model with the next request.
    assert "42" in json.dumps(run.bridge.requests[-1]["messages"])


# --- streaming on: the contract as a UI hears it ----------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_tool_runs_and_the_answer_streams_to_the_hooks(orchestrator, path):
    async with amplifier_session(orchestrator, MODEL[path], [*tool_round(path), *answer(path)]) as run:
        assert not hasattr(run.provider, "stream"), "loop-streaming would read it as a dict-chunk stream"
        assert await run.session.execute(ASK) == ANSWER
        assert_tool_ran(run)
        assert run.streams() == [[("tool_use", "calculator")], [("text", ANSWER)]]
        assert [r["stream"] for r in run.heard.of("llm:request")] == [True, True]
        assert [r["status"] for r in run.heard.of("llm:response")] == ["ok", "ok"]
        assert run.bridge.methods == ["stream"] * len(run.bridge.requests)


@pytest.mark.parametrize("tools", [True, False], ids=["native-answer-pass", "no-tools"])
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_a_think_part_streams_as_a_thinking_block_before_the_text(orchestrator, tools):
    # The constrained path holds the reply to JSON from its first token, so a model thinks
    # aloud on the native path's text pass, or where no tools are offered.
    reply = chunks("<think>Six sevens.</think> It is 42.")
    if tools:
        async with amplifier_session(
            orchestrator, NATIVE_MODEL, [*tool_round("native"), *answer("native")[:1], reply]
        ) as run:
            assert await run.session.execute(ASK) == ANSWER
            assert run.streams()[-1] == [("thinking", "Six sevens."), ("text", ANSWER)]
    else:
        async with amplifier_session(orchestrator, PLAIN_MODEL, [reply], tools=False) as run:
            assert await run.session.execute(ASK) == ANSWER
            assert run.streams() == [[("thinking", "Six sevens."), ("text", ANSWER)]]
    thought = run.session.coordinator.get("context").messages[-1]["content"][0]
    assert thought["type"] == "thinking" and thought["thinking"] == "Six sevens."


# --- streaming off ------------------------------------------------------------


@pytest.mark.parametrize(
    "provider, orchestrator_config",
    [({"use_streaming": False}, None), (None, {"request_metadata": {"stream": False}})],
    ids=["config", "request-metadata"],
)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_streaming_off_emits_no_stream_events(orchestrator, path, provider, orchestrator_config):
    replies = [*tool_round(path, completion), *answer(path, shape=completion)]
    async with amplifier_session(
        orchestrator, MODEL[path], replies, provider=provider, orchestrator_config=orchestrator_config
    ) as run:
        assert await run.session.execute(ASK) == ANSWER
        assert_tool_ran(run)
        assert not [event for event, _ in run.heard.events if event.startswith("llm:stream_")]
        assert [r["stream"] for r in run.heard.of("llm:request")] == [False, False]
        assert [r["status"] for r in run.heard.of("llm:response")] == ["ok", "ok"]
        assert run.bridge.methods == ["complete"] * len(run.bridge.requests)


async def test_request_metadata_without_stream_false_keeps_streaming():
    orchestrator_config = {"request_metadata": {"stream": None, "origin": "test"}}
    replies = [*tool_round("native"), *answer("native")]
    async with amplifier_session(
        "loop-test-basic", NATIVE_MODEL, replies, orchestrator_config=orchestrator_config
    ) as run:
        assert await run.session.execute(ASK) == ANSWER
        assert run.streams() == [[("tool_use", "calculator")], [("text", ANSWER)]]


# --- failures and cancellation -------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_failure_mid_answer_emits_stream_aborted(orchestrator, path):
    *first_pass, reply = answer(path)
    replies = [*tool_round(path), *first_pass, broken(reply, 2, device_lost())]
    async with amplifier_session(orchestrator, MODEL[path], replies, provider={"max_retries": 0}) as run:
        with pytest.raises(RuntimeError, match="ProviderUnavailableError"):
            await run.session.execute(ASK)
        (tool_call, (text, aborted)) = run.streams()
        assert tool_call == [("tool_use", "calculator")]
        assert text[0] == "text" and ANSWER.startswith(text[1]) and text[1] != ANSWER
        assert aborted == ("aborted", "ProviderUnavailableError")
        assert run.heard.of("llm:response")[-1]["status"] == "error"
        assert run.bridge.aborted == [run.bridge.requests[-1]]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_failure_before_any_delta_emits_no_stream_aborted(orchestrator, path):
    # Halfway through the tool call's JSON: nothing of a tool call is streamed, so nothing was said yet.
    (call,) = tool_round(path)
    replies = [broken(call, len(call) // 2, device_lost())]
    async with amplifier_session(orchestrator, MODEL[path], replies, provider={"max_retries": 0}) as run:
        with pytest.raises(RuntimeError, match="ProviderUnavailableError"):
            await run.session.execute(ASK)
        assert run.streams() == []
        assert run.heard.of("llm:response")[-1]["status"] == "error"
        assert run.calculator.calls == []


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_cancelling_mid_answer_emits_stream_aborted(orchestrator, path):
    replies = [*tool_round(path), *answer(path, "It is forty two, six times seven.")]
    async with amplifier_session(orchestrator, MODEL[path], replies, chunk_delay=0.02) as run:
        await run.execute_and_cancel_on(DELTA)
        (tool_call, (text, aborted)) = run.streams()
        assert tool_call == [("tool_use", "calculator")]
        assert text[0] == "text" and text[1]
        assert aborted == ("aborted", "CancelledError")
        assert run.heard.of("llm:response")[-1]["status"] == "cancelled"
        assert run.bridge.aborted == [run.bridge.requests[-1]]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_cancelling_before_any_delta_emits_no_stream_aborted(orchestrator, path):
    async with amplifier_session(orchestrator, MODEL[path], tool_round(path), chunk_delay=0.02) as run:
        await run.execute_and_cancel_on("llm:request")
        assert run.streams() == []
        assert run.heard.of("llm:response")[-1]["status"] == "cancelled"
        assert run.bridge.aborted == run.bridge.requests


# --- retries ---------------------------------------------------------------------


@pytest.mark.parametrize("mid_stream", [False, True], ids=["before-output", "mid-stream"])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_a_lost_device_is_retried_with_provider_retry(orchestrator, path, mid_stream):
    *first_pass, reply = answer(path)
    failed = broken(reply, 2, device_lost()) if mid_stream else device_lost()
    replies = [*tool_round(path), *first_pass, failed, *first_pass, reply]
    async with amplifier_session(orchestrator, MODEL[path], replies) as run:
        assert await run.session.execute(ASK) == ANSWER
        assert_tool_ran(run)
        (retry,) = run.heard.of("provider:retry")
        assert retry["error_type"] == "ProviderUnavailableError"
        assert (retry["provider"], retry["attempt"], retry["max_retries"], retry["delay"]) == ("webllm", 1, 1, 0)
        # One call (one llm:request, one llm:response); a stream that failed was told so, and the retry
        # streams anew under its own request_id.
        assert [r["status"] for r in run.heard.of("llm:response")] == ["ok", "ok"]
        tool_call, *attempts = run.streams()
        assert tool_call == [("tool_use", "calculator")]
        assert attempts[-1] == [("text", ANSWER)]
        if mid_stream:
            ((kind, partial), aborted) = attempts[0]
            assert kind == "text" and partial and ANSWER.startswith(partial)
            assert aborted == ("aborted", "ProviderUnavailableError")
        assert len(attempts) == 1 + mid_stream


async def test_retries_stop_at_max_retries():
    replies = [device_lost(), device_lost(), device_lost()]
    async with amplifier_session("loop-test-basic", PLAIN_MODEL, replies, provider={"max_retries": 2}) as run:
        with pytest.raises(RuntimeError, match="ProviderUnavailableError"):
            await run.session.execute(ASK)
        assert [retry["attempt"] for retry in run.heard.of("provider:retry")] == [1, 2]
        assert len(run.bridge.requests) == 3


# --- mount plan ----------------------------------------------------------------------


@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
async def test_the_provider_with_the_lower_priority_answers(orchestrator):
    # A second instance, mounted by the package's own entry point, as a bundle would.
    also = [
        {
            "module": "provider-webllm",
            "instance_id": "webllm-preferred",
            "config": {"default_model": PLAIN_MODEL, "priority": 1},
        }
    ]
    async with amplifier_session(
        orchestrator, PLAIN_MODEL, ["From the fallback."], provider={"priority": 200}, tools=False, also=also
    ) as run:
        providers = run.session.coordinator.get("providers")
        assert {name: provider.priority for name, provider in providers.items()} == {
            "webllm": 200,
            "webllm-preferred": 1,
        }
        preferred = providers["webllm-preferred"]._bridge = FakeBridge(["From the preferred one."], models=CATALOG)
        assert await run.session.execute("Hi") == "From the preferred one."
        assert run.bridge.requests == [] and len(preferred.requests) == 1
