"""OpenAI's wire format as the clients people use read it: the openai SDK,
langchain-openai and instructor against the gateway, with a tab running the
scripted engine posing as a Hermes model (WebLLM's native tool path) or as any
other model (the grammar path)."""

import json

import instructor
import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from .conftest import HERMES, MODEL, WEATHER, ask, load

PARIS = {"name": "get_weather", "arguments": {"city": "Paris"}}
OSLO = {"name": "get_weather", "arguments": {"city": "Oslo"}}


def streamed_turn(client, **request):
    """One streamed reply read chunk by chunk: (text, tool calls by index, finish reason, chunks)."""
    chunks = list(client.chat.completions.create(**request, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    calls: dict[int, dict] = {}
    for chunk in chunks:
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            call = calls.setdefault(delta.index, {"id": None, "type": None, "name": "", "arguments": ""})
            call["id"] = call["id"] or delta.id
            call["type"] = call["type"] or delta.type
            call["name"] += delta.function.name or ""
            call["arguments"] += delta.function.arguments or ""
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    return text, calls, finish, chunks


@pytest.mark.parametrize("stream", [False, True])
def test_a_full_tool_loop_on_the_native_path(client, gateway, tab, stream):
    load(gateway, HERMES)
    tab.push({"tool_calls": [PARIS, OSLO]}, {"tool_calls": []}, {"content": "Sunny in Paris, rain in Oslo."})
    request = {"model": HERMES, "messages": ask("Weather in Paris and Oslo?"), "tools": [WEATHER]}
    if stream:
        text, by_index, finish, _ = streamed_turn(client, **request)
        assert text == "" and finish == ["tool_calls"]  # no tool JSON as text
        calls = [
            {"id": c["id"], "type": c["type"], "function": {"name": c["name"], "arguments": c["arguments"]}}
            for _, c in sorted(by_index.items())
        ]
    else:
        reply = client.chat.completions.create(**request)
        assert reply.choices[0].finish_reason == "tool_calls" and not reply.choices[0].message.content
        calls = [call.model_dump() for call in reply.choices[0].message.tool_calls]
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Oslo"}),
    ]
    ids = [c["id"] for c in calls]
    assert all(i.startswith("call_") for i in ids) and len(set(ids)) == 2
    assert all(c["type"] == "function" for c in calls)

    messages = [
        *request["messages"],
        {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": ids[1], "content": "rain"},
        {"role": "tool", "tool_call_id": ids[0], "content": "sunny"},
    ]
    if stream:
        text, by_index, finish, _ = streamed_turn(client, **{**request, "messages": messages})
        assert by_index == {} and finish == ["stop"]
    else:
        reply = client.chat.completions.create(**{**request, "messages": messages})
        text, finish = reply.choices[0].message.content, reply.choices[0].finish_reason
        assert finish == "stop" and reply.choices[0].message.tool_calls is None
    assert text == "Sunny in Paris, rain in Oslo."
    with_tools, answer_pass = tab.received()[-2:]
    assert "tools" in with_tools and "tools" not in answer_pass  # nothing left to call: asked again without tools
    # Each result is written back for WebLLM under the name of the call its tool_call_id names.
    results = [json.loads(m["content"]) for m in with_tools["messages"] if m["role"] == "tool"]
    assert results == [{"name": "get_weather", "content": "rain"}, {"name": "get_weather", "content": "sunny"}]
    assert all(isinstance(m["content"], str) for m in with_tools["messages"])  # WebLLM refuses null content


def test_ids_are_new_on_every_reply(client, gateway, tab):
    load(gateway, HERMES)
    tab.push({"tool_calls": [PARIS]}, {"tool_calls": [PARIS]})
    first, second = (
        client.chat.completions.create(model=HERMES, messages=ask("Paris?"), tools=[WEATHER]).choices[0]
        for _ in range(2)
    )
    assert first.message.tool_calls[0].id != second.message.tool_calls[0].id


def test_the_streaming_helper_accumulates_complete_tool_calls(client, gateway, tab):
    load(gateway, HERMES)
    tab.push({"tool_calls": [PARIS, OSLO]})
    with client.chat.completions.stream(model=HERMES, messages=ask("Weather?"), tools=[WEATHER]) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert [json.loads(c.function.arguments) for c in calls] == [{"city": "Paris"}, {"city": "Oslo"}]
    assert all(c.id.startswith("call_") and c.function.name == "get_weather" for c in calls)
    assert "tool_calls.function.arguments.done" in events and "content.delta" not in events
    assert final.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "reply"),
    [
        ("required", None, {"tool_calls": [OSLO]}),
        ({"type": "function", "function": {"name": "get_weather"}}, None, {"tool_calls": [OSLO]}),
        ("auto", False, {"tool_calls": [OSLO]}),
    ],
)
def test_tool_choice_and_parallel_calls_are_held_by_the_grammar_on_a_hermes_model(
    client, gateway, tab, tool_choice, parallel, reply
):
    load(gateway, HERMES)
    tab.push({"content": json.dumps(reply)})
    extra = {} if parallel is None else {"parallel_tool_calls": parallel}
    answer = client.chat.completions.create(
        model=HERMES, messages=ask("Oslo?"), tools=[WEATHER], tool_choice=tool_choice, **extra
    )
    assert [c.function.name for c in answer.choices[0].message.tool_calls] == ["get_weather"]
    sent = tab.received()[-1]
    assert "tools" not in sent  # WebLLM would ignore tool_choice and the limit: its grammar holds them
    calls = json.loads(sent["response_format"]["schema"])
    calls = calls["anyOf"][1] if "anyOf" in calls else calls
    assert calls["properties"]["tool_calls"].get("maxItems") == (1 if parallel is False else None)


