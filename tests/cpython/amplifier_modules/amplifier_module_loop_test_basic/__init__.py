"""``loop-test-basic``: an orchestrator that uses providers the way Amplifier's loop-basic does.

As in microsoft/amplifier-module-loop-basic: the mounted provider with the
lowest ``priority`` answers; each turn is one ``provider.complete(ChatRequest)``
built from the context and the mounted tools; the reply's ``tool_calls`` run,
with ``tool:pre``/``tool:post`` around each, and go back as ``tool`` messages
until a reply has none: its text blocks are the answer.

Config: ``request_metadata``, sent as every request's ``metadata``.
``task`` is the asyncio task the kernel runs the turn in: amplifier-core
2.0.2's ``session.execute()`` does not pass its own cancellation on to it, so a
test that stops a turn cancels this one.
"""

import asyncio

from amplifier_core.events import TOOL_POST, TOOL_PRE
from amplifier_core.message_models import ChatRequest, Message, ToolSpec

__amplifier_module_type__ = "orchestrator"

MAX_TURNS = 6


async def mount(coordinator, config=None):
    await coordinator.mount("orchestrator", BasicLoop(config or {}))


class BasicLoop:
    def __init__(self, config):
        self.metadata = config.get("request_metadata")
        self.task = None

    async def execute(self, prompt, context, providers, tools, hooks, coordinator=None):
        self.task = asyncio.current_task()
        return await self.turn(prompt, context, providers, tools, hooks)

    async def turn(self, prompt, context, providers, tools, hooks):
        await context.add_message({"role": "user", "content": prompt})
        provider = by_priority(providers)
        for _ in range(MAX_TURNS):
            response = await provider.complete(await self.request(context, provider, tools))
            calls = response.tool_calls or []
            await context.add_message(assistant_message(response, calls))
            if not calls:
                return text_of(response)
            await run_tools(calls, tools, hooks, context)
        raise RuntimeError(f"no answer after {MAX_TURNS} turns")

    async def request(self, context, provider, tools):
        messages = await context.get_messages_for_request(provider=provider)
        specs = [ToolSpec(name=t.name, description=t.description, parameters=t.input_schema) for t in tools.values()]
        return ChatRequest(messages=[Message(**m) for m in messages], tools=specs or None, metadata=self.metadata)


def by_priority(providers):
    return min(providers.values(), key=lambda provider: getattr(provider, "priority", 100))


def assistant_message(response, calls):
    message = {"role": "assistant", "content": [block.model_dump() for block in response.content]}
    if calls:
        message["tool_calls"] = [{"id": call.id, "tool": call.name, "arguments": call.arguments} for call in calls]
    return message


async def run_tools(calls, tools, hooks, context):
    for call in calls:
        await hooks.emit(TOOL_PRE, {"tool_name": call.name, "tool_call_id": call.id, "tool_input": call.arguments})
        result = await tools[call.name].execute(call.arguments)
        await hooks.emit(
            TOOL_POST,
            {
                "tool_name": call.name,
                "tool_call_id": call.id,
                "tool_input": call.arguments,
                "result": result.model_dump(),
            },
        )
        await context.add_message({"role": "tool", "tool_call_id": call.id, "content": result.get_serialized_output()})


def text_of(response):
    return "\n\n".join(block.text for block in response.content if block.type == "text")
