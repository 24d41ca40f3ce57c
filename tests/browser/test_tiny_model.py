"""A real model through the whole stack: Python in Pyodide -> the provider ->
js/bridge.js -> the production worker -> WebLLM's real MLCEngine generating
tokens with the tiny model of tests/fixtures/tiny-model on SwiftShader WebGPU.

The model is loaded once for the module (``selenium_tiny_model``). It decodes
about 7 tokens/s here, so every request is kept to a few dozen tokens. These
tests assert what the engine and the stack guarantee (shapes, usage, finish
reasons, errors, grammar) for any request; what the trained model says in the
tool loops it knows is test_tiny_model_tools.py's.
"""

from pathlib import Path

import pytest
from pytest_pyodide import run_in_pyodide

# A generation here takes seconds, not milliseconds; a machine under load is slower still.
pytestmark = pytest.mark.driver_timeout(180)


@run_in_pyodide
async def test_the_load_reported_progress_to_python(selenium_tiny_model):
    from pagetools import load_phases, tiny_model_load

    import js
    from webllm_provider import WebLLMProvider

    assert tiny_model_load["model"] == js.TINY_MODEL_ID
    reports = tiny_model_load["reports"]
    assert len(reports) >= 3, "fetching the weights and compiling the shaders report as they go"
    assert reports[-1]["progress"] == 1
    assert all(isinstance(r["text"], str) and r["text"] for r in reports)
    assert load_phases(reports) == ["params", "shaders", "done"], [(r["progress"], r["text"]) for r in reports]
    assert await WebLLMProvider().default_model() == js.TINY_MODEL_ID, "the loaded model is the default"


@run_in_pyodide
async def test_complete_gives_real_text_usage_and_timings(selenium_tiny_model):
    from pagetools import ask, seed

    from webllm_provider import WebLLMProvider

    response = await WebLLMProvider().complete(ask("Hello there", seed=seed(11), max_tokens=40))
    text = response.content[0].text
    assert isinstance(text, str) and text.strip()
    assert response.finish_reason == "stop"
    assert response.usage.input_tokens > 5, "the chat template around 'Hello there'"
    assert 0 < response.usage.output_tokens < 40
    for timing in ("prefill_tokens_per_s", "decode_tokens_per_s", "time_to_first_token_s", "e2e_latency_s"):
        assert response.metadata[timing] > 0, timing


@run_in_pyodide
async def test_streamed_text_equals_the_completed_text_for_the_same_seed(selenium_tiny_model):
    from pagetools import ask, seed

    from webllm_provider import TextDelta, WebLLMProvider

    provider = WebLLMProvider()
    request = ask("Tell me something", seed=seed(5), max_tokens=40)
    completed = await provider.complete(request)
    events = [event async for event in provider.stream_reply(request)]
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    final = events[-1]
    assert len(deltas) >= 2, "the text arrived in pieces, through the worker's chunk push"
    assert "".join(deltas) == final.content[0].text == completed.content[0].text
    assert final.finish_reason == completed.finish_reason
    assert final.usage.output_tokens == completed.usage.output_tokens
    assert final.usage.input_tokens == completed.usage.input_tokens
    assert final.metadata["decode_tokens_per_s"] > 0 and final.metadata["time_to_first_token_s"] > 0


@run_in_pyodide
async def test_stopping_a_stream_interrupts_the_engine_and_the_next_request_works(selenium_tiny_model):
    from pagetools import ask, long_reply, now, seed

    from webllm_provider import TextDelta, WebLLMProvider

    provider = WebLLMProvider()
    stream = provider.stream_reply(long_reply())
    assert isinstance(await anext(stream), TextDelta)
    stopped_at = now()
    await stream.aclose()
    response = await provider.complete(ask("next", seed=seed(1), max_tokens=8))
    assert response.usage.output_tokens > 0
    # The rest of the stopped reply is 400 tokens or more: about a minute here.
    assert now() - stopped_at < 20_000, "the stopped generation went on and held the queue"


@run_in_pyodide
async def test_a_cancelled_queued_request_leaves_the_running_one_alone(selenium_tiny_model):
    import asyncio

    from pagetools import ask, long_reply, now, seed

    from webllm_provider import TextDelta, WebLLMProvider

    provider = WebLLMProvider()
    running = provider.stream_reply(long_reply())
    assert isinstance(await anext(running), TextDelta)
    queued = asyncio.ensure_future(provider.complete(ask("never sent", max_tokens=8)))
    await asyncio.sleep(0.1)
    cancelled_at = now()
    queued.cancel()
    try:
        await queued
    except asyncio.CancelledError:
        pass
    assert now() - cancelled_at < 2_000, "a queued request is dropped at once"
    assert isinstance(await anext(running), TextDelta), "the running generation goes on"
    await running.aclose()
    assert (await provider.complete(ask("after", seed=seed(2), max_tokens=8))).usage.output_tokens > 0


@run_in_pyodide
async def test_max_tokens_ends_with_length(selenium_tiny_model):
    from pagetools import ask, seed

    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider()
    reasons = []
    for n in range(1, 6):
        response = await provider.complete(ask("Hello", seed=seed(n), max_tokens=2))
        # A reply ends on EOS ("stop") or at the limit ("length"), never past it.
        ended_at_limit = response.usage.output_tokens == 2 and response.finish_reason == "length"
        assert ended_at_limit or (response.usage.output_tokens <= 2 and response.finish_reason == "stop"), response
        reasons.append(response.finish_reason)
    assert "length" in reasons, reasons


