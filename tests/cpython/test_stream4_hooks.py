"""complete() streams the Amplifier way: hook events by amplifier-foundation's streaming contract."""

import asyncio
import json

import amplifier_core.capabilities as capabilities
import amplifier_core.events as core_events
import pytest
from amplifier_core.message_models import ChatRequest, Message, ToolSpec

from webllm_provider import (
    ConfigurationError,
    ProviderUnavailableError,
    TextDelta,
    ThinkingDelta,
    WebLLMProvider,
    events,
)

from .fakes import Coordinator, FakeBridge, Hooks, chunks, webllm_error
from .stream_contract import contract_blocks
from .test_tool_calling import CATALOG, NATIVE_MODEL, PLAIN_MODEL, native_call

CALC = ToolSpec(name="calc", description="Arithmetic", parameters={"type": "object"})


def mounted(replies, model=PLAIN_MODEL, **config):
    bridge = FakeBridge(replies, models=CATALOG)
    coordinator = Coordinator()
    provider = WebLLMProvider(
        {"default_model": model, "retry_delay": 0, **config}, bridge=bridge, coordinator=coordinator
    )
    return provider, bridge, coordinator.hooks


def ask(text="Hi", **fields):
    return ChatRequest(messages=[Message(role="user", content=text)], **fields)


async def test_a_thinking_reply_streams_thinking_then_text_blocks():
    provider, bridge, hooks = mounted(["<think>Let me see.</think>\n\nIt is four."])
    response = await provider.complete(ask())
    assert bridge.methods == ["stream"]
    stream = hooks.stream()
    contract_blocks(stream)
    starts = [p["block_type"] for e, p in stream if e == events.STREAM_BLOCK_START]
    assert starts == [events.THINKING, events.TEXT]
    by_type = {}
    for event, payload in stream:
        if event == events.STREAM_BLOCK_DELTA:
            by_type[payload["block_type"]] = by_type.get(payload["block_type"], "") + payload["text"]
    assert by_type == {"thinking": "Let me see.", "text": "It is four."}
    assert [(b.type, getattr(b, "thinking", None) or b.text) for b in response.content] == [
        ("thinking", "Let me see."),
        ("text", "It is four."),
    ]
    assert [e for e, _ in hooks.seen if not e.startswith("llm:stream")] == ["llm:request", "llm:response"]


@pytest.mark.parametrize("model", [NATIVE_MODEL, PLAIN_MODEL])
async def test_tool_calls_are_tool_use_blocks_with_a_name_and_no_deltas(model):
    if model == NATIVE_MODEL:
        reply = chunks("", tool_calls=[native_call("calc", {"x": 1}), native_call("calc", {"x": 2})])
    else:
        reply = json.dumps({"tool_calls": [{"name": "calc", "arguments": {"x": 1}}, {"name": "calc", "arguments": {}}]})
    provider, _, hooks = mounted([reply], model=model)
    response = await provider.complete(ask(tools=[CALC]))
    assert [c.name for c in response.tool_calls] == ["calc", "calc"]
    stream = hooks.stream()
    contract_blocks(stream)
    assert [(e, p["block_index"], p.get("name")) for e, p in stream] == [
        (events.STREAM_BLOCK_START, 0, "calc"),
        (events.STREAM_BLOCK_END, 0, None),
        (events.STREAM_BLOCK_START, 1, "calc"),
        (events.STREAM_BLOCK_END, 1, None),
    ]
    assert (response.degradation is not None) is (model == PLAIN_MODEL)


async def test_an_answer_on_the_constrained_path_streams_as_text():
    provider, _, hooks = mounted([json.dumps({"answer": "Forty two, said slowly."})])
    response = await provider.complete(ask(tools=[CALC]))
    stream = hooks.stream()
    contract_blocks(stream)
    text = "".join(p["text"] for e, p in stream if e == events.STREAM_BLOCK_DELTA)
    assert text == "Forty two, said slowly." == response.content[0].text
    assert response.degradation.actual == "grammar-constrained JSON tool calls"


