"""A calculator tool for the gateway tests (+, -, *, / on numbers only)."""

import ast
import operator

from amplifier_core.models import ToolResult

_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _value(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_value(node.left), _value(node.right))
    raise ValueError("not arithmetic")


class Calculator:
    name = "calculator"
    description = "Evaluate an arithmetic expression."
    input_schema = {
        "type": "object",
        "properties": {"expression": {"type": "string"}},
        "required": ["expression"],
    }

    async def execute(self, input):
        return ToolResult(success=True, output=_value(ast.parse(input["expression"], mode="eval").body))


async def mount(coordinator, config):
    await coordinator.mount("tools", Calculator(), name="calculator")