@run_in_pyodide
async def test_a_prompt_over_the_context_window_is_a_context_length_error(selenium_tiny_model):
    from pagetools import ask

    from webllm_provider import ContextLengthError, WebLLMProvider

    provider = WebLLMProvider()
    try:
        await provider.complete(ask("word " * 1500, max_tokens=4))
    except ContextLengthError as error:
        assert error.webllm_name == "ContextWindowSizeExceededError", error.webllm_name
        assert "1024" in error.webllm_message
    else:
        raise AssertionError("1,500 words do not fit in 1,024 tokens")
    assert (await provider.complete(ask("still there?", max_tokens=8))).usage.output_tokens > 0


@run_in_pyodide
async def test_constrained_tool_calls_parse_and_fit_the_schemas_completed_and_streamed(selenium_tiny_model):
    import agentloop
    from pagetools import seed

    from webllm_provider import TextDelta, WebLLMProvider

    provider = WebLLMProvider({"max_tokens": 120})
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Add two numbers, then look up the weather somewhere."},
    ]
    # One turn: the shape of the calls is what this test holds. What the model does after a result,
    # on both tool paths, is test_tiny_model_tools.py's (its loop on a question it was taught).
    request = {"messages": messages, "tools": agentloop.TAUGHT_TOOLS, "seed": seed(20), "tool_choice": "required"}
    completed = await provider.complete(request)
    events = [event async for event in provider.stream_reply(request)]
    streamed = events[-1]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "", "no JSON is shown"
    for response in (completed, streamed):
        assert response.finish_reason in ("stop", "tool_calls") and response.tool_calls, response
        for call in response.tool_calls:
            # Checked here independently of the provider's own schema checker.
            assert call.name in ("calculator", "get_weather"), call.name
            key = "expression" if call.name == "calculator" else "city"
            assert list(call.arguments) == [key] and isinstance(call.arguments[key], str), call.arguments
    assert [(c.name, c.arguments) for c in streamed.tool_calls] == [(c.name, c.arguments) for c in completed.tool_calls]


@run_in_pyodide
async def test_structured_output_follows_the_json_schema(selenium_tiny_model):
    import json

    from pagetools import ask, seed

    from webllm_provider import WebLLMProvider

    # The key the trained model writes (its JSON replies are {"answer": ...}): after a key it never
    # wrote it cannot go on, and spends every token on the whitespace the grammar allows. And a
    # question whose taught reply fits in 40 characters: cut off by maxLength, a reply ends the same way.
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "minLength": 1, "maxLength": 40}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    provider = WebLLMProvider()
    plain_json = await provider.complete(
        ask("Any JSON", seed=seed(4), max_tokens=120, response_format={"type": "json"})
    )
    # Without a schema no key is known to end, so the object may be cut off at max_tokens.
    assert plain_json.content[0].text.startswith("{"), "JSON mode without a schema asks for an object"
    if plain_json.finish_reason == "stop":
        assert isinstance(plain_json.metadata["parsed"], dict)
    for n in (1, 2, 3):
        response_format = {"type": "json_schema", "json_schema": schema}
        response = await provider.complete(
            ask("Who are you?", seed=seed(n), max_tokens=120, response_format=response_format)
        )
        assert "parsed" in response.metadata, (response.finish_reason, response.content[0].text)
        parsed = response.metadata["parsed"]
        assert json.loads(response.content[0].text) == parsed
        assert list(parsed) == ["answer"] and 1 <= len(parsed["answer"]) <= 40, parsed


@run_in_pyodide
async def test_follow_up_text_turns_prefill_only_their_new_tokens(selenium_tiny_model):
    from pagetools import prefill_per_turn

    from webllm_provider import WebLLMProvider

    turns = await prefill_per_turn(WebLLMProvider(), turns=3)
    assert turns[0]["prefilled"] == turns[0]["prompt"]
    for before, turn in zip(turns, turns[1:], strict=False):
        # The prompt grew by the new turn and the reply before it, re-tokenized.
        assert turn["prefilled"] <= turn["prompt"] - before["prompt"] + 4, turns


def test_the_scripted_engine_answers_like_the_real_one(selenium_tiny_model):
    """The same requests through both engines, from the page: chunk and completion
    shapes, usage keys, finish reasons and error names must agree."""
    script = (Path(__file__).parent / "engine_parity.js").read_text()
    parity = selenium_tiny_model.run_js(f"{script}\nreturn await globalThis.engineParity();")
    for case, outcome in parity["results"].items():
        assert outcome["scripted"] == outcome["real"], (case, outcome)
    # Every response_format type WebLLM knows is among the cases; what its grammar forbids is refused.
    assert {"json", "text", "grammar", "structuralTag"} <= set(parity["results"])
    assert parity["forbidden"] == {case: {"error": "ScriptedOutputRejectedError"} for case in parity["forbidden"]}
    scripted, real = selenium_tiny_model.run(
        "import js, json, pagetools\n"
        "[pagetools.load_phases(json.loads(js.JSON.stringify(js.scriptedLoadReports))),"
        " pagetools.load_phases(pagetools.tiny_model_load['reports'])]"
    )
    assert scripted == real == ["params", "shaders", "done"]
