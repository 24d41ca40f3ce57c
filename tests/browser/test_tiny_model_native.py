"""WebLLM's native (Hermes) tool path on WebLLM's real engine: the tiny model registered under one
of WebLLM's function-calling ids (js/testing/tiny-model.js), in its own page, since it switches
the loaded model. Its weights are random, so what is asserted is the path, not the words: WebLLM
takes ``tools`` for the id, writes its Hermes prompt, takes tool results in the chat template's
``tool`` role, and holds the reply to a JSON list of calls, which the provider reads."""

import pytest
from pytest_pyodide import run_in_pyodide

pytestmark = pytest.mark.driver_timeout(300)


@run_in_pyodide
async def test_a_tool_round_runs_on_webllms_native_path(selenium_tiny_model):
    from pagetools import TINY_TOOLS, seed

    import js
    from webllm_provider import InvalidToolCallError, WebLLMProvider

    provider = WebLLMProvider({"max_tokens": 60})
    await provider.load_model(js.TINY_HERMES_MODEL_ID)
    question = [{"role": "user", "content": "Add 2 and 3."}]
    tool_round = [
        *question,
        {
            "role": "assistant",
            "content": [{"type": "tool_call", "id": "call_1", "name": "add", "input": {"a": 2, "b": 3}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "5"},
    ]
    plain = await provider.complete({"messages": question, "seed": seed(1)})
    for n, messages in enumerate([question, tool_round]):
        try:
            response = await provider.complete({"messages": messages, "tools": TINY_TOOLS, "seed": seed(n + 2)})
        except InvalidToolCallError as error:
            # The model's list named a tool or arguments the request did not offer: checked, not run.
            assert error.raw_arguments is not None, error
            continue
        assert response.finish_reason in ("tool_calls", "stop"), response
        for call in response.tool_calls or []:
            assert call.name in ("note", "add") and isinstance(call.arguments, dict)
        # WebLLM's Hermes system prompt, with the tools' JSON, leads the prompt.
        assert response.usage.input_tokens > plain.usage.input_tokens + 200, (response.usage, plain.usage)
