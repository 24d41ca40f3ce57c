"""The tab running WebLLM's real engine (js/webllm-worker.js), which here can download nothing."""

import openai
import pytest

from .conftest import GatewayProcess, ask


@pytest.fixture
def real_gateway():
    process = GatewayProcess("--worker", "webllm-worker.js").start()
    yield process
    process.stop()


def test_the_real_engines_failures_reach_the_sdk_typed(real_gateway, open_tab):
    open_tab(real_gateway, model=None)
    client = openai.OpenAI(base_url=f"{real_gateway.url}/v1", api_key=real_gateway.token, max_retries=0, timeout=120)
    # Offline, WebLLM's download of the model fails: NetworkError, retryable.
    with pytest.raises(openai.InternalServerError) as offline:
        client.chat.completions.create(model="Qwen2.5-0.5B-Instruct-q4f32_1-MLC", messages=ask("Hi"))
    assert offline.value.status_code == 502
    assert offline.value.body["code"] == "NetworkError" and offline.value.body["type"] == "NetworkError"
    # This GPU (SwiftShader) has no shader-f16: refused before anything is downloaded.
    with pytest.raises(openai.InternalServerError) as no_f16:
        client.chat.completions.create(model="Qwen2.5-0.5B-Instruct-q4f16_1-MLC", messages=ask("Hi"))
    assert no_f16.value.status_code == 503 and no_f16.value.body["code"] == "ShaderF16SupportError"
    # No model named and none loaded: WebLLM's own error.
    with pytest.raises(openai.InternalServerError) as none_loaded:
        client.chat.completions.create(model="", messages=ask("Hi"))
    assert none_loaded.value.body["code"] == "WorkerEngineModelNotLoadedError"
