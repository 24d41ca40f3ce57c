"""A small agent loop and its tools, run inside Pyodide by the tool-calling tests.

Copied into Pyodide's file system next to pagetools.py. The tiny model is
trained on these tools' specs as written here (tools/tiny_model/dialogues.py
reads them), so the real-engine tests offer it what it knows.
"""

import ast
import json
import operator
from typing import NamedTuple

from webllm_provider import TextDelta

TOOLS = [
    {
        "name": "calculator",
        "description": "Evaluate an arithmetic expression.",
        "parameters": {
            "type": "object",
            "properties": {"expression": {"type": "string", "minLength": 1}},
            "required": ["expression"],
            "additionalProperties": False,
        },
    },
    {
        "name": "kv_set",
        "description": "Store a number under a key.",
        "parameters": {
            "type": "object",
            "properties": {"key": {"type": "string"}, "value": {"type": "number"}},
            "required": ["key", "value"],
            "additionalProperties": False,
        },
    },
]
GET_WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather in a city: temperature in degrees Celsius and conditions.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "minLength": 1, "description": "The city's name, e.g. 'Paris'"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}
WEATHER = {"temperature_c": 21, "conditions": "sunny"}  # what get_weather reports, for any city
# What the tiny model (tests/fixtures/tiny-model) was trained to call; on tools it was never
# taught it cannot end a call's arguments, and spends max_tokens on the whitespace the grammar allows.
TAUGHT_TOOLS = [TOOLS[0], GET_WEATHER]
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def calculate(node):
    if isinstance(node, ast.Expression):
        return calculate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](calculate(node.left), calculate(node.right))
    raise ValueError("not arithmetic")


class Run(NamedTuple):
    answer: str
    store: dict
    steps: int
    shown: str  # the text streamed, when streaming
    calls: list  # every ToolCall, in order
    prefilled: list  # the tokens WebLLM prefilled for each request (usage.input_tokens)


async def run(provider, question, *, tools=TOOLS, stream=False, max_steps=6):
    """Ask, run every tool the model calls, feed results back, until it answers in text."""
    store = {}
    messages = [{"role": "system", "content": "You are a careful assistant."}, {"role": "user", "content": question}]
    shown = []
    calls = []
    prefilled = []
    for step in range(1, max_steps + 1):
        request = {"messages": messages, "tools": tools}
        if stream:
            response = None
            async for event in provider.stream_reply(request):
                if isinstance(event, TextDelta):
                    shown.append(event.text)
                else:
                    response = event
        else:
            response = await provider.complete(request)
        prefilled.append(response.usage.input_tokens)
        if not response.tool_calls:
            return Run(response.content[-1].text, store, step, "".join(shown), calls, prefilled)
        calls += response.tool_calls
        messages.append({"role": "assistant", "content": response.content})
        for call in response.tool_calls:
            if call.name == "calculator":  # as the example app's calculator answers
                expression = call.arguments["expression"]
                result = {"expression": expression, "result": calculate(ast.parse(expression, mode="eval"))}
            elif call.name == "get_weather":
                result = {"city": call.arguments["city"], **WEATHER}
            else:
                store[call.arguments["key"]] = call.arguments["value"]
                result = {"stored": call.arguments["key"]}
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
    raise AssertionError("the loop did not finish")