@pytest.mark.parametrize(
    "config, metadata", [({"use_streaming": False}, None), ({}, {"stream": False}), ({}, {"stream": None})]
)
async def test_streaming_switched_off_emits_no_stream_events(config, metadata):
    provider, bridge, hooks = mounted(["Quiet answer."], **config)
    response = await provider.complete(ask(metadata=metadata))
    assert response.content[0].text == "Quiet answer."
    streamed = metadata == {"stream": None}  # only `is False` switches it off
    assert bool(hooks.stream()) is streamed
    assert bridge.methods == (["stream"] if streamed else ["complete"])
    assert [e for e, _ in hooks.seen if not e.startswith("llm:stream")] == ["llm:request", "llm:response"]
    assert provider.config.use_streaming is (config == {})  # a per-call override changes nothing else


async def test_without_hooks_complete_fetches_the_reply_whole():
    bridge = FakeBridge(["Whole."])
    provider = WebLLMProvider({"default_model": PLAIN_MODEL}, bridge=bridge)
    assert (await provider.complete(ask())).content[0].text == "Whole."
    assert "stream" not in bridge.requests[0]


async def test_a_failure_mid_stream_emits_stream_aborted_and_keeps_the_partial_text():
    broken = chunks("one two three four")[:3] + [webllm_error("ContextWindowSizeExceededError", "too long")]
    provider, _, hooks = mounted([broken])
    with pytest.raises(Exception) as info:
        await provider.complete(ask())
    assert info.value.partial_text == "one two three"
    aborted = [p for e, p in hooks.stream() if e == events.STREAM_ABORTED]
    assert aborted == [
        {
            "request_id": hooks.stream()[0][1]["request_id"],
            "error": {"type": "ContextLengthError", "msg": str(info.value)},
        }
    ]
    assert hooks.seen[-1][0] == "llm:response" and hooks.seen[-1][1]["status"] == "error"


async def test_a_failure_before_any_delta_emits_no_stream_aborted():
    provider, _, hooks = mounted([webllm_error("ContextWindowSizeExceededError", "too long")])
    with pytest.raises(Exception, match="context window"):
        await provider.complete(ask())
    assert hooks.stream() == []


async def test_cancelling_mid_stream_emits_stream_aborted_and_stops_the_generation():
    provider, bridge, hooks = mounted([" ".join(["word"] * 200)])
    bridge.chunk_delay = 0.005
    task = asyncio.ensure_future(provider.complete(ask()))
    while not any(e == events.STREAM_BLOCK_DELTA for e, _ in hooks.seen):
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [e for e, _ in hooks.stream()][-1] == events.STREAM_ABORTED
    assert hooks.stream()[-1][1]["error"]["type"] == "CancelledError"
    assert hooks.seen[-1][0] == "llm:response" and hooks.seen[-1][1]["status"] == "cancelled"
    assert bridge.aborted, "the bridge's stream was closed, which stops the generation"


@pytest.mark.parametrize("use_streaming", [True, False])
async def test_a_retryable_failure_is_retried_once_with_provider_retry(use_streaming):
    lost = webllm_error("DeviceLostError", "lost")
    provider, bridge, hooks = mounted([lost, "Recovered."], use_streaming=use_streaming)
    assert (await provider.complete(ask())).content[0].text == "Recovered."
    (retry,) = [p for e, p in hooks.seen if e == events.PROVIDER_RETRY]
    assert retry["attempt"] == 1 and retry["max_retries"] == 1 and retry["error_type"] == "ProviderUnavailableError"
    assert len(bridge.requests) == 2
    # Twice in a row is reported, after one retry.
    provider, bridge, hooks = mounted([lost, lost, "never"], use_streaming=use_streaming)
    with pytest.raises(ProviderUnavailableError):
        await provider.complete(ask())
    assert len(bridge.requests) == 2
    assert [e for e, _ in hooks.seen].count("llm:response") == 1


