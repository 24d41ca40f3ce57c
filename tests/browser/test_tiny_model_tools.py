"""A tool loop that does what the user asked, on WebLLM's real engine with the trained tiny model,
on both tool paths: the provider's grammar-constrained one (the tiny id) and WebLLM's own
(the same weights under one of WebLLM's Hermes ids: WebLLM writes its function-calling prompt
and holds the reply to its JSON list of calls).

The model was trained on these tools (tests/browser/agentloop.py), on arithmetic like this but
never on 17 * 23 (held out), and on the weather of cities, Paris among them. Decoding is greedy."""

import pytest
from pytest_pyodide import run_in_pyodide

pytestmark = pytest.mark.driver_timeout(300)


@pytest.fixture(scope="module", params=["TINY_MODEL_ID", "TINY_HERMES_MODEL_ID"], ids=["constrained", "native"])
def model(request):
    """The page's name for the id of each path. Module-scoped, so pytest runs every test on one
    path before the other: the engine switches model once."""
    return request.param


@run_in_pyodide
async def test_the_calculator_answers_17_times_23(selenium_tiny_model, model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": getattr(js, model), "temperature": 0, "max_tokens": 96})
    tools = agentloop.TAUGHT_TOOLS
    run = await agentloop.run(provider, "What is 17 * 23?", tools=tools)
    assert [call.name for call in run.calls] == ["calculator"], run
    expression = run.calls[0].arguments["expression"]
    assert agentloop.calculate(agentloop.ast.parse(expression, mode="eval")) == 391, expression
    assert "391" in run.answer and run.steps == 2, run


@run_in_pyodide
async def test_the_weather_tool_is_called_for_the_city_and_its_report_answers(selenium_tiny_model, model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": getattr(js, model), "temperature": 0, "max_tokens": 96})
    run = await agentloop.run(provider, "What's the weather in Paris?", tools=agentloop.TAUGHT_TOOLS)
    assert [(call.name, call.arguments) for call in run.calls] == [("get_weather", {"city": "Paris"})], run
    report = agentloop.WEATHER
    assert f"{report['temperature_c']} °C" in run.answer and report["conditions"] in run.answer, run


@run_in_pyodide
async def test_the_streamed_loop_shows_the_completed_answer(selenium_tiny_model, model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": getattr(js, model), "temperature": 0, "max_tokens": 96})
    tools = agentloop.TAUGHT_TOOLS
    completed = await agentloop.run(provider, "Calculate 45 + 38.", tools=tools)
    streamed = await agentloop.run(provider, "Calculate 45 + 38.", tools=tools, stream=True)
    assert "83" in completed.answer, completed
    assert streamed.answer == streamed.shown == completed.answer, "the call JSON never shows; the text is the same"
    assert [(c.name, c.arguments) for c in streamed.calls] == [(c.name, c.arguments) for c in completed.calls]


@run_in_pyodide
async def test_the_turn_after_a_tool_result_prefills_only_its_new_tokens(selenium_tiny_model, model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": getattr(js, model), "temperature": 0, "max_tokens": 96})
    run = await agentloop.run(provider, "What is 17 * 23?", tools=agentloop.TAUGHT_TOOLS)
    first, follow_up = run.prefilled
    # The first turn holds the tools' instructions and schemas (the whole prompt, over 250 tokens);
    # the follow-up only the call and its result (about 80), not the whole conversation again.
    assert first > 250 and follow_up < first // 3, run.prefilled
    assert "391" in run.answer, run
