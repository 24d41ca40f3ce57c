"""The official openai SDK against the gateway and a tab running the scripted engine."""

import json

import openai
import pytest

from .conftest import HERMES, MODEL, WEATHER, ask, load, wait_until


def test_complete(client, tab):
    tab.push({"content": "Hello from the tab"})
    reply = client.chat.completions.create(model=MODEL, messages=ask("Hi"))
    assert reply.choices[0].message.content == "Hello from the tab"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.completion_tokens > 0 and reply.model == MODEL
    assert tab.received()[-1]["messages"] == ask("Hi")


def test_stream_with_and_without_usage(client, tab):
    tab.push({"content": "one two three four"}, {"content": "five six"})
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=ask("count"), stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three four"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) >= 4  # streamed, not in one piece
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens >= 4
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    plain = list(client.chat.completions.create(model=MODEL, messages=ask("more"), stream=True))
    assert all(c.choices for c in plain) and all(c.usage is None for c in plain)
    assert "".join(c.choices[0].delta.content or "" for c in plain) == "five six"


def test_models(client, tab):
    ids = [m.id for m in client.models.list()]
    assert MODEL in ids and HERMES in ids and len(ids) > 50
    assert client.models.retrieve(HERMES).id == HERMES
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("Nope-q4f32_1-MLC")


def test_native_tool_calls_on_a_hermes_model(client, gateway, tab):
    load(gateway, HERMES)
    tab.push({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]})
    reply = client.chat.completions.create(model=HERMES, messages=ask("Weather in Paris?"), tools=[WEATHER])
    (call,) = reply.choices[0].message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    assert reply.choices[0].finish_reason == "tool_calls"
    sent = tab.received()[-1]
    assert sent["tools"][0]["function"]["name"] == "get_weather"  # WebLLM's own function calling


@pytest.mark.parametrize("stream", [False, True])
def test_constrained_tool_calls_on_any_other_model(client, tab, stream):
    tab.push({"content": json.dumps({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]})})
    request = dict(model=MODEL, messages=ask("Weather in Oslo?"), tools=[WEATHER])
    if stream:
        chunks = list(client.chat.completions.create(**request, stream=True))
        calls = [call for c in chunks if c.choices for call in c.choices[0].delta.tool_calls or []]
        finish = [c.choices[0].finish_reason for c in chunks if c.choices][-1]
    else:
        reply = client.chat.completions.create(**request)
        calls, finish = reply.choices[0].message.tool_calls, reply.choices[0].finish_reason
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [("get_weather", {"city": "Oslo"})]
    assert finish == "tool_calls"
    sent = tab.received()[-1]
    assert "tools" not in sent and sent["response_format"]["type"] == "json_object"  # held by WebLLM's grammar
    # The answer after the tool result comes back as text.
    tab.push({"content": json.dumps({"answer": "It is sunny in Oslo."})})
    messages = [
        *ask("Weather in Oslo?"),
        {"role": "assistant", "content": None, "tool_calls": [c.model_dump() for c in calls]},
        {"role": "tool", "tool_call_id": calls[0].id, "content": "sunny"},
    ]
    reply = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER])
    assert reply.choices[0].message.content == "It is sunny in Oslo." and reply.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("stream", [False, True])
