"""``tool-calculator``: the example app's calculator (examples/browser-app/agent/tools.py) as an Amplifier tool."""

from agent.tools import CALCULATOR, ToolError
from amplifier_core import ToolResult

__amplifier_module_type__ = "tool"


async def mount(coordinator, config=None):
    await coordinator.mount("tools", Calculator(), name=CALCULATOR.name)


class Calculator:
    name = CALCULATOR.name
    description = CALCULATOR.description
    input_schema = CALCULATOR.parameters

    def __init__(self):
        self.calls = []  # every input it was run with, for the tests to check

    async def execute(self, input):
        self.calls.append(input)
        try:
            return ToolResult(success=True, output=CALCULATOR.run(**input))
        except ToolError as exc:
            return ToolResult(success=False, error={"message": str(exc)})
