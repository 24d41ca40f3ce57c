"""``tool-weather``: ``get_weather(city)`` with the spec and output the tiny model was taught
(tools/tiny_model/dialogues.py), reading the weather from its mount config:
``{"readings": {"Oslo": {"temperature_c": 21, "conditions": "sunny"}}}``."""

from amplifier_core import ToolResult

from tools.tiny_model.dialogues import GET_WEATHER

__amplifier_module_type__ = "tool"


async def mount(coordinator, config=None):
    await coordinator.mount("tools", Weather((config or {}).get("readings", {})), name=GET_WEATHER["name"])


class Weather:
    name = GET_WEATHER["name"]
    description = GET_WEATHER["description"]
    input_schema = GET_WEATHER["parameters"]

    def __init__(self, readings):
        self.readings = readings
        self.calls = []  # every input it was run with, for the tests to check

    async def execute(self, input):
        self.calls.append(input)
        city = input.get("city")
        if city not in self.readings:
            return ToolResult(success=False, error={"message": f"No weather known for {city!r}."})
        return ToolResult(success=True, output={"city": city, **self.readings[city]})
