"""Amplifier messages -> WebLLM messages, for every role and content block."""

import json

import pytest
from amplifier_core.message_models import (
    ChatRequest,
    ImageBlock,
    Message,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
    ToolResultBlock,
)

from webllm_provider import InvalidRequestError
from webllm_provider.messages import CONSTRAINED, NATIVE, to_openai_messages


def convert_as(style: str, *messages: Message) -> list[dict]:
    return to_openai_messages(ChatRequest(messages=list(messages)).messages, style)


def convert(*messages: Message) -> list[dict]:
    return convert_as(CONSTRAINED, *messages)


def test_plain_strings_for_each_role():
    out = convert(
        Message(role="system", content="Be brief."),
        Message(role="user", content="Hi"),
        Message(role="assistant", content="Hello!"),
        Message(role="user", content="Bye"),
    )
    assert out == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Bye"},
    ]


def test_leading_system_and_developer_merge_into_one_system_message():
    out = convert(
        Message(role="system", content="Rule one."),
        Message(role="developer", content=[TextBlock(text="Rule two.")]),
        Message(role="user", content="Go"),
    )
    assert out == [{"role": "system", "content": "Rule one.\n\nRule two."}, {"role": "user", "content": "Go"}]


def test_later_system_message_keeps_its_place_as_a_marked_user_turn():
    out = convert(
        Message(role="user", content="Go"),
        Message(role="assistant", content="Went."),
        Message(role="system", content="Only 2 tool calls left."),
        Message(role="user", content="Again"),
    )
    assert out[2] == {"role": "user", "content": "[system] Only 2 tool calls left."}
    assert [m["role"] for m in out] == ["user", "assistant", "user", "user"]


def test_user_text_blocks_join_and_images_become_image_parts():
    out = convert(
        Message(
            role="user",
            content=[
                TextBlock(text="What is in"),
                TextBlock(text="this picture?"),
                ImageBlock(source={"type": "base64", "media_type": "image/jpeg", "data": "QUJD"}),
                ImageBlock(source={"type": "url", "url": "https://example.org/cat.png"}),
            ],
        )
    )
    assert out == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in\n\nthis picture?"},
                {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,QUJD"}},
                {"type": "image_url", "image_url": {"url": "https://example.org/cat.png"}},
            ],
        }
    ]


CALL_TURN = [
    Message(role="user", content="Add 2 and 3"),
    Message(
        role="assistant",
        content=[
            ThinkingBlock(thinking="I should use the calculator.", signature="sig"),
            TextBlock(text="Let me compute."),
            ToolCallBlock(id="call_1", name="calculator", input={"expression": "2+3"}),
        ],
    ),
    Message(role="tool", tool_call_id="call_1", content="5"),
]


def test_native_style_shows_calls_as_webllm_writes_them_and_results_as_tool_messages():
    out = to_openai_messages(ChatRequest(messages=CALL_TURN).messages, NATIVE)
    assistant = out[1]
    assert assistant["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "calculator", "arguments": '{"expression": "2+3"}'}}
    ]
    assert assistant["content"] == (
        '<think>\nI should use the calculator.\n</think>\n[{"arguments": {"expression": "2+3"}, "name": "calculator"}]'
    )
    assert out[2] == {"role": "tool", "content": '{"name": "calculator", "content": "5"}', "tool_call_id": "call_1"}


def test_transcript_style_shows_calls_as_constrained_json_and_results_as_user_turns():
    out = to_openai_messages(ChatRequest(messages=CALL_TURN).messages, CONSTRAINED)
    assert out[1] == {
        "role": "assistant",
        "content": "<think>\nI should use the calculator.\n</think>\n"
        '{"tool_calls": [{"name": "calculator", "arguments": {"expression": "2+3"}}]}',
    }
    assert out[2] == {"role": "user", "content": "Tool result for calculator (call 1):\n5"}


# An assistant turn as Amplifier's loop-basic and loop-streaming store it in the context: the
# response's blocks, and the same calls again in ``tool_calls`` as {"id", "tool", "arguments"}.
LOOP_TURN = [
    Message(role="user", content="Add 2 and 3"),
    Message(
        role="assistant",
        content=[ToolCallBlock(id="call_1", name="calculator", input={"expression": "2+3"})],
        tool_calls=[{"id": "call_1", "tool": "calculator", "arguments": {"expression": "2+3"}}],
    ),
    Message(role="tool", tool_call_id="call_1", content="5"),
]