def test_tool_choice_none_answers_in_text(client, gateway, tab):
    load(gateway, HERMES)
    tab.push({"content": "No tools needed."})
    reply = client.chat.completions.create(model=HERMES, messages=ask("Hi"), tools=[WEATHER], tool_choice="none")
    assert reply.choices[0].message.content == "No tools needed." and reply.choices[0].finish_reason == "stop"
    assert "tools" not in tab.received()[-1]


class City(BaseModel):
    name: str
    population: int


def test_parse_with_a_pydantic_model_maps_json_schema_to_webllms_grammar(client, tab):
    tab.push({"content": '{"name": "Oslo", "population": 709000}'})
    reply = client.chat.completions.parse(model=MODEL, messages=ask("A city"), response_format=City)
    assert reply.choices[0].message.parsed == City(name="Oslo", population=709000)
    sent = tab.received()[-1]["response_format"]
    assert sent["type"] == "json_object" and json.loads(sent["schema"])["required"] == ["name", "population"]


def test_a_reply_that_breaks_the_schema_is_refused_not_passed_on(client, tab):
    import openai

    # WebLLM's grammar cannot produce this; a reply is checked all the same (here: the scripted engine
    # refuses to have generated it, as the grammar would have).
    tab.push({"content": '{"name": "Oslo"}'})
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.parse(model=MODEL, messages=ask("A city"), response_format=City)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("response_format", {"type": "xml"}),
        (
            "response_format",
            {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "if": 3}}},
        ),
        ("audio", {"voice": "alloy", "format": "wav"}),
        ("store", True),
        ("n", 2),
        ("web_search_options", {}),
        ("frobnicate", 1),
    ],
)
def test_fields_webllm_cannot_honour_get_a_400_naming_them(client, tab, field, value):
    import openai

    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=MODEL, messages=ask("Hi"), stream=field == "n", extra_body={field: value})
    assert refused.value.body["param"] == field


def test_supported_fields_pass_through(client, tab):
    tab.push({"content": "ok"})
    client.chat.completions.create(
        model=MODEL,
        messages=ask("Hi"),
        seed=123456789,
        stop=["\n\n"],
        frequency_penalty=0.5,
        presence_penalty=0.25,
        logit_bias={"42": -100},
        logprobs=True,
        top_logprobs=2,
        max_completion_tokens=40,
        user="someone",
    )
    sent = tab.received()[-1]
    assert {k: sent[k] for k in ("seed", "stop", "frequency_penalty", "presence_penalty", "logit_bias")} == {
        "seed": 123456789,
        "stop": ["\n\n"],
        "frequency_penalty": 0.5,
        "presence_penalty": 0.25,
        "logit_bias": {"42": -100},
    }
    assert sent["logprobs"] is True and sent["top_logprobs"] == 2 and sent["max_tokens"] == 40
    assert "user" not in sent and "max_completion_tokens" not in sent


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return {"Paris": "sunny"}.get(city, "unknown")


@pytest.mark.parametrize("stream", [False, True])
def test_langchain_runs_a_tool_loop(gateway, tab, stream):
    load(gateway, HERMES)
    tab.push({"tool_calls": [PARIS]}, {"tool_calls": []}, {"content": "It is sunny in Paris."})
    model = ChatOpenAI(
        model=HERMES, base_url=f"{gateway.url}/v1", api_key=gateway.token, max_retries=0, streaming=stream
    ).bind_tools([get_weather])
    messages = [HumanMessage("Weather in Paris?")]
    first = model.invoke(messages)
    (call,) = first.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "Paris"} and call["id"].startswith("call_")
    messages += [first, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
    final = model.invoke(messages)
    assert final.content == "It is sunny in Paris." and final.tool_calls == []
    assert json.loads([m for m in tab.received()[-2]["messages"] if m["role"] == "tool"][0]["content"]) == {
        "name": "get_weather",
        "content": "sunny",
    }


def test_instructor_gets_a_validated_object(client, gateway, tab):
    # instructor's default mode names a tool in tool_choice: on a Hermes model the grammar path holds it.
    load(gateway, HERMES)
    tab.push(
        {"content": json.dumps({"tool_calls": [{"name": "City", "arguments": {"name": "Oslo", "population": 709000}}]})}
    )
    city = instructor.from_openai(client).chat.completions.create(
        model=HERMES, messages=ask("Oslo"), response_model=City, max_retries=0
    )
    assert isinstance(city, City) and city.model_dump() == {"name": "Oslo", "population": 709000}
