"""The package inside Pyodide (in Node): no amplifier-core, no pydantic, same behaviour."""

from pytest_pyodide import run_in_pyodide

from ..conftest import PROVIDER_PACKAGE


@run_in_pyodide(packages=[PROVIDER_PACKAGE])
def test_imports_with_neither_amplifier_core_nor_pydantic(selenium):
    import sys

    import webllm_provider
    from webllm_provider import _compat

    assert _compat.IN_PYODIDE and not _compat.HAS_AMPLIFIER_CORE
    assert "pydantic" not in sys.modules and "amplifier_core" not in sys.modules
    assert webllm_provider.ChatResponse.__module__ == "webllm_provider._compat._lite_models"
    info = webllm_provider.WebLLMProvider().get_info()
    assert info.id == "webllm" and "streaming" in info.capabilities


@run_in_pyodide(packages=[PROVIDER_PACKAGE])
def test_converts_requests_of_every_role_and_block(selenium):
    from webllm_provider import ChatRequest, Message, TextBlock
    from webllm_provider._compat import ThinkingBlock, ToolCallBlock, ToolResultBlock
    from webllm_provider.config import ProviderConfig
    from webllm_provider.protocol import STREAMED
    from webllm_provider.request import build_request
    from webllm_provider.tool_calling import plan_tools

    request = ChatRequest(
        messages=[
            Message(role="system", content="Be brief."),
            Message(role="developer", content=[TextBlock(text="Use tools.")]),
            Message(role="user", content="Store 6*7 as x"),
            Message(
                role="assistant",
                content=[
                    ThinkingBlock(thinking="calc first"),
                    ToolCallBlock(id="c1", name="calculator", input={"expression": "6*7"}),
                ],
            ),
            Message(role="tool", content=[ToolResultBlock(tool_call_id="c1", output=42)]),
        ],
        tools=[{"name": "calculator", "description": "math", "parameters": {"type": "object"}}],
        temperature=0.3,
    )
    plan = plan_tools(request, native_model=False)
    body, expected = build_request(request, ProviderConfig.from_dict({"max_tokens": 50}), model="m", plan=plan)
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert body["messages"][0]["content"].startswith("Be brief.\n\nUse tools.\n\nYou can use tools.")
    assert body["messages"][2]["content"].endswith(
        '{"tool_calls": [{"name": "calculator", "arguments": {"expression": "6*7"}}]}'
    )
    assert body["messages"][3]["content"] == "Tool result for calculator (call 1):\n42"
    assert body["response_format"]["type"] == "json_object"
    assert (body["temperature"], body["max_tokens"]) == (0.3, 50)
    assert not body.keys() & STREAMED.keys()  # the bridge's stream() sets them
    assert expected.plan.constrained


@run_in_pyodide(packages=[PROVIDER_PACKAGE])
async def test_streams_and_parses_tool_calls_over_a_python_bridge(selenium):
    import json

    from webllm_provider import InvalidToolCallError, TextDelta, WebLLMProvider

    def chunk(content=None, finish=None, usage=None):
        choices = (
            [] if usage else [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}]
        )
        return {"id": "r1", "model": "m", "choices": choices, **({"usage": usage} if usage else {})}

    class Bridge:
        def __init__(self, replies):
            self.replies = replies

        async def complete(self, request):
            raise AssertionError("not used")

        async def stream(self, request):
            for piece in self.replies.pop(0):
                yield chunk(piece)
            yield chunk(finish="stop")
            yield chunk(
                usage={
                    "prompt_tokens": 5,
                    "completion_tokens": 3,
                    "total_tokens": 8,
                    "extra": {"decode_tokens_per_s": 99.0},
                }
            )

        async def list_models(self):
            return []

    tools = [
        {
            "name": "calculator",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string"}},
                "required": ["expression"],
            },
        }
    ]
    answer = ['{"ans', 'wer": "Hé', "llo \\ud83d", '\\udc4b"}']
    bad_call = [json.dumps({"tool_calls": [{"name": "calculator", "arguments": {"expression": 7}}]})]
    provider = WebLLMProvider({"default_model": "m"}, bridge=Bridge([answer, bad_call]))
    request = {"messages": [{"role": "user", "content": "hi"}], "tools": tools}
    events = [e async for e in provider.stream_reply(request)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Héllo 👋"
    final = events[-1]
    assert final.content[0].text == "Héllo 👋"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (5, 3)
    assert final.metadata["decode_tokens_per_s"] == 99.0
    try:
        [e async for e in provider.stream_reply(request)]
    except InvalidToolCallError as error:
        assert error.tool_name == "calculator" and "expected string" in str(error)
    else:
        raise AssertionError("a call that breaks the schema must not pass")


@run_in_pyodide(packages=[PROVIDER_PACKAGE])
async def test_an_apps_own_js_llm_complete_that_throws_gives_typed_errors(selenium):
    """The guide's ``js_llm_complete`` written by an app: it may throw, reject with WebLLM's
    serialised "Name: message" text, or answer with something that is not a completion."""
    from pyodide.code import run_js
    from pyodide.ffi import JsException

    from webllm_provider import ContextLengthError, LLMError, ProviderUnavailableError, WebLLMProvider
    from webllm_provider.pyodide_bridge import CompleteOnlyBridge

    apps = {
        # thrown at once, as a plain Error carrying WebLLM's text
        "throws": "() => { throw new Error('ContextWindowSizeExceededError: Prompt tokens exceed context window') }",
        # a rejection with the string WebLLM's worker handler sends
        "rejects": "async () => { throw 'DeviceLostError: The WebGPU device was lost' }",
        "not JSON": "async () => 'Sorry, no.'",
        "no choices": "async () => JSON.stringify({ id: 'x', object: 'chat.completion' })",
    }
    expected = {
        "throws": ContextLengthError,
        "rejects": ProviderUnavailableError,
        "not JSON": LLMError,
        "no choices": LLMError,
    }
    request = {"messages": [{"role": "user", "content": "hi"}]}
    for name, source in apps.items():
        for stream in (False, True):
            provider = WebLLMProvider({"default_model": "m"}, bridge=CompleteOnlyBridge(run_js(source)))
            try:
                if stream:
                    [e async for e in provider.stream_reply(request)]
                else:
                    await provider.complete(request)
            except LLMError as error:
                assert isinstance(error, expected[name]), (name, stream, error)
                if name == "throws":
                    assert isinstance(error.__cause__, JsException)
                    assert "Prompt tokens exceed" in str(error)
            else:
                raise AssertionError(f"{name}: no error")
