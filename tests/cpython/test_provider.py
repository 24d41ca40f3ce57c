"""The provider end to end over a Python bridge: models, defaults, errors, events."""

import re

import pytest
from amplifier_core.message_models import ChatRequest, Message
from amplifier_core.models import ModelInfo

from webllm_provider import (
    AbortError,
    ConfigurationError,
    ContextLengthError,
    InvalidRequestError,
    LLMError,
    NetworkError,
    NotFoundError,
    ProviderUnavailableError,
    WebLLMProvider,
)

from .fakes import FakeBridge, webllm_error

REQUEST = ChatRequest(messages=[Message(role="user", content="Hi")])

CATALOG = [
    {
        "model_id": "Hermes-3-Llama-3.1-8B-q4f16_1-MLC",
        "vram_required_MB": 5000,
        "low_resource_required": False,
        "required_features": ["shader-f16"],
        "context_window_size": 4096,
        "model_type": 0,
    },
    {
        "model_id": "Mid-3B-q4f16_1-MLC",
        "vram_required_MB": 2200,
        "low_resource_required": True,
        "required_features": ["shader-f16"],
        "context_window_size": 4096,
        "model_type": 0,
    },
    {
        "model_id": "Mid-3B-q4f32_1-MLC",
        "vram_required_MB": 2900,
        "low_resource_required": True,
        "required_features": [],
        "context_window_size": 4096,
        "model_type": 0,
    },
    {
        "model_id": "Huge-buffer-q4f32_1-MLC",
        "vram_required_MB": 1000,
        "low_resource_required": True,
        "required_features": [],
        "buffer_size_required_bytes": 1 << 31,
        "model_type": 0,
    },
    {
        "model_id": "Small-0.5B-q4f32_1-MLC",
        "vram_required_MB": 900,
        "low_resource_required": True,
        "required_features": [],
        "context_window_size": 2048,
        "model_type": 0,
    },
    {"model_id": "snowflake-embed-q4f32_1-MLC", "vram_required_MB": 100, "model_type": 1},
    {"model_id": "Phi-vision-q4f32_1-MLC", "vram_required_MB": 2000, "model_type": 2, "required_features": []},
]
SWIFTSHADER = {
    "available": True,
    "features": ["texture-compression-bc"],
    "limits": {"maxBufferSize": 1 << 31, "maxStorageBufferBindingSize": 1 << 30},
    "vendor": "google",
    "architecture": "swiftshader",
}


async def test_complete_returns_text_and_sends_the_model(provider, bridge):
    response = await provider.complete(REQUEST)
    assert response.content[0].text == "You said hi."
    assert bridge.requests[0]["model"] == "Qwen2.5-1.5B-Instruct-q4f32_1-MLC"
    assert "stream" not in bridge.requests[0]


async def test_list_models_from_the_bridge_catalog():
    provider = WebLLMProvider(bridge=FakeBridge(models=CATALOG))
    models = await provider.list_models()
    assert all(isinstance(m, ModelInfo) for m in models)
    by_id = {m.id: m for m in models}
    assert "snowflake-embed-q4f32_1-MLC" not in by_id
    assert "tools:native" in by_id["Hermes-3-Llama-3.1-8B-q4f16_1-MLC"].capabilities
    assert "feature:shader-f16" in by_id["Hermes-3-Llama-3.1-8B-q4f16_1-MLC"].capabilities
    assert "tools:constrained" in by_id["Small-0.5B-q4f32_1-MLC"].capabilities
    assert "low_resource" in by_id["Small-0.5B-q4f32_1-MLC"].capabilities
    assert "vision" in by_id["Phi-vision-q4f32_1-MLC"].capabilities
    assert by_id["Small-0.5B-q4f32_1-MLC"].context_window == 2048
    # The label js/catalog.js gives a record; a record without one (a raw WebLLM record) shows its id.
    labelled = {**CATALOG[0], "label": "A label"}
    (info,) = await WebLLMProvider(bridge=FakeBridge(models=[labelled])).list_models()
    assert info.display_name == "A label"
    assert by_id["Small-0.5B-q4f32_1-MLC"].display_name == "Small-0.5B-q4f32_1-MLC"


async def test_the_default_model_is_the_one_the_catalog_recommends():
    catalog = [{**record, "recommended": record["model_id"] == "Mid-3B-q4f32_1-MLC"} for record in CATALOG]
    bridge = FakeBridge(models=catalog, gpu=SWIFTSHADER)
    await WebLLMProvider(bridge=bridge).complete(REQUEST)
    assert bridge.requests[0]["model"] == "Mid-3B-q4f32_1-MLC"


async def test_records_without_verdicts_give_no_default_model():
    """WebLLM's plain records (an app's own bridge): nothing recommended, so the request names no model
    and the bridge uses the one it has loaded."""
    bridge = FakeBridge(models=CATALOG, gpu=SWIFTSHADER)
    provider = WebLLMProvider(bridge=bridge)
    assert await provider.default_model() is None
    await provider.complete(REQUEST)
    assert "model" not in bridge.requests[0]


async def test_load_model_reports_progress_and_becomes_the_default(provider, bridge):
    reports = []
    assert await provider.load_model("Small-0.5B-q4f32_1-MLC", on_progress=reports.append) == "Small-0.5B-q4f32_1-MLC"
    assert [r["progress"] for r in reports] == [0.0, 0.5, 1.0]
    await provider.complete(REQUEST)
    assert bridge.requests[0]["model"] == "Small-0.5B-q4f32_1-MLC"


