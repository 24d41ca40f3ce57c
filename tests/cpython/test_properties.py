"""Property tests: whatever the request or the engine output, a ChatResponse or a typed error.

Requests are generated over every role and block type, with unicode, empty and
huge content, bad sampling values and tools. Engine output is generated with
random chunk boundaries, missing and mistyped fields, broken tool calls and
WebLLM errors at any point. Nothing may escape as anything but an LLMError.
"""

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webllm_provider import ChatResponse, LLMError, TextDelta, WebLLMProvider

from .fakes import MODEL as MODEL_ID
from .fakes import Coordinator, FakeBridge, chunks, completion, webllm_error

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.one_of(
    st.text(max_size=30),
    st.just(""),
    st.just("x" * 20_000),
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), max_size=5),
)
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=5,
)
call_id = st.sampled_from(["c1", "c2", "0", ""])
blocks = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, text),
    st.builds(lambda t: {"type": "thinking", "thinking": t, "signature": "s"}, text),
    st.builds(
        lambda i, n, a: {"type": "tool_call", "id": i, "name": n, "input": a},
        call_id,
        st.sampled_from(["calc", "kv"]),
        st.dictionaries(st.text(max_size=4), anything, max_size=2),
    ),
    st.builds(lambda i, o: {"type": "tool_result", "tool_call_id": i, "output": o}, call_id, anything),
    st.builds(
        lambda d: {"type": "image", "source": d},
        st.sampled_from(
            [
                {"type": "base64", "media_type": "image/png", "data": "QQ=="},
                {"type": "url", "url": "https://x/y.png"},
                {},
            ]
        ),
    ),
    st.just({"type": "redacted_thinking", "data": "zz"}),
    st.just({"type": "hologram"}),
)
messages = st.lists(
    st.builds(
        lambda role, content, tool_call_id: {
            "role": role,
            "content": content,
            **({"tool_call_id": tool_call_id} if tool_call_id else {}),
        },
        st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "robot"]),
        st.one_of(text, st.lists(blocks, max_size=4)),
        st.one_of(st.none(), call_id),
    ),
    max_size=6,
)
tools = st.lists(
    st.builds(
        lambda n, p: {"name": n, "parameters": p, "description": "d"},
        st.sampled_from(["calc", "kv", ""]),
        st.sampled_from(
            [
                {"type": "object"},
                {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
                "not a schema",
            ]
        ),
    ),
    max_size=3,
)
requests = st.fixed_dictionaries(
    {"messages": messages},
    optional={
        "temperature": st.one_of(st.floats(allow_nan=True), st.integers(), st.text(max_size=2)),
        "top_p": st.floats(-1, 2),
        "max_output_tokens": st.integers(-5, 5000),
        "stop": st.one_of(st.text(max_size=3), st.lists(st.text(max_size=3), max_size=2)),
        "tools": tools,
        "model": st.one_of(
            text, st.integers(), st.sampled_from(["Hermes-3-Llama-3.1-8B-q4f32_1-MLC", "Qwen2.5-1.5B-MLC"])
        ),
        "timeout": st.one_of(st.floats(allow_nan=True), st.integers(-1, 10**400), text),
        "tool_choice": st.sampled_from(
            ["auto", "none", "required", {"type": "function", "function": {"name": "calc"}}, "ghost"]
        ),
        "response_format": st.sampled_from(
            [
                {"type": "text"},
                {"type": "json"},
                {"type": "json_schema", "json_schema": {"type": "object"}},
                {"type": "yaml"},
            ]
        ),
    },
)
models = st.sampled_from(
    ["Qwen2.5-1.5B-Instruct-q4f32_1-MLC", "Hermes-3-Llama-3.1-8B-q4f32_1-MLC", "Phi-3.5-vision-instruct-q4f32_1-MLC"]
)
CATALOG = [
    {"model_id": "Qwen2.5-1.5B-Instruct-q4f32_1-MLC", "model_type": 0},
    {"model_id": "Hermes-3-Llama-3.1-8B-q4f32_1-MLC", "model_type": 0},
    {"model_id": "Phi-3.5-vision-instruct-q4f32_1-MLC", "model_type": 2},
]
# Every optional field a record may have, as WebLLM or the bridge spell it.
FULL_RECORD = {
    "vram_required_MB": 1000.5,
    "low_resource_required": True,
    "required_features": ["shader-f16"],
    "buffer_size_required_bytes": 1 << 28,
    "context_window_size": 2048,
    "overrides": {"context_window_size": 8192},
    "model_type": 2,
    "model": "https://huggingface.co/mlc-ai/x",
    "model_lib": "https://example/x.wasm",
}


def run(coroutine):
    return asyncio.run(coroutine)


# How the reply is asked for: complete() fetching it whole, complete() streaming it
# through the hooks, or stream_reply(). The last two read chunks, the first a completion.
MODES = st.sampled_from(["whole", "hooks", "reply"])


def calc_request(with_tools: bool) -> dict:
    """ "go", offering one integer-taking tool or none."""
    request = {"messages": [{"role": "user", "content": "go"}]}
    if with_tools:
        request["tools"] = [
            {"name": "calc", "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}}}
        ]
    return request


def fuzzed(config, bridge, mode) -> WebLLMProvider:
    config = {**config, "max_retries": 0, "use_streaming": mode != "whole"}
    return WebLLMProvider(config, bridge=bridge, coordinator=Coordinator())


async def outcome(provider, request, mode):
    """A ChatResponse or a typed error, within a bounded time, with llm:request and llm:response paired."""

    async def ask():
        if mode == "reply":
            events = [event async for event in provider.stream_reply(request)]
            assert all(isinstance(e, TextDelta) for e in events[:-1])
            assert isinstance(events[-1], ChatResponse)
        else:
            assert isinstance(await provider.complete(request), ChatResponse)

    try:
        await asyncio.wait_for(ask(), timeout=30)
    except LLMError:
        pass
    assert [event for event, _ in provider.coordinator.hooks.exchange()] in ([], ["llm:request", "llm:response"])


@SETTINGS
@given(request=requests, model=models, stream=MODES)
def test_any_request_gives_a_response_or_a_typed_error(request, model, stream):
    provider = fuzzed({"default_model": model}, FakeBridge(models=CATALOG), stream)
    run(outcome(provider, request, stream))


def mutate(value, draw):
    """Drop, null out or retype parts of a WebLLM chunk or completion."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            action = draw(st.sampled_from(["keep"] * 6 + ["drop", "none", "junk"]))
            if action == "keep":
                out[key] = mutate(item, draw)
            elif action == "none":
                out[key] = None
            elif action == "junk":
                out[key] = draw(anything)
        return out
    if isinstance(value, list):
        return [mutate(item, draw) for item in value]
    return value


engine_error = st.builds(
    webllm_error,
    st.sampled_from(["DeviceLostError", "ContextWindowSizeExceededError", "TypeError", "Error", "InternalError"]),
    text,
)
replies = st.one_of(
    text,
    st.builds(lambda a: json.dumps({"answer": a}), text),
    st.builds(
        lambda n, a: json.dumps({"tool_calls": [{"name": n, "arguments": a}]}),
        st.sampled_from(["calc", "kv", "nope"]),
        anything,
    ),
)


@SETTINGS
@given(data=st.data(), reply=replies, stream=MODES, model=models, with_tools=st.booleans())
def test_any_engine_output_gives_a_response_or_a_typed_error(data, reply, stream, model, with_tools):
    tool_calls = data.draw(
        st.one_of(
            st.none(),
            st.just(
                [
                    {
                        "id": "0",
                        "type": "function",
                        "function": {"name": "calc", "arguments": data.draw(st.one_of(text, st.just('{"x": 1}')))},
                    }
                ]
            ),
        )
    )
    finish = data.draw(st.sampled_from(["stop", "length", "abort", "tool_calls", None]))
    if stream != "whole":
        script = [mutate(c, data.draw) for c in chunks(reply, tool_calls=tool_calls, finish_reason=finish)]
        if data.draw(st.booleans()):
            script.insert(data.draw(st.integers(0, len(script))), data.draw(engine_error))
    else:
        script = data.draw(
            st.one_of(
                engine_error, st.just(mutate(completion(reply, tool_calls=tool_calls, finish_reason=finish), data.draw))
            )
        )
    provider = fuzzed({"default_model": model}, FakeBridge([script], models=CATALOG), stream)
    run(outcome(provider, calc_request(with_tools), stream))


class Odd(Exception):
    """An exception class no one maps, with a ``name`` like a JavaScript error's."""

    def __init__(self, text, name=None):
        super().__init__(text)
        if name is not None:
            self.name = name


error_names = st.sampled_from(
    ["ContextWindowSizeExceededError", "DeviceLostError", "TypeError", "Error", "PythonError", "Nope", ""]
)
error_texts = st.one_of(text, st.builds(lambda n, t: f"Error: {n}: {t}", error_names, text))
raised = st.one_of(
    st.builds(
        lambda cls, t: cls(t),
        st.sampled_from([RuntimeError, ValueError, KeyError, OSError, TypeError, Exception, ZeroDivisionError]),
        error_texts,
    ),
    st.builds(Odd, error_texts, st.one_of(st.none(), error_names, st.integers())),
    st.builds(webllm_error, error_names, error_texts),
    st.builds(lambda t: StopAsyncIteration(t), text),
    st.builds(lambda t: RecursionError(t), text),
)


@SETTINGS
@given(data=st.data(), error=raised, stream=MODES, at=st.integers(0, 4))
def test_any_exception_from_the_bridge_gives_a_typed_error(data, error, stream, at):
    script = chunks("a b c d") if stream != "whole" else None
    if stream != "whole":
        script.insert(min(at, len(script)), error)
    provider = fuzzed({"default_model": MODEL_ID}, FakeBridge([script if stream != "whole" else error]), stream)
    run(outcome(provider, {"messages": [{"role": "user", "content": "go"}]}, stream))


def replaced(value, draw):
    """``value`` with any part, at any depth, maybe swapped for an arbitrary JSON value."""
    if draw(st.integers(0, 7)) == 0:
        return draw(anything)
    if isinstance(value, dict):
        return {key: replaced(item, draw) for key, item in value.items()}
    if isinstance(value, list):
        return [replaced(item, draw) for item in value]
    return value


@SETTINGS
@given(data=st.data(), stream=MODES, with_tools=st.booleans(), model=models)
def test_replies_of_any_json_type_at_any_level(data, stream, with_tools, model):
    call = {"id": "0", "type": "function", "function": {"name": "calc", "arguments": '{"x": 1}'}}
    calls = data.draw(st.sampled_from([None, [call]]))
    script = chunks("a b", tool_calls=calls) if stream != "whole" else completion("a b", tool_calls=calls)
    script = replaced(script, data.draw)
    if stream != "whole" and not isinstance(script, list):
        script = [script]
    provider = fuzzed({"default_model": model}, FakeBridge([script], models=CATALOG), stream)
    run(outcome(provider, calc_request(with_tools), stream))


@SETTINGS
@given(data=st.data(), stream=MODES, with_tools=st.booleans(), pick=st.integers(0, 3))
def test_catalogs_missing_any_optional_field(data, stream, with_tools, pick):
    ids = [record["model_id"] for record in CATALOG]
    catalog = [
        {
            "model_id": model_id,
            **{key: FULL_RECORD[key] for key in data.draw(st.sets(st.sampled_from(sorted(FULL_RECORD))))},
        }
        for model_id in ids
    ]
    model = (ids + ["Qwen2.5-1.5B-Instruct-q4f16_1-MLC"])[pick]
    request = {"messages": [{"role": "user", "content": "go"}]}
    if with_tools:
        request["tools"] = [{"name": "calc", "parameters": {"type": "object"}}]
    provider = fuzzed({"default_model": model}, FakeBridge(models=catalog), stream)
    run(outcome(provider, request, stream))
    run(provider.list_models())
