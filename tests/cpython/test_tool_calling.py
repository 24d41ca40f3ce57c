"""Tool calling on the native and the constrained path: what is sent, what comes back."""

import json

import pytest
from amplifier_core.message_models import ChatRequest, Message, ResponseFormatJsonSchema, ToolSpec

from webllm_provider import InvalidRequestError, InvalidToolCallError, TextDelta, WebLLMProvider
from webllm_provider.messages import NATIVE
from webllm_provider.tool_calling import output_schema, plan_tools

from .fakes import FakeBridge, chunks, completion

NATIVE_MODEL = "Hermes-3-Llama-3.1-8B-q4f32_1-MLC"
PLAIN_MODEL = "Qwen2.5-1.5B-Instruct-q4f32_1-MLC"
CATALOG = [
    {"model_id": NATIVE_MODEL, "model_type": 0},
    {"model_id": PLAIN_MODEL, "model_type": 0},
]
CALCULATOR = ToolSpec(
    name="calculator",
    description="Evaluate an arithmetic expression.",
    parameters={
        "type": "object",
        "properties": {"expression": {"type": "string", "minLength": 1}},
        "required": ["expression"],
        "additionalProperties": False,
    },
)
KV_SET = ToolSpec(
    name="kv_set",
    description="Store a value under a key.",
    parameters={
        "type": "object",
        "properties": {"key": {"type": "string"}, "value": {"type": "number"}},
        "required": ["key", "value"],
    },
)
SYSTEM = Message(role="system", content="You are terse.")
ASK = Message(role="user", content="What is 6*7? Store it as x.")


def request(**fields):
    return ChatRequest(messages=fields.pop("messages", [SYSTEM, ASK]), tools=[CALCULATOR, KV_SET], **fields)


def provider_for(model, replies, **config):
    bridge = FakeBridge(replies, models=CATALOG)
    return WebLLMProvider({"default_model": model, **config}, bridge=bridge), bridge


def native_call(name, arguments):
    return {"id": "0", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


# --- what is sent ---------------------------------------------------------


async def test_native_model_gets_tools_and_tool_choice_and_no_system_message():
    provider, bridge = provider_for(
        NATIVE_MODEL,
        [completion(None, tool_calls=[native_call("calculator", {"expression": "6*7"})], finish_reason="tool_calls")],
    )
    await provider.complete(request(tool_choice="auto"))
    sent = bridge.requests[0]
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "calculator",
                "description": "Evaluate an arithmetic expression.",
                "parameters": CALCULATOR.parameters,
            },
        },
        {
            "type": "function",
            "function": {
                "name": "kv_set",
                "description": "Store a value under a key.",
                "parameters": KV_SET.parameters,
            },
        },
    ]
    assert sent["tool_choice"] == "auto"
    assert "response_format" not in sent
    # WebLLM's Hermes path refuses a custom system prompt; it leads the first user turn instead.
    assert sent["messages"] == [{"role": "user", "content": "You are terse.\n\nWhat is 6*7? Store it as x."}]


