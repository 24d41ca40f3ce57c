"""WebLLM's native (Hermes) tool path on WebLLM's real engine: the tiny model registered under one
of WebLLM's function-calling ids (js/testing/tiny-model.js), in its own page, since it switches
the loaded model. What is asserted is the path, for any reply: WebLLM takes ``tools`` for the id,
writes its Hermes prompt, takes tool results in the chat template's ``tool`` role, and holds the
reply to a JSON list of calls, which the provider reads (what the model says on this path is
test_tiny_model_tools.py's)."""

import pytest
from pytest_pyodide import run_in_pyodide

pytestmark = pytest.mark.driver_timeout(300)


@run_in_pyodide
async def test_a_tool_round_runs_on_webllms_native_path(selenium_tiny_model):
    import agentloop
    from pagetools import seed

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"max_tokens": 60})
    await provider.load_model(js.TINY_HERMES_MODEL_ID)
    question = [{"role": "user", "content": "Add 2 and 3."}]
    tools = agentloop.TAUGHT_TOOLS
    tool_round = [
        *question,
        {
            "role": "assistant",
            "content": [{"type": "tool_call", "id": "call_1", "name": "calculator", "input": {"expression": "2 + 3"}}],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"expression": "2 + 3", "result": 5}'},
    ]
    plain = await provider.complete({"messages": question, "seed": seed(1)})
    asked = await provider.complete({"messages": question, "tools": tools, "seed": seed(2)})
    # WebLLM's Hermes system prompt, with the tools' JSON, leads the prompt (usage counts what
    # WebLLM prefilled: the whole prompt here, nothing of it being in the KV cache yet).
    assert asked.usage.input_tokens > plain.usage.input_tokens + 200, (asked.usage, plain.usage)
    answered = await provider.complete({"messages": tool_round, "tools": tools, "seed": seed(3)})
    for response in (asked, answered):
        assert response.finish_reason in ("tool_calls", "stop"), response
        for call in response.tool_calls or []:
            assert call.name in ("calculator", "get_weather") and isinstance(call.arguments, dict)