def test_a_reply_with_tools_cut_off_at_max_tokens_is_sent_as_openai_sends_it(client, gateway, tab, stream):
    """200 and finish_reason "length" (not an error): the answer's text so far; a cut-off call left out,
    on both paths (WebLLM sends no tool_calls for a reply that did not stop either)."""
    answer = json.dumps({"answer": "It is sunny and warm in Oslo today."})
    call = json.dumps({"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]})

    def cut_off(model: str, reply: str) -> tuple[str | None, list, str | None]:
        tab.push({"content": reply})
        request = dict(model=model, messages=ask("Weather in Oslo?"), tools=[WEATHER], max_tokens=4)
        if not stream:
            choice = client.chat.completions.create(**request).choices[0]
            return choice.message.content, choice.message.tool_calls or [], choice.finish_reason
        chunks = [c for c in client.chat.completions.create(**request, stream=True) if c.choices]
        text = "".join(c.choices[0].delta.content or "" for c in chunks) or None
        calls = [call for c in chunks for call in c.choices[0].delta.tool_calls or []]
        return text, calls, chunks[-1].choices[0].finish_reason

    assert cut_off(MODEL, answer) == ("It is sunny", [], "length")  # 4 scripted tokens: '{"answer": "It is sunny'
    assert cut_off(MODEL, call) == (None, [], "length")
    load(gateway, HERMES)
    assert cut_off(HERMES, '[{"arguments": {"city": "Oslo"}, "name": "get_weather"}]') == (None, [], "length")


def test_a_closed_stream_stops_the_generation_in_the_tab(client, gateway, tab):
    # 2,000 tokens at 20 tokens/s would keep the tab busy for 100 s.
    tab.push({"content": "word " * 2000, "tokens_per_second": 20}, {"content": "next one"})
    stream = client.chat.completions.create(model=MODEL, messages=ask("long"), stream=True)
    for index, _ in enumerate(stream):
        if index == 2:
            break
    stream.close()
    wait_until(lambda: gateway.tabs()[0]["status"] == "idle", 30, "the tab to stop generating")
    (record,) = [r for r in gateway.get("/api/history")["history"] if r["status"] == 499]
    assert record["error"] == "the client closed the stream"
    assert client.chat.completions.create(model=MODEL, messages=ask("x")).choices[0].message.content == "next one"


def test_a_client_that_gives_up_on_a_non_streamed_request_stops_the_tab(gateway, tab):
    tab.push({"content": "word " * 2000, "tokens_per_second": 20}, {"content": "next one"})
    with pytest.raises(openai.APITimeoutError):
        openai.OpenAI(
            base_url=f"{gateway.url}/v1", api_key=gateway.token, max_retries=0, timeout=2
        ).chat.completions.create(model=MODEL, messages=ask("long"))
    wait_until(lambda: gateway.tabs()[0]["status"] == "idle", 30, "the tab to stop generating")
    wait_until(lambda: any(r["status"] == 499 for r in gateway.get("/api/history")["history"]), 10, "the record")
    (record,) = gateway.get("/api/history")["history"]
    assert record["finish_reason"] == "abort" and record["error"] == "the client went away"


def test_errors_arrive_as_the_sdks_typed_exceptions(client, gateway, tab):
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="No-Such-Model-q4f32_1-MLC", messages=ask("Hi"))
    assert missing.value.body["code"] == "ModelNotFoundError" and missing.value.body["type"] == "NotFoundError"

    tab.push({"error": {"name": "ContextWindowSizeExceededError", "message": "too long"}})
    with pytest.raises(openai.BadRequestError) as too_long:
        client.chat.completions.create(model=MODEL, messages=ask("Hi"), stream=True)
    assert too_long.value.body["type"] == "ContextLengthError" and too_long.value.body["webllm_message"] == "too long"

    with pytest.raises(openai.BadRequestError) as out_of_range:
        client.chat.completions.create(model=MODEL, messages=ask("Hi"), temperature=-1)
    assert "temperature" in out_of_range.value.message

    tab.push({"error": {"name": "DeviceLostError", "message": "lost"}})
    with pytest.raises(openai.InternalServerError) as lost:
        client.chat.completions.create(model=MODEL, messages=ask("Hi"))
    assert lost.value.status_code == 503 and lost.value.body["retryable"] is True

    # A failure after the first chunk: OpenAI's in-stream error event.
    tab.push({"content": "a b c d", "error": {"name": "DeviceLostError", "message": "lost"}, "error_after_tokens": 2})
    with pytest.raises(openai.APIError) as mid_stream:
        list(client.chat.completions.create(model=MODEL, messages=ask("Hi"), stream=True))
    assert mid_stream.value.body["code"] == "DeviceLostError"

    wrong = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.chat.completions.create(model=MODEL, messages=ask("Hi"))
