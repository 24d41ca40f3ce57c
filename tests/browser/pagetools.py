"""Helpers for test code that runs inside Pyodide in the page.

A fixture copies this file into Pyodide's file system, so tests decorated with
``run_in_pyodide`` can ``import pagetools`` instead of repeating these lines.
"""

import json

import js


async def control(action: str, **fields):
    """Send a control message to the scripted engine (js/testing/scripted-worker.js)."""
    result = await js.bridge.control(js.JSON.parse(json.dumps({"action": action, **fields})))
    return None if result is None else json.loads(js.JSON.stringify(result))


async def push(*replies: dict) -> None:
    await control("push", replies=list(replies))


async def received() -> list[dict]:
    """The requests the engine got, as WebLLM's worker handler passed them on."""
    return (await control("state"))["received"]


def ask(text: str, **fields) -> dict:
    return {"messages": [{"role": "user", "content": text}], **fields}


def now() -> float:
    """Milliseconds on the page's clock."""
    return js.performance.now()


def long_reply() -> dict:
    """A request the tiny model needs a minute for: an array of 200 integers, held
    to it by the grammar (at least 400 tokens), for tests that stop a generation."""
    schema = {"type": "array", "minItems": 200, "items": {"type": "integer"}}
    return ask("Numbers", max_tokens=800, response_format={"type": "json_schema", "json_schema": schema})
