"""Whatever a bridge raises or an engine replies, the caller gets a ChatResponse or a typed error.

Each case is one a bridge or an engine can really produce and that once escaped:
exceptions that are not BridgeError, replies that are not a usable
ChatCompletion, a model the catalog lacks, native tool calls on records as
WebLLM itself has them.
"""

import asyncio

import pytest

from webllm_provider import (
    ConfigurationError,
    ContextLengthError,
    InvalidRequestError,
    InvalidToolCallError,
    LLMError,
    NetworkError,
    NotFoundError,
    ProviderUnavailableError,
    TextDelta,
    WebLLMProvider,
)

from .fakes import MODEL, Coordinator, FakeBridge, chunks, completion

REQUEST = {"messages": [{"role": "user", "content": "Hi"}]}
CALC = {
    "name": "calc",
    "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
}
HERMES = "Hermes-3-Llama-3.1-8B-q4f32_1-MLC"
# Records exactly as WebLLM 0.2.86's prebuiltAppConfig.model_list has them: no fields of this project's.
WEBLLM_RECORDS = [
    {
        "model": "https://huggingface.co/mlc-ai/Hermes-3-Llama-3.1-8B-q4f32_1-MLC",
        "model_id": HERMES,
        "model_lib": "https://example/Llama-3_1-8B-Instruct-q4f32_1_cs1k-webgpu.wasm",
        "vram_required_MB": 5779.27,
        "low_resource_required": False,
        "overrides": {"context_window_size": 4096},
    },
    {"model_id": MODEL},
]


def provider_with(*replies, models=None, config=None):
    coordinator = Coordinator()
    bridge = FakeBridge(list(replies), models=models)
    provider = WebLLMProvider(
        {"default_model": MODEL, "max_retries": 0, "use_streaming": False, **(config or {})},
        bridge=bridge,
        coordinator=coordinator,
    )
    return provider, bridge, coordinator.hooks


async def streamed(provider, request=REQUEST):
    return [event async for event in provider.stream_reply(request)]


def response_event(hooks):
    events = hooks.exchange()
    assert [name for name, _ in events] == ["llm:request", "llm:response"]
    return events[1][1]


class EngineHiccup(RuntimeError):
    pass


