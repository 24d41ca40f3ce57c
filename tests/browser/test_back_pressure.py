"""A Python consumer that stalls holds the engine back (docs/bridge-protocol.md, "Streaming transport").

Python keeps at most ``STREAM_BUFFER`` chunks; JavaScript waits for room
before it hands over the next one, and the worker stops the engine when the
transport's window is not credited. Counted on the
page (the chunks handed to Python's callback) and in the scripted engine (the
chunks it yielded), with the engine unpaced, so without the bound the whole
reply would be through in a moment.
"""

import pytest
from pytest_pyodide import run_in_pyodide

pytestmark = pytest.mark.driver_timeout(120)  # three streams with waits on a loaded machine


@run_in_pyodide
async def test_a_stalled_consumer_holds_the_engine_back_and_then_gets_every_chunk_in_order(selenium_page):
    import asyncio

    from pagetools import ask, control, push
    from pyodide.code import run_js

    import js
    from webllm_provider.contract import BridgeError
    from webllm_provider.pyodide_bridge import STREAM_BUFFER, default_bridge

    window = 32  # js/chunk-stream.js: chunks the worker may push beyond what the page consumed
    words = [f"w{i}" for i in range(300)]
    # Every chunk the page hands to Python's callback, counted on the page.
    run_js(
        """
        globalThis.handed = 0;
        const stream = bridge.stream.bind(bridge);
        bridge.stream = (request, onChunk, options) =>
            stream(request, (chunk) => { globalThis.handed += 1; return onChunk(chunk); }, options);
        """
    )

    async def stalled(consumed: int) -> int:
        """Wait until Python holds all it may, then until the engine stands still; its chunk count."""
        for _ in range(600):
            if js.handed >= consumed + STREAM_BUFFER:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"Python was handed {js.handed} chunks, never a full buffer")
        counts = []
        for _ in range(100):
            counts.append((await control("state"))["streamed"])
            if counts[-3:] == [counts[-1]] * 3:
                break
            await asyncio.sleep(0.1)
        return counts[-1]

    async def wait(awaitable, what):
        try:
            return await asyncio.wait_for(awaitable, 60)
        except TimeoutError:
            raise AssertionError(f"{what} hung") from None

    bridge = default_bridge()

    async def stall(*replies):
        """A stream of the first reply, its first chunk taken, then nothing until Python holds all it may."""
        await push(*replies)
        run_js("globalThis.handed = 0")
        stream = bridge.stream(ask("talk"))
        first = await anext(stream)
        return stream, first, await stalled(1)

    # Stalled after the first chunk, then read to the end.
    await control("reset")
    stream, first, streamed = await stall({"content": " ".join(words)})
    assert js.handed == 1 + STREAM_BUFFER, "Python took more than its buffer"
    assert streamed <= js.handed + window, f"the engine ran {streamed - js.handed} chunks ahead of Python"
    chunks = [first] + [chunk async for chunk in stream]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == " ".join(words)
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == len(words) + 1
    assert js.handed == len(chunks) == (await control("state"))["streamed"], "a chunk was lost or doubled"

    # Closed while JavaScript waits for room: it goes on to its end, and the next request runs.
    stream, _, _ = await stall({"content": " ".join(words)}, {"content": "after the close"})
    await wait(stream.aclose(), "closing a stalled stream")
    reply = await wait(bridge.complete(ask("next")), "the request after a closed stalled stream")
    assert reply["choices"][0]["message"]["content"] == "after the close"

    # An engine error while Python stalls: every chunk before it, in order, then the error.
    error = {"name": "ScriptedError", "message": "boom"}
    failing_after = STREAM_BUFFER + 10  # while Python stalls: past its buffer, within the transport's window
    failing = {"content": " ".join(words), "error": error, "error_after_tokens": failing_after}
    stream, first, _ = await stall(failing)
    chunks = [first]
    try:
        async for chunk in stream:
            chunks.append(chunk)
    except BridgeError as error:
        assert (error.name, error.message) == ("ScriptedError", "boom")
    else:
        raise AssertionError("the engine's error did not reach the consumer")
    assert "".join(c["choices"][0]["delta"]["content"] for c in chunks) == " ".join(words[:failing_after])