async def test_non_native_model_gets_a_schema_and_instructions_instead_of_tools():
    provider, bridge = provider_for(PLAIN_MODEL, ['{"answer": "42"}'])
    await provider.complete(request())
    sent = bridge.requests[0]
    assert "tools" not in sent and "tool_choice" not in sent
    assert sent["response_format"]["type"] == "json_object"
    schema = json.loads(sent["response_format"]["schema"])
    answer, calls = schema["anyOf"]
    assert answer == {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    forms = calls["properties"]["tool_calls"]["items"]["anyOf"]
    assert [f["properties"]["name"] for f in forms] == [
        {"type": "string", "enum": ["calculator"]},
        {"type": "string", "enum": ["kv_set"]},
    ]
    assert forms[0]["properties"]["arguments"] == CALCULATOR.parameters
    system = sent["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("You are terse.\n\nYou can use tools.")
    assert json.dumps(CALCULATOR.parameters) in system["content"]
    assert '{"answer": "<your reply>"}' in system["content"]


@pytest.mark.parametrize(
    "tool_choice, branches, must_say",
    [
        ("required", ["tool_calls"], "You must call at least one tool now."),
        ({"type": "function", "function": {"name": "kv_set"}}, ["tool_calls"], "You must call the tool kv_set now."),
        ("auto", ["answer", "tool_calls"], '{"answer"'),
    ],
)
async def test_tool_choice_shapes_the_constrained_schema(tool_choice, branches, must_say):
    reply = '{"tool_calls": [{"name": "kv_set", "arguments": {"key": "x", "value": 42}}]}'
    provider, bridge = provider_for(PLAIN_MODEL, [reply])
    await provider.complete(request(tool_choice=tool_choice))
    sent = bridge.requests[0]
    schema = json.loads(sent["response_format"]["schema"])
    forms = schema.get("anyOf", [schema])
    assert [next(iter(f["properties"])) for f in forms] == branches
    assert must_say in sent["messages"][0]["content"]
    if isinstance(tool_choice, dict):
        call_forms = forms[0]["properties"]["tool_calls"]["items"]["anyOf"]
        assert [f["properties"]["name"]["enum"] for f in call_forms] == [["kv_set"]]


async def test_tool_choice_none_sends_no_tools_on_either_path():
    for model in (NATIVE_MODEL, PLAIN_MODEL):
        provider, bridge = provider_for(model, ["Just text."])
        response = await provider.complete(request(tool_choice="none"))
        assert "tools" not in bridge.requests[0] and "response_format" not in bridge.requests[0]
        assert response.content[0].text == "Just text."


async def test_named_tool_choice_on_a_function_calling_model_is_held_by_the_grammar():
    # WebLLM ignores tool_choice: its native path could answer with any tool, or none.
    call = {"tool_calls": [{"name": "kv_set", "arguments": {"key": "x", "value": 1}}]}
    provider, bridge = provider_for(NATIVE_MODEL, [json.dumps(call)])
    response = await provider.complete(request(tool_choice={"type": "function", "function": {"name": "kv_set"}}))
    assert [c.name for c in response.tool_calls] == ["kv_set"]
    sent = bridge.requests[0]
    assert "tools" not in sent
    calls = json.loads(sent["response_format"]["schema"])["properties"]["tool_calls"]
    assert [form["properties"]["name"]["enum"] for form in calls["items"]["anyOf"]] == [["kv_set"]]


@pytest.mark.parametrize(
    ("fields", "native"),
    [
        ({}, True),
        ({"tool_choice": "none"}, True),
        ({"tool_choice": "required"}, False),
        ({"parallel_tool_calls": False}, False),
    ],
)
def test_the_native_path_is_taken_only_where_webllm_honours_the_request(fields, native):
    plan = plan_tools({"tools": [CALCULATOR, KV_SET], **fields}, native_model=True)
    assert (plan.path == NATIVE) is native
    if fields.get("parallel_tool_calls") is False:
        answer, calls = output_schema(plan)["anyOf"]
        assert calls["properties"]["tool_calls"]["maxItems"] == 1


def test_tool_choice_naming_an_unknown_tool_is_rejected():
    with pytest.raises(InvalidRequestError, match="'search'"):
        plan_tools(request(tool_choice={"type": "function", "function": {"name": "search"}}), native_model=False)


async def test_native_tools_with_a_response_format_are_refused_before_sending():
    provider, bridge = provider_for(NATIVE_MODEL, [])
    with pytest.raises(InvalidRequestError, match="response_format"):
        await provider.complete(request(response_format=ResponseFormatJsonSchema(json_schema={"type": "object"})))
    assert bridge.requests == []


async def test_constrained_path_can_carry_a_structured_answer():
    answer_schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    provider, bridge = provider_for(PLAIN_MODEL, ['{"answer": {"n": 42}}'])
    response = await provider.complete(request(response_format=ResponseFormatJsonSchema(json_schema=answer_schema)))
    schema = json.loads(bridge.requests[0]["response_format"]["schema"])
    assert schema["anyOf"][0]["properties"]["answer"] == answer_schema
    assert response.metadata["parsed"] == {"n": 42}


# --- what comes back --------------------------------------------------------


async def test_constrained_text_only_answer():
    provider, _ = provider_for(PLAIN_MODEL, ['{"answer": "It is 42."}'])
    response = await provider.complete(request())
    assert response.content[0].text == "It is 42."
    assert response.tool_calls is None


async def test_constrained_one_and_several_calls():
    reply = json.dumps(
        {
            "tool_calls": [
                {"name": "calculator", "arguments": {"expression": "6*7"}},
                {"name": "kv_set", "arguments": {"key": "x", "value": 42}},
            ]
        }
    )
    provider, _ = provider_for(PLAIN_MODEL, [reply])
    response = await provider.complete(request())
    assert [(c.name, c.arguments) for c in response.tool_calls] == [
        ("calculator", {"expression": "6*7"}),
        ("kv_set", {"key": "x", "value": 42}),
    ]
    assert len({c.id for c in response.tool_calls}) == 2
    assert provider.parse_tool_calls(response) == response.tool_calls


@pytest.mark.parametrize(
    "reply, finish_reason, message, tool_name",
    [
        (
            '{"tool_calls": [{"name": "search", "arguments": {"q": "x"}}]}',
            "stop",
            "'search', which is not an offered tool",
            "search",
        ),
        (
            '{"tool_calls": [{"name": "kv_set", "arguments": {"key": "x", "value": "many"}}]}',
            "stop",
            "break its schema.*expected number",
            "kv_set",
        ),
        (
            '{"tool_calls": [{"name": "calculator", "arguments": {}}]}',
            "stop",
            "missing required property 'expression'",
            "calculator",
        ),
        ('{"tool_calls": [{"name": "calculator", "argum', "length", "cut off at max_tokens", None),
        ('{"tool_calls": [{"name": "calculator" "arguments": 1}]}', "stop", "not the JSON", None),
        ('{"reply": "hi"}', "stop", "does not follow the tool format", None),
    ],
)
async def test_bad_constrained_output_raises_with_the_raw_text(reply, finish_reason, message, tool_name):
    raw = completion(reply, finish_reason=finish_reason)
    provider, _ = provider_for(PLAIN_MODEL, [raw])
    with pytest.raises(InvalidToolCallError, match=message) as info:
        await provider.complete(request())
    assert info.value.raw_arguments == reply
    assert info.value.tool_name == tool_name


async def test_native_calls_are_validated_too():
    provider, _ = provider_for(
        NATIVE_MODEL,
        [completion(None, tool_calls=[native_call("kv_set", {"key": 1, "value": 2})], finish_reason="tool_calls")],
    )
    with pytest.raises(InvalidToolCallError, match=r"\$.key: expected string") as info:
        await provider.complete(request())
    assert info.value.raw_arguments == '{"key": 1, "value": 2}'


async def test_a_constrained_answer_cut_off_at_max_tokens_is_its_text_so_far():
    provider, _ = provider_for(PLAIN_MODEL, [completion('{"answer": "It is sunny and w', finish_reason="length")])
    response = await provider.complete(request())
    assert [block.text for block in response.content] == ["It is sunny and w"] and not response.tool_calls
    assert response.finish_reason == "length"


async def test_native_truncated_output_raises():
    provider, _ = provider_for(NATIVE_MODEL, [completion(None, finish_reason="length")])
    with pytest.raises(InvalidToolCallError, match="cut off"):
        await provider.complete(request())


async def test_required_tool_choice_with_no_call_raises():
    # A bridge that runs a function-calling model the provider was told to use natively.
    provider, _ = provider_for(
        NATIVE_MODEL, [completion(None, tool_calls=[], finish_reason="tool_calls")], tool_mode="native"
    )
    with pytest.raises(InvalidToolCallError, match="required a tool call"):
        await provider.complete(request(tool_choice="required"))


async def test_native_empty_call_list_under_auto_asks_again_for_the_answer():
    provider, bridge = provider_for(
        NATIVE_MODEL, [completion(None, tool_calls=[], finish_reason="tool_calls"), "The answer is 42."]
    )
    response = await provider.complete(request())
    assert response.content[0].text == "The answer is 42."
    assert "tools" in bridge.requests[0] and "tools" not in bridge.requests[1]
    assert bridge.requests[1]["messages"][0]["role"] == "system"
    first_output = 0
    assert response.usage.input_tokens == 22 and response.usage.output_tokens == first_output + 4


# --- streaming ----------------------------------------------------------------


async def test_constrained_stream_shows_the_answer_text_not_the_json():
    provider, _ = provider_for(PLAIN_MODEL, [chunks('{"answer": "The answer is \\"42\\" \\u2014 six times seven."}')])
    events = [e async for e in provider.stream_reply(request())]
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert shown == 'The answer is "42" — six times seven.'
    assert events[-1].content[0].text == shown


async def test_constrained_stream_of_a_call_shows_no_text_and_ends_with_the_call():
    reply = '{"tool_calls": [{"name": "calculator", "arguments": {"expression": "6*7"}}]}'
    provider, _ = provider_for(PLAIN_MODEL, [chunks(reply)])
    events = [e async for e in provider.stream_reply(request())]
    assert len(events) == 1
    assert [(c.name, c.arguments) for c in events[0].tool_calls] == [("calculator", {"expression": "6*7"})]


async def test_native_stream_hides_the_call_json_and_streams_the_second_pass_answer():
    first = chunks("[]", finish_reason="tool_calls", tool_calls=None)
    provider, bridge = provider_for(NATIVE_MODEL, [first, "Forty two."])
    events = [e async for e in provider.stream_reply(request())]
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Forty", " two."]
    assert events[-1].content[0].text == "Forty two."
    assert len(bridge.requests) == 2


async def test_native_stream_call_arrives_whole_in_the_final_chunk():
    call = native_call("calculator", {"expression": "6*7"})
    del call["id"]  # WebLLM's streamed calls carry no id
    provider, _ = provider_for(
        NATIVE_MODEL,
        [
            chunks(
                '[{"arguments": {"expression": "6*7"}, "name": "calculator"}]',
                tool_calls=[call],
                finish_reason="tool_calls",
            )
        ],
    )
    events = [e async for e in provider.stream_reply(request())]
    assert len(events) == 1
    assert events[0].tool_calls[0].name == "calculator"
    assert events[0].tool_calls[0].id.startswith("call_")


def test_output_schema_rejects_what_it_should():
    from webllm_provider import schema

    plan = plan_tools(request(), native_model=False)
    format_schema = output_schema(plan)
    good = [{"answer": "x"}, {"tool_calls": [{"name": "calculator", "arguments": {"expression": "1"}}]}]
    bad = [
        {"answer": 1},
        {"tool_calls": []},
        {"tool_calls": [{"name": "calculator", "arguments": {"expression": ""}}]},
        {"tool_calls": [{"name": "nope", "arguments": {}}]},
        {"answer": "x", "tool_calls": []},
    ]
    assert [schema.errors(v, format_schema) for v in good] == [[], []]
    assert all(schema.errors(v, format_schema) for v in bad)


@pytest.mark.parametrize(
    "reply, problem",
    [
        ('{"n": 42}', None),
        ('{"n": "forty-two"}', r"breaks the response schema: \$\.n: expected integer"),
        ("n = 42", "not valid JSON"),
    ],
)
async def test_structured_output_is_checked_against_its_schema(reply, problem):
    from webllm_provider import StructuredOutputError

    answer_schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    provider, bridge = provider_for(PLAIN_MODEL, [reply], max_retries=0)
    request = ChatRequest(messages=[ASK], response_format=ResponseFormatJsonSchema(json_schema=answer_schema))
    if problem is None:
        response = await provider.complete(request)
        assert response.metadata["parsed"] == {"n": 42}
    else:
        with pytest.raises(StructuredOutputError, match=problem) as info:
            await provider.complete(request)
        assert info.value.raw_output == reply and info.value.retryable
    sent = bridge.requests[0]["response_format"]
    assert sent["type"] == "json_object" and json.loads(sent["schema"]) == answer_schema


async def test_constrained_replies_are_written_back_exactly_as_the_model_wrote_them():
    # WebLLM reuses its KV cache only when the history repeats its own output exactly.
    raw_call = '{ "tool_calls" :[{"name":"calculator","arguments":{"expression":"6*7"}}]}'
    raw_answer = '{"answer":"It is 42."}'
    provider, bridge = provider_for(PLAIN_MODEL, [raw_call, raw_answer, '{"answer": "ok"}', '{"answer": "ok"}'])
    first = await provider.complete(request())
    (call,) = first.tool_calls
    history = [SYSTEM, ASK, Message(role="assistant", content=first.content)]
    history.append(Message(role="tool", tool_call_id=call.id, content="42"))
    second = await provider.complete(request(messages=history))
    history += [Message(role="assistant", content=second.content), Message(role="user", content="Thanks.")]
    await provider.complete(request(messages=history))
    assert [m["content"] for m in bridge.requests[2]["messages"] if m["role"] == "assistant"] == [raw_call, raw_answer]

    # A reply this process never received (a history from elsewhere) is written from its parts.
    elsewhere = {"type": "tool_call", "id": "call_from_elsewhere", "name": "calculator", "input": {"expression": "1"}}
    await provider.complete(
        request(
            messages=[
                SYSTEM,
                ASK,
                Message(role="assistant", content=[elsewhere]),
                Message(role="tool", tool_call_id="call_from_elsewhere", content="1"),
            ]
        )
    )
    said = [m["content"] for m in bridge.requests[3]["messages"] if m["role"] == "assistant"]
    assert said == ['{"tool_calls": [{"name": "calculator", "arguments": {"expression": "1"}}]}']
