"""A chat with one tool, as Python in a host runs it: its text goes into the test pages
(after conftest.PY_REPORT), so every host runs the same code."""

import json

from webllm_provider import TextDelta

TOOLS = [
    {
        "name": "add",
        "description": "Add two numbers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
            "additionalProperties": False,
        },
    }
]
# What the scripted engine says, on the provider's constrained path (the default model has no native tools).
SCRIPTED_REPLIES = [
    {"content": json.dumps({"tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 3}}]})},
    {"content": json.dumps({"answer": "2 + 3 = 5."})},
]


async def chat_with_tool(provider):
    """Ask, run the tool the model calls, stream the answer; what happened, for the test to check."""
    messages = [{"role": "user", "content": "What is 2 + 3?"}]
    first = await provider.complete({"messages": messages, "tools": TOOLS})
    (call,) = first.tool_calls
    total = call.arguments["a"] + call.arguments["b"]
    messages += [
        {"role": "assistant", "content": first.content},
        {"role": "tool", "tool_call_id": call.id, "content": str(total)},
    ]
    shown, final = [], None
    async for event in provider.stream_reply({"messages": messages, "tools": TOOLS}):
        if isinstance(event, TextDelta):
            shown.append(event.text)
        else:
            final = event
    return {"call": [call.name, call.arguments], "answer": final.content[-1].text, "shown": "".join(shown)}
