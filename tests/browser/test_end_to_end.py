"""Python in Pyodide -> js/bridge.js -> a real Worker -> WebLLM's worker handler -> engine.

The engine is the scripted one (no weights can be downloaded here) except in
the offline test, which drives WebLLM's real engine.
"""

from pytest_pyodide import run_in_pyodide

MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"


@run_in_pyodide
async def test_complete_and_stream_through_the_worker(selenium_page):
    from pagetools import ask, push, received

    from webllm_provider import ChatResponse, TextDelta, WebLLMProvider

    provider = WebLLMProvider()
    await push({"content": "Hello from the worker."})
    response = await provider.complete(ask("Hi"))
    assert isinstance(response, ChatResponse)
    assert response.content[0].text == "Hello from the worker."
    assert response.finish_reason == "stop"
    assert response.metadata["model"] == "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"
    assert response.usage.output_tokens >= 4 and response.usage.input_tokens > 0
    assert response.metadata["decode_tokens_per_s"] > 0 and response.metadata["time_to_first_token_s"] >= 0

    await push({"content": "one two three"})
    events = [event async for event in provider.stream_reply(ask("Again", temperature=0.1))]
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["one", " two", " three"]
    final = events[-1]
    assert final.content[0].text == "one two three" and final.usage.output_tokens >= 3
    sent = (await received())[-1]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    assert sent["temperature"] == 0.1 and sent["messages"] == [{"role": "user", "content": "Again"}]


@run_in_pyodide
async def test_complete_streams_through_the_coordinators_hooks(selenium_page):
    """Amplifier's way, in Pyodide with the package's own look-alike types: complete() emits the stream."""
    import asyncio

    from pagetools import ask, push, received

    from webllm_provider import ChatResponse, WebLLMProvider

    class Hooks:
        def __init__(self):
            self.seen = []
            self.delta = asyncio.Event()  # set by each llm:stream_block_delta

        async def emit(self, event, payload):
            self.seen.append((event, payload))
            if event == "llm:stream_block_delta":
                self.delta.set()

    class Coordinator:
        hooks = Hooks()

    coordinator = Coordinator()
    provider = WebLLMProvider(coordinator=coordinator)
    await push({"content": "<think>Two and two.</think>It is four."})
    response = await provider.complete(ask("2+2?"))
    assert type(response) is ChatResponse and ChatResponse.__module__.endswith("_lite_models")
    assert [(b.type, getattr(b, "thinking", None) or b.text) for b in response.content] == [
        ("thinking", "Two and two."),
        ("text", "It is four."),
    ]
    seen = coordinator.hooks.seen
    stream = [(e, p) for e, p in seen if e.startswith("llm:stream")]
    assert {p["request_id"] for _, p in stream} == {stream[0][1]["request_id"]}
    blocks = [(e.removeprefix("llm:stream_block_"), p["block_index"], p["block_type"]) for e, p in stream]
    assert blocks[0] == ("start", 0, "thinking") and blocks[-1] == ("end", 1, "text")
    assert ("end", 0, "thinking") in blocks and ("start", 1, "text") in blocks
    text = "".join(p["text"] for e, p in stream if e == "llm:stream_block_delta" and p["block_type"] == "text")
    assert text == "It is four."
    for index in (0, 1):
        sequence = [p["sequence"] for e, p in stream if e == "llm:stream_block_delta" and p["block_index"] == index]
        assert sequence == list(range(len(sequence))) and sequence
    assert [e for e, _ in seen if not e.startswith("llm:stream")] == ["llm:request", "llm:response"]
    sent = (await received())[-1]
    assert sent["stream"] is True

    # Cancelled mid-stream: llm:stream_aborted, and the worker's engine is free again.
    seen.clear()
    coordinator.hooks.delta.clear()
    await push({"content": " ".join(["word"] * 200), "tokens_per_second": 50}, {"content": "after"})
    task = asyncio.ensure_future(provider.complete(ask("talk")))
    await asyncio.wait_for(coordinator.hooks.delta.wait(), 30)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert [e for e, _ in seen if e == "llm:stream_aborted"] == ["llm:stream_aborted"]
    assert seen[-1][1]["status"] == "cancelled"
    assert (await provider.complete(ask("next", metadata={"stream": False}))).content[0].text == "after"
    assert (await received())[-1].get("stream") is not True


