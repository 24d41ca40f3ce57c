"""Tool calling through the real worker: the engine checks every reply against the
response_format the provider sent (ajv, in js/testing), so these tests prove the
schema admits correct calls and refuses wrong ones."""

import pytest
from pytest_pyodide import run_in_pyodide

HERMES = "Hermes-3-Llama-3.1-8B-q4f32_1-MLC"


@pytest.mark.parametrize("stream", [False, True])
@run_in_pyodide
async def test_agent_loop_on_the_constrained_path(selenium_page, stream):
    import json

    import agentloop
    from pagetools import push, received

    from webllm_provider import WebLLMProvider

    await push(
        {"content": json.dumps({"tool_calls": [{"name": "calculator", "arguments": {"expression": "6*7"}}]})},
        {"content": json.dumps({"tool_calls": [{"name": "kv_set", "arguments": {"key": "answer", "value": 42}}]})},
        {"content": json.dumps({"answer": 'Stored 42 under "answer".'})},
    )
    provider = WebLLMProvider()
    answer, store, steps, shown, _ = await agentloop.run(provider, "Compute 6*7 and store it as answer.", stream=stream)
    assert answer == 'Stored 42 under "answer".'
    assert store == {"answer": 42} and steps == 3
    if stream:
        assert shown == answer, "the answer streams as text, the call JSON never shows"
    sent = (await received())[-3:]
    assert all(r["response_format"]["type"] == "json_object" and "tools" not in r for r in sent)
    last_messages = sent[-1]["messages"]
    assert last_messages[0]["role"] == "system" and "kv_set" in last_messages[0]["content"]
    assert "Tool result for calculator" in last_messages[3]["content"] and "42" in last_messages[3]["content"]
    assert last_messages[-1]["content"].startswith("Tool result for kv_set")


@run_in_pyodide
async def test_agent_loop_on_the_native_path(selenium_page):
    import json

    import agentloop
    from pagetools import push, received

    from webllm_provider import WebLLMProvider

    await push(
        {"tool_calls": [{"name": "calculator", "arguments": {"expression": "6*7"}}]},
        {"tool_calls": [{"name": "kv_set", "arguments": {"key": "answer", "value": 42}}]},
        {"tool_calls": []},
        {"content": "Stored 42 under answer."},
    )
    provider = WebLLMProvider({"default_model": "Hermes-3-Llama-3.1-8B-q4f32_1-MLC"})
    answer, store, steps, _, _ = await agentloop.run(provider, "Compute 6*7 and store it as answer.")
    assert answer == "Stored 42 under answer."
    assert store == {"answer": 42} and steps == 3
    sent = (await received())[-4:]
    assert [("tools" in r) for r in sent] == [True, True, True, False]
    assert all(r["model"] == "Hermes-3-Llama-3.1-8B-q4f32_1-MLC" for r in sent)
    # WebLLM refuses a custom system prompt with native tools: it leads the first user turn.
    assert sent[0]["messages"][0]["role"] == "user"
    assert sent[0]["messages"][0]["content"].startswith("You are a careful assistant.")
    # Each result in Hermes' tool-response form, named by its call's tool (WebLLM shows the model no ids).
    tool_messages = [m for m in sent[2]["messages"] if m["role"] == "tool"]
    assert [json.loads(m["content"]) for m in tool_messages] == [
        {"name": "calculator", "content": "42"},
        {"name": "kv_set", "content": "{'stored': 'answer'}"},
    ]


@run_in_pyodide
async def test_the_schema_sent_refuses_wrong_calls(selenium_page):
    import json

    import agentloop
    from pagetools import ask, push

    from webllm_provider import LLMError, WebLLMProvider

    provider = WebLLMProvider()
    wrong = [
        {"tool_calls": [{"name": "calculator", "arguments": {"expr": "1"}}]},
        {"tool_calls": [{"name": "rm_rf", "arguments": {}}]},
        {"tool_calls": []},
        {"answer": 42},
        "just text, no JSON",
    ]
    for reply in wrong:
        await push({"content": reply if isinstance(reply, str) else json.dumps(reply)})
        try:
            await provider.complete(ask("go", tools=agentloop.TOOLS))
        except LLMError as error:
            assert error.webllm_name == "ScriptedOutputRejectedError", (reply, error)
        else:
            raise AssertionError(f"the schema admitted {reply!r}")
    await push({"content": json.dumps({"tool_calls": [{"name": "calculator", "arguments": {"expression": "1+1"}}]})})
    response = await provider.complete(ask("go", tools=agentloop.TOOLS, tool_choice="required"))
    assert response.tool_calls[0].arguments == {"expression": "1+1"}
