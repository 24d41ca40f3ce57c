"""WebLLM's ChatCompletion -> ChatResponse."""

import pytest
from amplifier_core.message_models import ChatResponse, TextBlock, ThinkingBlock, ToolCallBlock

from webllm_provider import InvalidToolCallError
from webllm_provider.messages import NATIVE
from webllm_provider.request import Expected
from webllm_provider.stream3_thinking import split_thinking
from webllm_provider.tool_calling import ToolPlan

from .fakes import TIMINGS, completion, to_response


def test_text_usage_and_timings():
    response = to_response(completion("Hello there."))
    assert isinstance(response, ChatResponse)
    assert response.content == [TextBlock(text="Hello there.")]
    assert response.finish_reason == "stop"
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (11, 2, 13)
    assert response.metadata["model"] == "Qwen2.5-1.5B-Instruct-q4f32_1-MLC"
    for key, value in TIMINGS.items():
        assert response.metadata[key] == value
    assert response.tool_calls is None


NATIVE_TOOLS = Expected(
    ToolPlan(
        NATIVE,
        {
            "calculator": {"name": "calculator", "description": "", "parameters": {"type": "object"}},
            "kv_get": {"name": "kv_get", "description": "", "parameters": {"type": "object"}},
            "calc": {"name": "calc", "description": "", "parameters": {"type": "object"}},
        },
    )
)


def test_tool_calls_become_tool_calls_and_blocks_with_unique_ids():
    response = to_response(
        completion(
            "",
            tool_calls=[
                {
                    "id": "0",
                    "type": "function",
                    "function": {"name": "calculator", "arguments": '{"expression": "2+3"}'},
                },
                {"id": "1", "type": "function", "function": {"name": "kv_get", "arguments": '{"key": "a"}'}},
            ],
            finish_reason="tool_calls",
        ),
        NATIVE_TOOLS,
    )
    assert [(c.id, c.name, c.arguments) for c in response.tool_calls] == [
        ("call_chatcmpl-1_0", "calculator", {"expression": "2+3"}),
        ("call_chatcmpl-1_1", "kv_get", {"key": "a"}),
    ]
    assert response.content == [
        ToolCallBlock(id="call_chatcmpl-1_0", name="calculator", input={"expression": "2+3"}),
        ToolCallBlock(id="call_chatcmpl-1_1", name="kv_get", input={"key": "a"}),
    ]
    assert response.finish_reason == "tool_calls"


def test_broken_tool_arguments_raise_with_the_raw_text():
    broken = completion(
        "", tool_calls=[{"id": "0", "type": "function", "function": {"name": "calc", "arguments": '{"expr'}}]
    )
    with pytest.raises(InvalidToolCallError) as info:
        to_response(broken, NATIVE_TOOLS)
    assert info.value.tool_name == "calc"
    assert info.value.raw_arguments == '{"expr'


def test_non_object_tool_arguments_raise():
    with pytest.raises(InvalidToolCallError, match="not a JSON object"):
        to_response(
            completion("", tool_calls=[{"id": "0", "function": {"name": "calc", "arguments": "[1]"}}]), NATIVE_TOOLS
        )


def test_reasoning_models_thinking_is_split_off():
    response = to_response(completion("<think>\n2+2 is 4.\n</think>\n\nIt is 4."))
    assert response.content == [ThinkingBlock(thinking="2+2 is 4."), TextBlock(text="It is 4.")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain", ("", "plain")),
        ("<think>cut off", ("cut off", "")),
        ("  <think>a</think>b", ("a", "b")),
        ("no <think>x</think> at start", ("", "no <think>x</think> at start")),
    ],
)
def test_split_thinking(text, expected):
    assert split_thinking(text) == expected


def test_empty_reply_and_missing_usage():
    raw = completion("")
    del raw["usage"]
    response = to_response(raw)
    assert response.content == []
    assert response.usage is None