@run_in_pyodide
async def test_guide_style_js_llm_complete_alone_serves_complete_and_stream(selenium_page):
    import webllm_bridge
    from pagetools import ask, push
    from pyodide.code import run_js

    import __main__
    from webllm_provider import TextDelta, WebLLMProvider
    from webllm_provider.pyodide_bridge import CompleteOnlyBridge, default_bridge

    assert not [name for name in vars(__main__) if name.startswith("js_llm_")], "the module bridge sets no globals"
    # The app's own function, registered under the guide's name.
    __main__.js_llm_complete = run_js("(json) => globalThis.bridge.complete(JSON.parse(json)).then(JSON.stringify)")
    provider = WebLLMProvider(bridge=CompleteOnlyBridge(__main__.js_llm_complete))
    await push({"content": "plain bridge"}, {"content": "in one piece"})
    assert (await provider.complete(ask("a"))).content[0].text == "plain bridge"
    events = [e async for e in provider.stream_reply(ask("b"))]
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["in one piece"]
    assert type(default_bridge()).__name__ == "PyodideBridge" and webllm_bridge is not None
    del __main__.js_llm_complete


@run_in_pyodide
async def test_stopping_a_stream_stops_the_generation_and_the_next_request_works(selenium_page):
    import asyncio

    from pagetools import ask, now, push

    from webllm_provider import TextDelta, WebLLMProvider

    provider = WebLLMProvider()
    # 200 tokens at 50 tokens/s: four seconds, unless the stop really stops it.
    await push({"content": " ".join(["word"] * 200), "tokens_per_second": 50}, {"content": "after the stop"})
    stream = provider.stream_reply(ask("talk"))
    seen = [await anext(stream), await anext(stream)]
    assert all(isinstance(e, TextDelta) for e in seen)
    stopped_at = now()
    await stream.aclose()
    response = await provider.complete(ask("next"))
    assert response.content[0].text == "after the stop"
    assert now() - stopped_at < 1500, "the stopped generation went on and held the queue"

    # The same through task cancellation.
    await push({"content": " ".join(["word"] * 200), "tokens_per_second": 50}, {"content": "after the cancel"})

    streaming = asyncio.Event()

    async def consume():
        async for _ in provider.stream_reply(ask("talk")):
            streaming.set()

    task = asyncio.ensure_future(consume())
    await asyncio.wait_for(streaming.wait(), 30)
    cancelled_at = now()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert (await provider.complete(ask("next"))).content[0].text == "after the cancel"
    assert now() - cancelled_at < 1500


@run_in_pyodide
async def test_load_progress_reaches_python(selenium_page):
    from pagetools import ask, control, load_phases

    from webllm_provider import WebLLMProvider

    await control("setLoadDelay", ms=150)
    provider = WebLLMProvider()
    reports = []
    model = await provider.load_model("Llama-3.2-1B-Instruct-q4f32_1-MLC", on_progress=reports.append)
    assert model == "Llama-3.2-1B-Instruct-q4f32_1-MLC"
    assert await provider.bridge.loaded_model() == model  # the binding's `loaded()`, one field
    assert len(reports) >= 2
    assert reports[-1]["progress"] == 1
    assert all(isinstance(r["text"], str) and r["text"] for r in reports)
    assert load_phases(reports) == ["params", "shaders", "done"]
    response = await provider.complete(ask("hi"))
    assert response.metadata["model"] == "Llama-3.2-1B-Instruct-q4f32_1-MLC"


@run_in_pyodide
async def test_webgpu_is_detected_and_the_default_model_is_the_catalogs_verdict(selenium_page_without_model):
    """Python's default is the model js/catalog.js recommends for this adapter (SwiftShader, no shader-f16)."""
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider()
    assert await provider.bridge.loaded_model() is None
    gpu = await provider.gpu_info()
    assert gpu["available"] is True
    assert gpu["features"], "a real adapter reports features"
    assert "shader-f16" not in gpu["features"]
    assert gpu["fallback"] is True
    catalog = await provider.catalog()
    assert len(catalog) > 100
    assert [r["model_id"] for r in catalog if r["recommended"]] == ["Qwen2.5-0.5B-Instruct-q4f32_1-MLC"]
    assert await provider.default_model() == "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"
    f16 = [r for r in catalog if "shader-f16" in r["required_features"]]
    assert f16 and all(not r["fits"] and r["missing_features"] == ["shader-f16"] for r in f16)


@run_in_pyodide
async def test_the_real_engine_offline_fails_fast_with_a_typed_download_error(selenium_real_worker):
    from pagetools import ask, now

    from webllm_provider import NetworkError, WebLLMProvider

    provider = WebLLMProvider()
    for attempt in (
        lambda: provider.load_model("Qwen2.5-0.5B-Instruct-q4f32_1-MLC"),
        lambda: provider.complete(ask("hi", model="SmolLM2-360M-Instruct-q4f32_1-MLC")),
    ):
        started = now()
        try:
            await attempt()
        except NetworkError as error:
            assert "could not be downloaded" in str(error) and "Check the network" in str(error)
            assert error.retryable is True
            assert error.webllm_name == "NetworkError" and "fetch" in error.webllm_message.lower()
        else:
            raise AssertionError("loading weights offline cannot succeed")
        assert now() - started < 10_000