@pytest.mark.parametrize("style", [NATIVE, CONSTRAINED])
def test_a_call_amplifiers_loops_store_twice_is_written_once(style):
    blocks_only = [LOOP_TURN[0], Message(role="assistant", content=LOOP_TURN[1].content), LOOP_TURN[2]]
    out = to_openai_messages(ChatRequest(messages=LOOP_TURN).messages, style)
    assert out == to_openai_messages(ChatRequest(messages=blocks_only).messages, style)
    assert out[1]["content"].count("calculator") == 1


@pytest.mark.parametrize("style", [NATIVE, CONSTRAINED])
def test_amplifiers_context_form_of_a_call_names_its_tool(style):
    turn = Message(
        role="assistant", content="", tool_calls=[{"id": "c1", "tool": "calculator", "arguments": {"expression": "1"}}]
    )
    out = convert_as(style, LOOP_TURN[0], turn, Message(role="tool", tool_call_id="c1", content="1"))
    assert '"name": "calculator"' in out[1]["content"]
    assert "None" not in json.dumps(out) and "unknown tool" not in json.dumps(out)


def test_native_tool_results_written_once_are_not_wrapped_again():
    # The provider's gateway bridge sends its WebLLM messages to the gateway, which converts what it is sent.
    once = to_openai_messages(ChatRequest(messages=LOOP_TURN).messages, NATIVE)
    assert to_openai_messages(once, NATIVE) == once
    # A tool's own output that only looks like the Hermes form of another tool's result is still wrapped.
    other = [*once[:2], {"role": "tool", "tool_call_id": "call_1", "content": '{"name": "kv_get", "content": "5"}'}]
    wrapped = json.loads(to_openai_messages(other, NATIVE)[2]["content"])
    assert wrapped == {"name": "calculator", "content": other[2]["content"]}


def test_transcript_style_can_write_past_answers_as_json():
    messages = [
        Message(role="user", content="Hi"),
        Message(role="assistant", content="Hello"),
        Message(role="user", content="?"),
    ]
    assert to_openai_messages(messages, CONSTRAINED, answers_as_json=True)[1]["content"] == '{"answer": "Hello"}'
    assert to_openai_messages(messages, CONSTRAINED)[1]["content"] == "Hello"


def test_openai_style_tool_calls_on_an_assistant_dict_are_kept():
    out = to_openai_messages(
        [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"id": "c9", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}}
                ],
            },
            {"role": "tool", "tool_call_id": "c9", "content": "rain"},
        ],
        NATIVE,
    )
    assert out[1]["tool_calls"][0]["function"] == {"name": "weather", "arguments": '{"city": "Oslo"}'}
    assert '"city": "Oslo"' in out[1]["content"]


@pytest.mark.parametrize("style", [NATIVE, CONSTRAINED])
def test_tool_result_blocks_in_user_and_tool_messages_are_all_kept(style):
    out = convert_as(
        style,
        Message(role="user", content="Do both"),
        Message(
            role="assistant",
            content=[
                ToolCallBlock(id="a", name="kv_get", input={"key": "x"}),
                ToolCallBlock(id="b", name="kv_get", input={"key": "y"}),
            ],
        ),
        Message(
            role="user", content=[ToolResultBlock(tool_call_id="a", output={"value": 1}), TextBlock(text="and y:")]
        ),
        Message(role="tool", content=[ToolResultBlock(tool_call_id="b", output=["two"])]),
    )
    if style == NATIVE:
        assert out[2:] == [
            {"role": "tool", "content": '{"name": "kv_get", "content": "{\\"value\\": 1}"}', "tool_call_id": "a"},
            {"role": "user", "content": "and y:"},
            {"role": "tool", "content": '{"name": "kv_get", "content": "[\\"two\\"]"}', "tool_call_id": "b"},
        ]
    else:
        assert out[2:] == [
            {"role": "user", "content": 'Tool result for kv_get (call 1):\n{"value": 1}'},
            {"role": "user", "content": "and y:"},
            {"role": "user", "content": 'Tool result for kv_get (call 2):\n["two"]'},
        ]