class FakeJsException(Exception):
    """What Pyodide raises for a JavaScript error: ``name`` and ``message`` from the JS side."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


# --- any exception from the bridge -------------------------------------------------------------

TEXT_CASES = [
    (
        RuntimeError("Error: ContextWindowSizeExceededError: Prompt tokens exceed context window size"),
        ContextLengthError,
    ),
    (EngineHiccup("DeviceLostError: The WebGPU device was lost"), ProviderUnavailableError),
    (FakeJsException("Error", "ContextWindowSizeExceededError: Prompt tokens exceed"), ContextLengthError),
    (FakeJsException("DeviceLostError", "lost"), ProviderUnavailableError),
    (FakeJsException("Error", "TypeError: Failed to fetch"), NetworkError),
    (OSError("TypeError: Failed to fetch"), NetworkError),
    (ValueError("something nobody named"), LLMError),
    (KeyError("choices"), LLMError),
    (ZeroDivisionError(), LLMError),
]


@pytest.mark.parametrize("raised, expected", TEXT_CASES, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("mode", ["whole", "hooks", "reply"])
async def test_any_bridge_exception_becomes_the_typed_error_its_text_names(raised, expected, mode):
    provider, _, hooks = provider_with(raised, config={"use_streaming": mode == "hooks"})
    with pytest.raises(expected) as info:
        await (streamed(provider) if mode == "reply" else provider.complete(REQUEST))
    error = info.value
    assert type(error) is expected
    assert error.__cause__ is raised
    assert str(raised) in str(error)  # the original text is kept
    assert response_event(hooks)["error"]["type"] == type(error).__name__


async def test_a_name_found_in_text_maps_exactly_as_that_bridge_error_would():
    from webllm_provider import BridgeError
    from webllm_provider.errors import from_bridge, from_exception

    for name in ("ContextWindowSizeExceededError", "DeviceLostError", "ModelNotFoundError", "AbortError"):
        by_name = from_bridge(BridgeError(name, "m"))
        by_text = from_exception(RuntimeError(f"Error: {name}: m"))
        assert (type(by_text), by_text.retryable) == (type(by_name), by_name.retryable)
        assert (by_text.webllm_name, by_text.webllm_message) == (name, f"Error: {name}: m")


async def test_a_stream_failing_midway_keeps_its_text_and_emits_the_error():
    script = [*chunks("one two three")[:2], EngineHiccup("Error: DeviceLostError: gone")]
    provider, _, hooks = provider_with(script)
    seen = []
    with pytest.raises(ProviderUnavailableError) as info:
        async for event in provider.stream_reply(REQUEST):
            seen.append(event)
    assert "".join(e.text for e in seen if isinstance(e, TextDelta)) == "one two"
    assert info.value.partial_text == "one two"
    assert response_event(hooks)["status"] == "error"


@pytest.mark.parametrize("stream", [False, True])
async def test_cancellation_stays_cancellation(stream):
    provider, _, hooks = provider_with(asyncio.CancelledError())
    with pytest.raises(asyncio.CancelledError):
        await (streamed(provider) if stream else provider.complete(REQUEST))


# --- replies the provider cannot use ------------------------------------------------------------

UNUSABLE = {
    "not a dict": ["choices"],
    "a number": 42,
    "no choices key": {"id": "x", "model": MODEL},
    "empty choices": {**completion("x"), "choices": []},
    "choices not a list": {**completion("x"), "choices": {"0": {}}},
    "choice not a dict": {**completion("x"), "choices": ["x"]},
    "choice without message": {**completion("x"), "choices": [{"index": 0, "finish_reason": "stop"}]},
    "content a list": {**completion("x"), "choices": [{"message": {"content": ["a"]}, "finish_reason": "stop"}]},
    "content a number": {**completion("x"), "choices": [{"message": {"content": 5}, "finish_reason": "stop"}]},
    "tool_calls a string": {**completion("x"), "choices": [{"message": {"content": "", "tool_calls": "t"}}]},
    "finish_reason a number": {**completion("x"), "choices": [{"message": {"content": "x"}, "finish_reason": 1}]},
    "usage a list": {**completion("x"), "usage": [1, 2]},
    "usage tokens a string": {**completion("x"), "usage": {"prompt_tokens": "many"}},
}


@pytest.mark.parametrize("reply", UNUSABLE.values(), ids=UNUSABLE.keys())
async def test_a_completion_the_provider_cannot_use_is_a_typed_error(reply):
    provider, _, hooks = provider_with(reply)
    with pytest.raises(LLMError, match="cannot read"):
        await provider.complete(REQUEST)
    assert response_event(hooks)["status"] == "error"


def chunk(delta, **extra):
    return {"id": "c", "model": MODEL, "choices": [{"index": 0, "delta": delta, **extra}]}


UNUSABLE_STREAMS = {
    "a chunk that is a string": ["data: {}"],
    "a chunk without choices": [{"id": "c"}],
    "a choice without delta": [{"choices": [{"index": 0, "finish_reason": "stop"}]}],
    "delta content a dict": [chunk({"content": {"text": "a"}})],
    "tool call pieces not a list": [chunk({"content": "", "tool_calls": {"a": 1}})],
    "no choice at all": [{"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 0}}],
    "nothing at all": [],
}


@pytest.mark.parametrize("script", UNUSABLE_STREAMS.values(), ids=UNUSABLE_STREAMS.keys())
async def test_a_stream_the_provider_cannot_use_is_a_typed_error(script):
    provider, _, hooks = provider_with(script)
    with pytest.raises(LLMError, match="cannot read"):
        await streamed(provider)
    assert response_event(hooks)["status"] == "error"


async def test_a_well_formed_empty_reply_is_a_normal_response():
    provider, _, hooks = provider_with(completion(""), chunks(""))
    response = await provider.complete(REQUEST)
    assert (response.content, response.finish_reason, response.tool_calls) == ([], "stop", None)
    (streamed_response,) = await streamed(provider)
    assert streamed_response.content == [] and streamed_response.finish_reason == "stop"


async def test_missing_usage_and_finish_are_normalised_not_refused():
    bare = {"choices": [{"message": {"content": "hi"}}]}
    no_finish = [chunk({"content": "hi"})]
    provider, _, hooks = provider_with(bare, no_finish)
    response = await provider.complete(REQUEST)
    assert (response.content[0].text, response.usage, response.finish_reason) == ("hi", None, "stop")
    assert "usage" not in response_event(hooks)
    *_, final = await streamed(provider)
    assert (final.content[0].text, final.usage, final.finish_reason) == ("hi", None, "stop")


# --- the model must be in the catalog -----------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
async def test_a_model_the_catalog_lacks_fails_before_anything_is_sent(stream):
    provider, bridge, hooks = provider_with(
        models=WEBLLM_RECORDS, config={"default_model": "Hermes-3-Llama-3.1-8B-q4f3"}
    )
    with pytest.raises(NotFoundError, match=f"Closest: {HERMES}") as info:
        await (streamed(provider) if stream else provider.complete(REQUEST))
    assert info.value.model == "Hermes-3-Llama-3.1-8B-q4f3"
    assert bridge.requests == [] and hooks.seen == []


async def test_loading_a_model_the_catalog_lacks_fails_before_loading():
    provider, bridge, _ = provider_with(models=WEBLLM_RECORDS)
    with pytest.raises(NotFoundError, match="no model 'nope'"):
        await provider.load_model("nope")
    assert bridge.loaded == []


async def test_a_bridge_without_a_catalog_skips_the_check():
    provider, bridge, _ = provider_with(config={"default_model": "any-model-the-app-runs"})
    await provider.complete(REQUEST)
    assert bridge.requests[0]["model"] == "any-model-the-app-runs"


@pytest.mark.parametrize("catalog", [{"models": []}, [{"id": "x"}], ["x"], [{"model_id": 5}]])
async def test_a_broken_catalog_is_a_typed_error_and_does_not_block_requests(catalog):
    provider, bridge, _ = provider_with(models=catalog)
    with pytest.raises(LLMError, match="catalog"):
        await provider.list_models()
    assert (await provider.complete(REQUEST)).content[0].text == "You said hi."


class _Unclosable:
    """An async iterator without aclose(): a stop could not reach the engine (Bridge.stream is an async generator)."""

    def __init__(self, items):
        self.items = iter(items)

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return next(self.items)
        except StopIteration:
            raise StopAsyncIteration from None


async def test_a_bridge_stream_that_cannot_be_closed_is_a_configuration_error():
    """Found by mypy: the contract said AsyncIterator; the provider calls aclose (AttributeError after the reply)."""
    provider, bridge, _ = provider_with()
    bridge.stream = lambda request: _Unclosable(chunks("Hi there."))
    with pytest.raises(ConfigurationError, match="async generator"):
        [event async for event in provider.stream_reply(REQUEST)]


# --- native tools with WebLLM's own records ------------------------------------------------------


async def test_webllm_records_as_webllm_has_them_get_native_tools():
    call = {"id": "0", "type": "function", "function": {"name": "calc", "arguments": '{"x": 2}'}}
    provider, bridge, _ = provider_with(
        completion("", tool_calls=[call], finish_reason="tool_calls"),
        models=WEBLLM_RECORDS,
        config={"default_model": HERMES},
    )
    response = await provider.complete({**REQUEST, "tools": [CALC]})
    assert bridge.requests[0]["tools"][0]["function"]["name"] == "calc"
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("calc", {"x": 2})]
    (info,) = [m for m in await provider.list_models() if m.id == HERMES]
    assert "tools:native" in info.capabilities and info.context_window == 4096


@pytest.mark.parametrize("stream", [False, True])
async def test_native_tool_calls_are_read_whatever_path_was_planned_and_still_checked(stream):
    good = {"id": "0", "type": "function", "function": {"name": "calc", "arguments": '{"x": 2}'}}
    bad = {"id": "0", "type": "function", "function": {"name": "calc", "arguments": '{"x": "two"}'}}

    def reply(call):
        return (
            chunks("", tool_calls=[call], finish_reason="tool_calls") if stream else completion("", tool_calls=[call])
        )

    provider, bridge, _ = provider_with(reply(good), reply(bad), config={"tool_mode": "constrained"})
    request = {**REQUEST, "tools": [CALC]}
    events = await streamed(provider, request) if stream else [await provider.complete(request)]
    assert "response_format" in bridge.requests[0]  # the constrained path was planned
    assert [(c.name, c.arguments) for c in events[-1].tool_calls] == [("calc", {"x": 2})]
    with pytest.raises(InvalidToolCallError, match="break its schema"):
        await (streamed(provider, request) if stream else provider.complete(request))


# --- config and request ranges ------------------------------------------------------------------


async def test_a_bad_timeout_in_the_request_is_an_invalid_request():
    provider, bridge, _ = provider_with()
    for timeout in (-1, "soon", float("inf")):
        with pytest.raises(InvalidRequestError, match="timeout"):
            await provider.complete({**REQUEST, "timeout": timeout})
    assert bridge.requests == []
