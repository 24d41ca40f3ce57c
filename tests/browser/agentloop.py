"""A small agent loop with two tools, run inside Pyodide by the tool-calling tests.

Copied into Pyodide's file system next to pagetools.py.
"""

import ast
import operator

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
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def calculate(node):
    if isinstance(node, ast.Expression):
        return calculate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](calculate(node.left), calculate(node.right))
    raise ValueError("not arithmetic")


async def run(provider, question, *, stream=False, max_steps=6):
    """Ask, run every tool the model calls, feed results back; return (answer, store, steps, shown)."""
    store = {}
    messages = [{"role": "system", "content": "You are a careful assistant."}, {"role": "user", "content": question}]
    shown = []
    for step in range(1, max_steps + 1):
        request = {"messages": messages, "tools": TOOLS}
        if stream:
            response = None
            async for event in provider.stream_reply(request):
                if isinstance(event, TextDelta):
                    shown.append(event.text)
                else:
                    response = event
        else:
            response = await provider.complete(request)
        if not response.tool_calls:
            return response.content[-1].text, store, step, "".join(shown)
        messages.append({"role": "assistant", "content": response.content})
        for call in response.tool_calls:
            if call.name == "calculator":
                result = calculate(ast.parse(call.arguments["expression"], mode="eval"))
            else:
                store[call.arguments["key"]] = call.arguments["value"]
                result = {"stored": call.arguments["key"]}
            messages.append({"role": "tool", "tool_call_id": call.id, "content": str(result)})
    raise AssertionError("the loop did not finish")
