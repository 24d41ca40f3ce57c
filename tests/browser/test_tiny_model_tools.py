"""A tool loop that does what the user asked, on WebLLM's real engine with the trained tiny model,
on the provider's grammar-constrained tool path (the tiny id). WebLLM's own Hermes path is
test_tiny_model_native.py's: there the model cannot do the job yet (the fixture's README says why).

The model was trained on these tools (tests/browser/agentloop.py), on arithmetic like this but
never on 17 * 23 (held out), and on the weather of a list of cities, Paris among them (it does
not copy a city it was never taught: the fixture's README). Decoding is greedy."""

import pytest
from pytest_pyodide import run_in_pyodide

pytestmark = pytest.mark.driver_timeout(300)


@run_in_pyodide
async def test_the_calculator_answers_17_times_23(selenium_tiny_model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": js.TINY_MODEL_ID, "temperature": 0, "max_tokens": 96})
    tools = [agentloop.TOOLS[0], agentloop.GET_WEATHER]
    run = await agentloop.run(provider, "What is 17 * 23?", tools=tools)
    assert [call.name for call in run.calls] == ["calculator"], run
    expression = run.calls[0].arguments["expression"]
    assert agentloop.calculate(agentloop.ast.parse(expression, mode="eval")) == 391, expression
    assert "391" in run.answer and run.steps == 2, run


@run_in_pyodide
async def test_the_weather_tool_is_called_for_the_city_and_its_report_answers(selenium_tiny_model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": js.TINY_MODEL_ID, "temperature": 0, "max_tokens": 96})
    run = await agentloop.run(
        provider, "What's the weather in Paris?", tools=[agentloop.TOOLS[0], agentloop.GET_WEATHER]
    )
    assert [(call.name, call.arguments) for call in run.calls] == [("get_weather", {"city": "Paris"})], run
    report = agentloop.WEATHER
    assert f"{report['temperature_c']} °C" in run.answer and report["conditions"] in run.answer, run


@run_in_pyodide
async def test_the_streamed_loop_shows_the_completed_answer(selenium_tiny_model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": js.TINY_MODEL_ID, "temperature": 0, "max_tokens": 96})
    tools = [agentloop.TOOLS[0], agentloop.GET_WEATHER]
    completed = await agentloop.run(provider, "Calculate 45 + 38.", tools=tools)
    streamed = await agentloop.run(provider, "Calculate 45 + 38.", tools=tools, stream=True)
    assert "83" in completed.answer, completed
    assert streamed.answer == streamed.shown == completed.answer, "the call JSON never shows; the text is the same"
    assert [(c.name, c.arguments) for c in streamed.calls] == [(c.name, c.arguments) for c in completed.calls]


@run_in_pyodide
async def test_the_turn_after_a_tool_result_prefills_only_its_new_tokens(selenium_tiny_model):
    import agentloop

    import js
    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider({"default_model": js.TINY_MODEL_ID, "temperature": 0, "max_tokens": 96})
    run = await agentloop.run(provider, "What is 12 * 9?", tools=[agentloop.TOOLS[0], agentloop.GET_WEATHER])
    first, follow_up = run.prefilled
    # The first turn holds the tools' instructions and schemas; the follow-up only the call and its result.
    assert first > 250 and follow_up < 60, run.prefilled
    assert "108" in run.answer, run
