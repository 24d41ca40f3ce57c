#!/usr/bin/env python3
"""Measure the tiny model through WebLLM's real engine, on dialogues training never saw.

    make dist && .venv/bin/python -m tools.tiny_model.eval [--cases 20] [--seed 7]

Headless Chromium loads build/dist's production worker (WebLLM 0.2.86's
``MLCEngine`` on SwiftShader WebGPU) with the fixture, under both of its ids
(js/testing/tiny-model.js). Each case is an episode of ``dialogues.py`` drawn
from the held-out half: new operand pairs, new cities, new wordings, new small
talk. Requests are built and replies read by the provider itself
(``webllm_provider.request`` and ``tool_calling.read_output``), tools run, and
the loop goes on until the model answers in text, as an agent's would. Greedy
decoding (temperature 0).

Per shape it prints:
- tool choice: the model called the right tool, or none where none fits;
- argument: the call's arguments are right (the expression's value, the city);
- answer: the final text holds the tool's result (the number; the temperature
  and conditions) or, with no tool, is the answer taught for it (or one that
  means the same, ``dialogues.SAME_MEANING``: a greeting for a greeting).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from typing import Any

from tools import chromium, serve
from webllm_provider import InvalidToolCallError
from webllm_provider.tool_calling import plan_tools, read_output

from . import dialogues, render

sys.path.insert(0, str(render.ROOT / "examples" / "browser-app"))  # the app's agent package
from agent.tools import CALCULATOR, ToolError, calculator  # noqa: E402

DIST = render.ROOT / "build" / "dist"
TOOLS = [CALCULATOR.spec(), dialogues.GET_WEATHER]
MAX_TOKENS = 96

LOAD = """
const { createBridge } = await import("/webllm/bridge.js");
const tiny = await import("/webllm/testing/tiny-model.js");
globalThis.bridge ??= createBridge({
  workerUrl: "/webllm/webllm-worker.js",
  appConfig: tiny.tinyModelAppConfig(new URL("/models/", location.href)),
});
const id = arguments[0] === "hermes" ? tiny.TINY_HERMES_MODEL_ID : tiny.TINY_MODEL_ID;
await globalThis.bridge.load(id);
return id;
"""
COMPLETE = "return await globalThis.bridge.complete(arguments[0]);"


@dataclass
class Score:
    cases: int = 0
    tool_choice: int = 0
    argument: int = 0
    argument_cases: int = 0
    answer: int = 0
    failures: list[str] = field(default_factory=list)

    def row(self, shape: str) -> str:
        choice = "n/a (no tools)" if shape == render.PLAIN else percent(self.tool_choice, self.cases)
        argument = percent(self.argument, self.argument_cases) if self.argument_cases else "n/a"
        return f"| {shape} | {self.cases} | {choice} | {argument} | {percent(self.answer, self.cases)} |"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})"


class Engine:
    def __init__(self, driver: Any, model: str) -> None:
        self.driver, self.model = driver, model

    def reply(self, messages: list[dict[str, Any]], shape: str, without_tools: bool = False) -> tuple[str, list[Any]]:
        tools = [] if shape == render.PLAIN else TOOLS
        body = render.provider_body([dict(m) for m in messages], tools, shape, without_tools)
        body.update(model=self.model, temperature=0, max_tokens=MAX_TOKENS)
        completion = chromium.run(self.driver, COMPLETE, body)
        choice = completion["choices"][0]
        request = {"messages": messages, **({"tools": tools} if tools else {})}
        plan = plan_tools(request, native_model=shape == render.HERMES)
        if without_tools:
            plan = plan.without_tools()
        return read_output(
            plan,
            text=choice["message"].get("content") or "",
            tool_calls=choice["message"].get("tool_calls") or [],
            finish_reason=choice["finish_reason"],
            response_id=completion.get("id"),
        )

    def answer(self, messages: list[dict[str, Any]], shape: str) -> tuple[str, list[Any]]:
        text, calls = self.reply(messages, shape)
        if shape == render.HERMES and not calls:  # the provider's second pass
            text, calls = self.reply(messages, shape, without_tools=True)
        return text, calls


def run_tool(name: str, arguments: dict[str, Any], weather: dict[str, Any] | None) -> Any:
    if name == "calculator":
        try:
            return calculator(**arguments)
        except (ToolError, TypeError) as error:
            return {"error": str(error)}
    return weather if weather is not None else {"error": "no weather here"}


def evaluate(engine: Engine, shape: str, steps: list[tuple[Any, ...]], score: Score) -> None:
    question = steps[0][1]
    call = next((s for s in steps if s[0] == "call"), None)
    result = next((s[1] for s in steps if s[0] == "result"), None)
    expected_answer = steps[-1][1]
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    score.cases += 1
    if call:
        score.argument_cases += 1
    try:
        text, calls = engine.answer(messages, shape)
        called = [c.name for c in calls]
        if called == ([call[1]] if call else []):
            score.tool_choice += 1
        if call and calls and calls[0].name == call[1] and right_arguments(call, calls[0].arguments):
            score.argument += 1
        elif call:
            score.failures.append(f"{question!r} called {[(c.name, c.arguments) for c in calls]}")
        for _ in range(3):  # run the tools until the model answers
            if not calls:
                break
            messages.append(
                {
                    "role": "assistant",
                    "content": [{"type": "tool_call", "id": c.id, "name": c.name, "input": c.arguments} for c in calls],
                }
            )
            for c in calls:
                output = run_tool(c.name, c.arguments, result if c.name == "get_weather" else None)
                messages.append({"role": "tool", "tool_call_id": c.id, "content": dialogues.as_text(output)})
            text, calls = engine.answer(messages, shape)
        if right_answer(steps, text, expected_answer, result):
            score.answer += 1
        else:
            score.failures.append(f"{question!r} -> {text!r}")
    except InvalidToolCallError as error:
        score.failures.append(f"{question!r} -> {type(error).__name__}: {error}")


def right_arguments(call: tuple[Any, ...], arguments: dict[str, Any]) -> bool:
    if call[1] == "get_weather":
        return str(arguments.get("city", "")).strip().lower() == call[2]["city"].lower()
    try:
        return calculator(arguments["expression"])["result"] == calculator(call[2]["expression"])["result"]
    except (ToolError, KeyError, TypeError):
        return False


def right_answer(steps: list[tuple[Any, ...]], text: str, expected: str, result: Any) -> bool:
    if not any(s[0] == "call" for s in steps):
        said = text.strip()
        return said == expected or any({said, expected} <= same for same in dialogues.SAME_MEANING)
    if isinstance(result, dict) and "temperature_c" in result:
        return f"{result['temperature_c']} °C" in text and result["conditions"] in text
    value = result["result"] if isinstance(result, dict) else result
    return str(value) in text


def cases(shape: str, count: int, rng: random.Random) -> list[list[tuple[Any, ...]]]:
    """Held-out episodes: with tools, 45% calculations, 30% weather, the rest talk; without, any."""
    offered = set() if shape == render.PLAIN else {tool["name"] for tool in TOOLS}
    tools_wanted = ["calculator"] * round(count * 0.45) + ["get_weather"] * round(count * 0.3)
    tools_wanted += [None] * (count - len(tools_wanted))
    out = []
    for wanted in tools_wanted:
        while True:
            steps = dialogues.episode(rng, offered, seen=False)
            if not offered or next((s[1] for s in steps if s[0] == "call"), None) == wanted:
                out.append(steps)
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=20, help="per shape")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shapes", default=",".join([render.PLAIN, render.CONSTRAINED, render.HERMES]))
    args = ap.parse_args()
    base, stop = serve.start(DIST)
    driver = chromium.driver()
    driver.set_script_timeout(600)
    rows = []
    try:
        driver.get(base + "/")
        for shape in args.shapes.split(","):
            model = chromium.run(driver, LOAD, shape)
            engine, score = Engine(driver, model), Score()
            for steps in cases(shape, args.cases, random.Random(args.seed)):
                evaluate(engine, shape, steps, score)
                print(json.dumps({"shape": shape, "cases": score.cases, "answer": score.answer}), flush=True)
            rows.append(score.row(shape))
            for failure in score.failures:
                print(f"  {shape} failed: {failure}")
    finally:
        driver.quit()
        stop()
    print("| shape | cases | tool choice | argument | answer |\n|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
