"""Streaming: deltas as they arrive, then one ChatResponse; stop and timeout."""

import asyncio
import random

import pytest
from amplifier_core.message_models import ChatRequest, ChatResponse, Message

from webllm_provider import LLMTimeoutError, TextDelta, WebLLMProvider
from webllm_provider.stream1_chunks import StreamAssembler

from .fakes import FakeBridge, chunks

REQUEST = ChatRequest(messages=[Message(role="user", content="Hi")])


async def collect(provider, request=REQUEST):
    return [event async for event in provider.stream_reply(request)]


async def test_deltas_then_response(provider, bridge):
    bridge.replies = ["The answer is 42."]
    events = await collect(provider)
    deltas, final = events[:-1], events[-1]
    assert all(isinstance(e, TextDelta) for e in deltas)
    assert [d.text for d in deltas] == ["The", " answer", " is", " 42."]
    assert isinstance(final, ChatResponse)
    assert final.content[0].text == "The answer is 42."
    assert final.usage.output_tokens == 4
    assert final.metadata["decode_tokens_per_s"] == 41.2
    assert bridge.methods == ["stream"]


def test_random_chunk_boundaries_assemble_to_the_same_text():
    rng = random.Random(3)
    text = "Grüße 👋, this is a longer reply with unicode — and more words."
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, 12)))
        pieces = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        raw = chunks("")
        body = [
            {**raw[0], "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            for piece in pieces
        ]
        assembler = StreamAssembler()
        added = [assembler.add(c) for c in [*body, *raw[-2:]]]
        assert "".join(added) == text
        assert assembler.reply().text == text


def test_tool_call_pieces_merge_by_index():
    assembler = StreamAssembler()
    base = chunks("")[0]
    for piece in [
        {"index": 0, "id": "c1", "function": {"name": "calc", "arguments": '{"expr'}},
        {"index": 0, "function": {"arguments": 'ession": "1+1"}'}},
    ]:
        assembler.add({**base, "choices": [{"index": 0, "delta": {"tool_calls": [piece]}, "finish_reason": None}]})
    assembler.add({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    reply = assembler.reply()
    assert reply.finish_reason == "tool_calls"
    assert reply.tool_calls == [
        {"id": "c1", "type": "function", "function": {"name": "calc", "arguments": '{"expression": "1+1"}'}}
    ]


async def test_closing_the_stream_early_stops_the_generation(provider, bridge):
    bridge.replies = ["one two three four five six"]
    stream = provider.stream_reply(REQUEST)
    first = await anext(stream)
    assert first == TextDelta("one")
    await stream.aclose()
    assert bridge.aborted == bridge.requests
    bridge.replies = ["next works"]
    assert (await collect(provider))[-1].content[0].text == "next works"


async def test_cancelling_the_consumer_task_stops_the_generation():
    bridge = FakeBridge(["a b c d e f g h"], chunk_delay=0.01)
    provider = WebLLMProvider({"default_model": "m"}, bridge=bridge)
    seen = []
    first = asyncio.Event()

    async def consume():
        async for event in provider.stream_reply(REQUEST):
            seen.append(event)
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 10)  # cancel mid-stream, however loaded the machine
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(seen) < 9
    assert bridge.aborted == bridge.requests


async def test_timeout_interrupts_a_slow_stream_with_a_typed_error():
    bridge = FakeBridge(["a b c d e f g h i j"], chunk_delay=0.05)
    # 0.3 s of a 0.5 s stream: room for a loaded machine's late chunks, none for the whole reply.
    provider = WebLLMProvider({"default_model": "m", "timeout": 0.3}, bridge=bridge)
    with pytest.raises(LLMTimeoutError, match="did not finish in time") as info:
        await collect(provider)
    assert bridge.aborted == bridge.requests
    assert info.value.partial_text and "a b c d e f g h i j".startswith(info.value.partial_text)


async def test_timeout_on_complete():
    class Slow(FakeBridge):
        async def complete(self, request):
            await asyncio.sleep(1)

    provider = WebLLMProvider({"default_model": "m"}, bridge=Slow())
    with pytest.raises(LLMTimeoutError):
        await provider.complete(ChatRequest(messages=REQUEST.messages, timeout=0.05))
