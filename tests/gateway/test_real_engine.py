"""The tab running WebLLM's real engine (js/webllm-worker.js), which here can download nothing."""

import json

import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

from .conftest import APP_CONFIG, TINY, GatewayProcess, ask, tiny_model_gateway


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


# --- WebLLM's real engine on the tiny model (tests/fixtures/tiny-model), served with one flag.


# What the model was trained to write (tools/tiny_model/dialogues.py): its JSON replies'
# key, and the calculator. After a key it never wrote it cannot go on, and spends max_tokens on
# the whitespace the grammar allows.
class Reply(BaseModel):
    answer: str = Field(max_length=40)


CALCULATOR = {
    "type": "function",
    "function": {
        "name": "calculator",
        "description": "Evaluate an arithmetic expression.",
        "parameters": {
            "type": "object",
            "properties": {"expression": {"type": "string"}},
            "required": ["expression"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture(scope="module")
def tiny_gateway(browser):
    with tiny_model_gateway(browser) as (process, _):
        yield process, openai.OpenAI(base_url=f"{process.url}/v1", api_key=process.token, max_retries=0, timeout=300)


def test_the_app_configs_models_are_the_ones_listed(tiny_gateway):
    process, client = tiny_gateway
    listed = [record["model_id"] for record in json.loads(APP_CONFIG.read_text())["model_list"]]
    assert listed[0] == TINY and len(listed) == 2, "the tiny model, and again under a Hermes id"
    assert [m.id for m in client.models.list()] == listed
    assert [m["model_id"] for m in process.get("/api/models")["models"]] == listed
    assert process.get("/api/status")["loaded"] == TINY


def test_parse_returns_an_object_that_satisfies_the_schema(tiny_gateway):
    _, client = tiny_gateway
    reply = client.chat.completions.parse(
        model=TINY, messages=ask("Who are you?"), response_format=Reply, temperature=0, max_tokens=100
    )
    assert reply.choices[0].finish_reason == "stop"
    assert isinstance(reply.choices[0].message.parsed, Reply)


def test_a_constrained_tool_call_fits_the_tools_schema(tiny_gateway):
    _, client = tiny_gateway
    reply = client.chat.completions.create(
        model=TINY,
        messages=ask("Add 2 and 3"),
        tools=[CALCULATOR],
        tool_choice="required",
        seed=123456789,
        max_tokens=200,
    )
    calls = reply.choices[0].message.tool_calls
    assert calls and reply.choices[0].finish_reason == "tool_calls"
    for call in calls:
        assert call.function.name == "calculator" and call.id.startswith("call_")
        jsonschema.validate(json.loads(call.function.arguments), CALCULATOR["function"]["parameters"])


def test_a_stream_says_what_the_same_request_says_whole(tiny_gateway):
    _, client = tiny_gateway
    request = {"model": TINY, "messages": ask("Hello"), "seed": 555555555, "max_tokens": 24, "temperature": 1.0}
    whole = client.chat.completions.create(**request).choices[0].message.content
    streamed = "".join(
        c.choices[0].delta.content or "" for c in client.chat.completions.create(**request, stream=True) if c.choices
    )
    assert whole and streamed == whole