@pytest.mark.parametrize(
    "name, message, error_type, retryable",
    [
        ("ModelNotFoundError", "Cannot find model record in appConfig for X", NotFoundError, False),
        ("ContextWindowSizeExceededError", "Prompt tokens exceed context window size", ContextLengthError, False),
        ("DeviceLostError", "The WebGPU device was lost", ProviderUnavailableError, True),
        ("WebGPUNotAvailableError", "WebGPU is not supported", ProviderUnavailableError, False),
        ("AbortError", "stopped", AbortError, False),
        ("UnsupportedModelIdError", "X is not supported for ChatCompletionRequest.tools", InvalidRequestError, False),
        ("WorkerError", "worker terminated", ProviderUnavailableError, True),
    ],
)
async def test_bridge_errors_become_typed_errors(name, message, error_type, retryable):
    provider = WebLLMProvider(
        {"default_model": "m", "max_retries": 0}, bridge=FakeBridge([webllm_error(name, message)])
    )
    with pytest.raises(error_type) as info:
        await provider.complete(REQUEST)
    error = info.value
    assert error.retryable is retryable
    assert error.provider == "webllm" and error.model == "m"
    assert error.webllm_name == name and error.webllm_message == message
    assert f"[WebLLM {name}: {message}]" in str(error)


@pytest.mark.parametrize(
    "name, message, error_type, webllm_name",
    [
        ("TypeError", "Failed to fetch", NetworkError, "NetworkError"),  # Chromium's fetch()
        ("TypeError", "NetworkError when attempting to fetch resource.", NetworkError, "NetworkError"),  # Firefox's
        ("TypeError", "Load failed", NetworkError, "NetworkError"),  # Safari's
        (
            "Error",
            "Unable to find a compatible GPU. This issue might be ...",
            ProviderUnavailableError,
            "WebGPUNotAvailableError",
        ),
        # Only those: a programming error keeps its name and is no NetworkError.
        ("TypeError", "x is not a function", LLMError, "TypeError"),
        ("Error", "Failed to fetch", LLMError, "Error"),
        ("TypeError", "Unable to find a compatible GPU", LLMError, "TypeError"),
    ],
)
async def test_browser_errors_without_a_class_are_named_here(name, message, error_type, webllm_name):
    """JavaScript passes them on as the browser named them (js/errors.js); errors.py alone renames them."""
    provider = WebLLMProvider(
        {"default_model": "m", "max_retries": 0}, bridge=FakeBridge([webllm_error(name, message)])
    )
    with pytest.raises(error_type) as info:
        await provider.complete(REQUEST)
    assert type(info.value) is error_type
    assert info.value.webllm_name == webllm_name and info.value.webllm_message == message
    assert info.value.retryable is (error_type is NetworkError)


async def test_download_failure_says_what_to_do():
    provider = WebLLMProvider({"max_retries": 0}, bridge=FakeBridge([webllm_error("TypeError", "Failed to fetch")]))
    with pytest.raises(NetworkError, match="could not be downloaded.*Check the network"):
        await provider.complete(REQUEST)


async def test_without_a_bridge_complete_explains_and_list_models_is_empty():
    provider = WebLLMProvider()
    with pytest.raises(ConfigurationError, match=r"WebLLMProvider\(bridge=\.\.\.\)"):
        await provider.complete(REQUEST)
    assert await provider.list_models() == []


TINY_RECORD = {"model_id": "tiny", "model": "https://example.test/tiny/", "model_lib": "https://example.test/tiny.wasm"}


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"app_config": {"model_list": []}}, "non-empty model_list"),
        ({"app_config": [TINY_RECORD]}, "WebLLM's AppConfig"),
        ({"app_config": {"model_list": [{"model_id": "tiny"}]}}, "model_list[0] needs model_id and model"),
        ({"worker_url": 3}, "worker_url must be a URL"),
        ({"worker_url": ""}, "worker_url must be a URL"),
    ],
)
def test_engine_settings_are_checked(config, named):
    with pytest.raises(ConfigurationError, match=re.escape(named)):
        WebLLMProvider(config)


async def test_engine_settings_need_an_engine_the_provider_starts():
    """On CPython the engine is the gateway's tab (or a bridge passed in): its settings are not the provider's."""
    provider = WebLLMProvider({"app_config": {"model_list": [TINY_RECORD]}, "worker_url": "https://example.test/w.js"})
    assert provider.config.engine_settings() is not None
    with pytest.raises(ConfigurationError, match="in Pyodide"):
        await provider.complete(REQUEST)


def test_parse_tool_calls_reads_the_response():
    from webllm_provider.messages import NATIVE
    from webllm_provider.request import Expected
    from webllm_provider.tool_calling import ToolPlan

    from .fakes import completion, to_response

    plan = ToolPlan(NATIVE, {"t": {"name": "t", "description": "", "parameters": {}}})
    response = to_response(
        completion("", tool_calls=[{"id": "7", "function": {"name": "t", "arguments": "{}"}}]), Expected(plan)
    )
    calls = WebLLMProvider().parse_tool_calls(response)
    assert [(c.name, c.arguments) for c in calls] == [("t", {})]


def test_every_error_webllm_can_raise_has_a_specific_typed_error():
    """Read the error names from the WebLLM that package-lock.json pins; none may fall through."""
    import re
    from pathlib import Path

    from webllm_provider import BridgeError, LLMError
    from webllm_provider.errors import from_bridge

    bundle = Path(__file__).resolve().parents[2] / "node_modules/@mlc-ai/web-llm/lib/index.js"
    assert bundle.exists(), "run `npm ci` (make test does) so this test can read WebLLM's errors"
    names = set(re.findall(r'this\.name = "(\w+Error|\w+Prompt)"', bundle.read_text()))
    assert {"DeviceLostError", "ShaderF16SupportError", "JSONFieldError"} <= names and len(names) > 60
    generic = sorted(n for n in names if type(from_bridge(BridgeError(n, "x"))) is LLMError)
    assert generic == []
