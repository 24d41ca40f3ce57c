"""The request dict the provider sends to WebLLM."""

import json

import pytest
from amplifier_core.message_models import ChatRequest, Message, ResponseFormatJson, ResponseFormatJsonSchema

from webllm_provider import ConfigurationError, InvalidRequestError, WebLLMProvider
from webllm_provider.config import ProviderConfig
from webllm_provider.incoming import read_request
from webllm_provider.request import build_request as build_with_plan
from webllm_provider.tool_calling import plan_tools

from .fakes import FakeBridge


def build_request(request, config, *, model, overrides=None, native=False):
    plan = plan_tools(request, native_model=native)
    body, _ = build_with_plan(request, config, model=model, plan=plan, overrides=overrides)
    return body


USER = [Message(role="user", content="Hi")]


def test_request_then_kwargs_then_config():
    config = ProviderConfig.from_dict({"temperature": 0.2, "top_p": 0.9, "max_tokens": 64, "seed": 7, "stop": "END"})
    request = ChatRequest(messages=USER, temperature=0.5, max_output_tokens=32)
    body = build_request(request, config, model="m", overrides={"top_p": 0.5})
    assert body == {
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0.5,
        "top_p": 0.5,
        "max_tokens": 32,
        "seed": 7,
        "stop": ["END"],
        "model": "m",
    }


async def test_the_body_leaves_streaming_to_the_bridge():
    """complete() or stream() says which; the transport sets the fields (protocol.STREAMED)."""
    bridge = FakeBridge()
    provider = WebLLMProvider({"default_model": "m"}, bridge=bridge)
    await provider.complete(ChatRequest(messages=USER))
    async for _ in provider.stream_reply(ChatRequest(messages=USER)):
        pass
    assert bridge.methods == ["complete", "stream"]
    assert not any(request.keys() & {"stream", "stream_options"} for request in bridge.requests)


@pytest.mark.parametrize(
    "field, value",
    [
        ("temperature", -0.1),
        ("temperature", float("nan")),
        ("top_p", 0),
        ("top_p", 1.01),
        ("max_tokens", 0),
        ("seed", 1.5),
        ("frequency_penalty", 9),
        ("presence_penalty", -2.5),
        ("repetition_penalty", 0),
        ("temperature", 10**400),
    ],
)
def test_out_of_range_sampling_is_rejected_with_the_field_named(field, value):
    with pytest.raises(InvalidRequestError, match=field):
        build_request(ChatRequest(messages=USER), ProviderConfig(), model=None, overrides={field: value})
    with pytest.raises(ConfigurationError, match=field):
        ProviderConfig.from_dict({field: value})


@pytest.mark.parametrize(
    "field, value", [("temperature", 3.0), ("top_p", 1), ("repetition_penalty", 0.01), ("presence_penalty", -2)]
)
def test_values_webllm_accepts_pass(field, value):
    body = build_request(ChatRequest(messages=USER), ProviderConfig.from_dict({field: value}), model=None)
    assert body[field] == value


# One precedence for every setting: the request, then the call's keyword arguments, then the config.
# field -> (the ChatRequest/kwargs name, three distinct valid values, where the value lands)
SETTINGS = {
    "temperature": ("temperature", (0.1, 0.2, 0.3)),
    "top_p": ("top_p", (0.1, 0.2, 0.3)),
    "max_tokens": ("max_output_tokens", (10, 20, 30)),
    "seed": ("seed", (1, 2, 3)),
    "stop": ("stop", (["a"], ["b"], ["c"])),
    "frequency_penalty": ("frequency_penalty", (0.1, 0.2, 0.3)),
    "presence_penalty": ("presence_penalty", (0.1, 0.2, 0.3)),
    "repetition_penalty": ("repetition_penalty", (1.1, 1.2, 1.3)),
    "model": ("model", ("Qwen2.5-0.5B-Instruct-q4f32_1-MLC", "Llama-3.2-1B-Instruct-q4f32_1-MLC", "SmolLM2-MLC")),
    "timeout": ("timeout", (11, 22, 33)),
}


@pytest.mark.parametrize("field", SETTINGS)
async def test_the_request_then_kwargs_then_config(field):
    import asyncio

    name, (from_request, from_kwargs, from_config) = SETTINGS[field]
    config_key = "default_model" if field == "model" else field
    seen = []
    for request_value, kwargs_value in ((from_request, from_kwargs), (None, from_kwargs), (None, None)):
        request = {"messages": [{"role": "user", "content": "Hi"}], **({name: request_value} if request_value else {})}
        kwargs = {name: kwargs_value} if kwargs_value else {}
        provider = WebLLMProvider({config_key: from_config}, bridge=FakeBridge())
        call = await provider._prepare(read_request(request), kwargs, stream=False)
        if field == "timeout":
            seen.append(round(call.deadline - asyncio.get_running_loop().time()))
        else:
            seen.append(call.model if field == "model" else call.body[field])
    assert seen == [from_request, from_kwargs, from_config]


def test_bad_config_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="temperature"):
        WebLLMProvider({"temperature": "hot"})
    with pytest.raises(ConfigurationError, match="api_key"):
        WebLLMProvider({"api_key": "x"})


def test_last_message_must_be_user_or_tool():
    request = ChatRequest(messages=[*USER, Message(role="assistant", content="Sure,")])
    with pytest.raises(InvalidRequestError, match="last message"):
        build_request(request, ProviderConfig(), model=None)


def test_no_messages_is_rejected():
    with pytest.raises(InvalidRequestError, match="no messages"):
        build_request({"messages": []}, ProviderConfig(), model=None)


def test_response_formats_map_to_webllm_json_object():
    json_body = build_request(
        ChatRequest(messages=USER, response_format=ResponseFormatJson()), ProviderConfig(), model=None
    )
    # WebLLM 0.2.86 fails on json_object without a schema (GrammarMatcherInitError, found on the real engine).
    assert json_body["response_format"] == {"type": "json_object", "schema": '{"type": "object"}'}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    schema_body = build_request(
        ChatRequest(messages=USER, response_format=ResponseFormatJsonSchema(json_schema=schema)),
        ProviderConfig(),
        model=None,
    )
    assert schema_body["response_format"]["type"] == "json_object"
    assert json.loads(schema_body["response_format"]["schema"]) == schema