def test_consecutive_tool_results_merge_into_one_user_turn_in_transcript_style():
    out = convert_as(
        CONSTRAINED,
        Message(role="user", content="both"),
        Message(
            role="assistant",
            content=[ToolCallBlock(id="a", name="f", input={}), ToolCallBlock(id="b", name="g", input={})],
        ),
        Message(role="tool", tool_call_id="a", content="1"),
        Message(role="tool", tool_call_id="b", content="2"),
    )
    assert out[2:] == [{"role": "user", "content": "Tool result for f (call 1):\n1\n\nTool result for g (call 2):\n2"}]


def test_unicode_survives():
    out = convert(Message(role="user", content="Grüße 👋 — 你好"))
    assert out[0]["content"] == "Grüße 👋 — 你好"


def test_redacted_thinking_is_dropped_with_a_warning(caplog):
    out = convert(
        Message(role="user", content="Hi"),
        Message(role="assistant", content=[RedactedThinkingBlock(data="opaque"), TextBlock(text="Hello")]),
        Message(role="user", content="Bye"),
    )
    assert out[1] == {"role": "assistant", "content": "Hello"}
    assert "redacted_thinking" in caplog.text


def test_tool_message_without_call_id_is_rejected():
    with pytest.raises(InvalidRequestError, match=r"messages\[1\].*tool_call_id"):
        to_openai_messages([{"role": "user", "content": "x"}, {"role": "tool", "content": "5"}])


@pytest.mark.parametrize("style", [NATIVE, CONSTRAINED])
def test_results_without_call_ids_answer_the_calls_in_order(style):
    calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": "{}"}}
        for i, name in enumerate(["first", "second"])
    ]
    out = to_openai_messages(
        [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": None, "tool_calls": calls},
            {"role": "tool", "content": "1"},
            {"role": "tool", "content": "2"},
        ],
        style,
    )
    if style == NATIVE:
        answered = [(m["tool_call_id"], json.loads(m["content"])["name"]) for m in out[2:]]
        assert answered == [("c0", "first"), ("c1", "second")]
    else:
        results = "Tool result for first (call 1):\n1\n\nTool result for second (call 2):\n2"
        assert out[2:] == [{"role": "user", "content": results}]


def test_unknown_role_is_rejected_with_its_index():
    with pytest.raises(InvalidRequestError, match=r"messages\[0\]\.role 'robot'"):
        to_openai_messages([{"role": "robot", "content": "beep"}])


def test_image_in_system_message_is_rejected():
    with pytest.raises(InvalidRequestError, match="system message"):
        to_openai_messages([{"role": "system", "content": [{"type": "image", "source": {"url": "x"}}]}])


def test_the_constrained_prompt_names_calls_by_place_so_a_clients_ids_never_reach_the_model():
    def history(first: str, second: str) -> list[dict]:
        return [
            {"role": "user", "content": "x"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": call_id, "type": "function", "function": {"name": "calculator", "arguments": "{}"}}
                    for call_id in (first, second)
                ],
            },
            {"role": "tool", "tool_call_id": second, "content": "2"},
            {"role": "tool", "tool_call_id": first, "content": "1"},
        ]

    # Amplifier's provider-chat-completions names calls call_<uuid>_0, a new uuid each run.
    ours = to_openai_messages(history("call_0", "call_1"), CONSTRAINED)
    theirs = to_openai_messages(history("call_9f2c61d0-8f7e-4c1a-b3c4-5d6e7f809a1b_0", "x"), CONSTRAINED)
    assert ours == theirs
    assert ours[-1]["content"] == "Tool result for calculator (call 2):\n2\n\nTool result for calculator (call 1):\n1"


def test_a_result_for_a_call_not_in_the_history_is_shown_without_a_place():
    out = to_openai_messages(
        [{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "gone", "content": "5"}], CONSTRAINED
    )
    assert out[-1] == {"role": "user", "content": "Tool result for unknown tool:\n5"}