async def test_a_failure_that_is_not_retryable_is_not_retried():
    provider, bridge, hooks = mounted([webllm_error("ModelNotFoundError", "no"), "never"])
    with pytest.raises(Exception, match="no model"):
        await provider.complete(ask())
    assert len(bridge.requests) == 1 and not any(e == events.PROVIDER_RETRY for e, _ in hooks.seen)


async def test_stream_reply_yields_thinking_and_text_and_the_hooks_hear_it_too():
    provider, _, hooks = mounted(["<think>hm</think>yes"])
    items = [item async for item in provider.stream_reply(ask())]
    assert "".join(i.text for i in items if isinstance(i, ThinkingDelta)) == "hm"
    assert "".join(i.text for i in items if isinstance(i, TextDelta)) == "yes"
    assert items[-1].content[-1].text == "yes"
    contract_blocks(hooks.stream())


def test_no_public_stream_attribute_for_orchestrators_to_trip_on():
    # amplifier-module-loop-streaming calls provider.stream_reply() as a dict-chunk iterator if it exists.
    assert not hasattr(WebLLMProvider(bridge=FakeBridge()), "stream")


@pytest.mark.parametrize(
    "model, effort, kwargs, sent",
    [
        ("Qwen3-1.7B-q4f32_1-MLC", "none", {}, {"enable_thinking": False}),
        ("Qwen3-1.7B-q4f32_1-MLC", "high", {}, {"enable_thinking": True}),
        ("Qwen3-1.7B-q4f32_1-MLC", None, {"extended_thinking": True}, {"enable_thinking": True}),
        ("Qwen3-1.7B-q4f32_1-MLC", None, {}, None),
        (PLAIN_MODEL, "high", {}, None),  # cannot think: ignored, no error
    ],
)
async def test_reasoning_effort_switches_qwen3_thinking(model, effort, kwargs, sent):
    bridge = FakeBridge(["ok"])
    provider = WebLLMProvider({"default_model": model}, bridge=bridge)
    await provider.complete(ask(reasoning_effort=effort), **kwargs)
    assert bridge.requests[0].get("extra_body") == sent


def test_capabilities_use_amplifiers_names():
    info = WebLLMProvider(bridge=FakeBridge()).get_info()
    assert {"streaming", "tools", "json_mode", "thinking", "vision"} <= set(info.capabilities)
    assert set(info.capabilities) <= set(capabilities.ALL_WELL_KNOWN_CAPABILITIES)


def test_event_names_are_amplifier_cores():
    assert (events.LLM_REQUEST, events.LLM_RESPONSE, events.PROVIDER_RETRY) == (
        core_events.LLM_REQUEST,
        core_events.LLM_RESPONSE,
        core_events.PROVIDER_RETRY,
    )


@pytest.mark.parametrize(
    "config", [{"use_streaming": "yes"}, {"max_retries": -1}, {"retry_delay": "soon"}, {"priority": True}]
)
def test_amplifier_config_fields_are_checked(config):
    with pytest.raises(ConfigurationError, match=next(iter(config))):
        WebLLMProvider(config)


def test_priority_is_what_orchestrators_rank_by():
    assert WebLLMProvider({"priority": 3}).priority == 3 and WebLLMProvider().priority == 100


async def test_amplifiers_immediate_cancel_stops_the_generation_and_keeps_the_partial_reply():
    provider, bridge, hooks = mounted([" ".join(["word"] * 50)])

    class Cancellation:
        is_immediate = False

    provider.coordinator.cancellation = Cancellation()
    deltas = 0

    async def emit(event, payload):
        nonlocal deltas
        await Hooks.emit(hooks, event, payload)
        deltas += event == events.STREAM_BLOCK_DELTA
        Cancellation.is_immediate = deltas == 3

    hooks.emit = emit
    response = await provider.complete(ask())
    assert response.finish_reason == "abort" and response.content[0].text == "word word word"
    assert bridge.aborted, "the bridge's stream was closed, which stops the generation"
    contract_blocks(hooks.stream())
