"""WebLLMProvider on CPython with GatewayBridge: the model runs in the browser tab."""

import json

import pytest

from webllm_provider import InvalidRequestError, NotFoundError, ProviderUnavailableError, WebLLMProvider
from webllm_provider.contract import Bridge
from webllm_provider.gateway import GatewayBridge

from .conftest import HERMES, MODEL, ask, load, wait_until

CALCULATOR = {
    "name": "calculator",
    "description": "Evaluate arithmetic",
    "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
}


@pytest.fixture
async def bridge(gateway, tab):
    bridge = GatewayBridge(gateway.url, gateway.token)
    yield bridge
    await bridge.aclose()


async def test_it_is_a_bridge_with_the_tabs_catalog(bridge):
    assert isinstance(bridge, Bridge)
    models = await bridge.list_models()
    assert any(m["model_id"] == HERMES for m in models) and len(models) > 100  # WebLLM's catalog, from the tab
    assert (await bridge.gpu_info())["architecture"] == "swiftshader"
    assert await bridge.loaded_model() == MODEL


async def test_the_provider_completes_and_calls_tools_on_both_paths(bridge, gateway, tab):
    provider = WebLLMProvider({"default_model": MODEL}, bridge=bridge)
    tab.push({"content": "Hello from the GPU tab"})
    response = await provider.complete({"messages": ask("Hi")})
    assert response.content[0].text == "Hello from the GPU tab" and response.usage.output_tokens > 0

    tab.push({"content": json.dumps({"tool_calls": [{"name": "calculator", "arguments": {"expression": "2+2"}}]})})
    response = await provider.complete({"messages": ask("2+2?"), "tools": [CALCULATOR]})
    (call,) = response.tool_calls
    assert (call.name, call.arguments) == ("calculator", {"expression": "2+2"})  # constrained path

    load(gateway, HERMES)
    native = WebLLMProvider({"default_model": HERMES}, bridge=bridge)
    tab.push({"tool_calls": [{"name": "calculator", "arguments": {"expression": "3*3"}}]})
    response = await native.complete({"messages": ask("3*3?"), "tools": [CALCULATOR]})
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("calculator", {"expression": "3*3"})]
    assert tab.received()[-1]["tools"][0]["function"]["name"] == "calculator"  # WebLLM's native path


async def test_streaming_and_closing_the_stream_stops_the_tab(bridge, gateway, tab):
    tab.push({"content": "a b c d e"})
    chunks = [chunk async for chunk in bridge.stream({"model": MODEL, "messages": ask("x")})]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == "a b c d e"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] >= 5

    tab.push({"content": "word " * 2000, "tokens_per_second": 20})
    stream = bridge.stream({"model": MODEL, "messages": ask("long")})
    for _ in range(3):
        await anext(stream)
    await stream.aclose()
    wait_until(lambda: gateway.tabs()[0]["status"] == "idle", 30, "the generation to stop")


async def test_the_provider_loads_models_with_progress(bridge, tab):
    provider = WebLLMProvider(bridge=bridge)
    tab.control("setLoadDelay", ms=300)
    reports = []
    assert await provider.load_model(HERMES, on_progress=reports.append) == HERMES
    assert len(reports) >= 2 and reports[-1]["progress"] == 1
    assert await bridge.loaded_model() == HERMES
    with pytest.raises(NotFoundError):
        await provider.load_model("Nope-q4f32_1-MLC")


async def test_failures_are_the_providers_typed_errors(bridge, tab):
    provider = WebLLMProvider({"default_model": MODEL, "max_retries": 0}, bridge=bridge)  # the error, not a retry
    tab.push({"error": {"name": "DeviceLostError", "message": "lost"}})
    with pytest.raises(ProviderUnavailableError) as lost:
        await provider.complete({"messages": ask("Hi")})
    assert lost.value.webllm_name == "DeviceLostError" and lost.value.retryable
    with pytest.raises(NotFoundError):
        await WebLLMProvider({"default_model": "Nope-q4f32_1-MLC"}, bridge=bridge).complete({"messages": ask("Hi")})
    with pytest.raises(InvalidRequestError):
        await bridge.complete({"messages": []})  # refused by the gateway itself


async def test_a_wrong_token_is_a_configuration_error(gateway):
    from webllm_provider import ConfigurationError

    bridge = GatewayBridge(gateway.url, "wrong")
    with pytest.raises(ConfigurationError):
        await bridge.list_models()
    await bridge.aclose()


async def test_a_provider_timeout_stops_the_generation_in_the_tab(bridge, gateway, tab):
    from webllm_provider import LLMTimeoutError

    provider = WebLLMProvider({"default_model": MODEL, "timeout": 1}, bridge=bridge)
    tab.push({"content": "word " * 2000, "tokens_per_second": 20})
    with pytest.raises(LLMTimeoutError):
        await provider.complete({"messages": ask("long")})
    wait_until(lambda: gateway.tabs()[0]["status"] == "idle", 30, "the generation to stop")
