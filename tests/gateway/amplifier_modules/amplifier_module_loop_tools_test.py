"""A small orchestrator for the gateway tests: ask, run the tools called, feed the results back.

amplifier-core's real orchestrators live in GitHub repositories only (not on
PyPI), so the tests mount this one through the kernel's own module loader.
"""

from amplifier_core.message_models import ChatRequest, Message, ToolSpec


class ToolLoop:
    def __init__(self, max_steps: int) -> None:
        self.max_steps = max_steps

    async def execute(self, prompt, context, providers, tools, hooks, **kwargs):
        provider = next(iter(providers.values()))
        specs = [ToolSpec(name=t.name, description=t.description, parameters=t.input_schema) for t in tools.values()]
        await context.add_message({"role": "user", "content": prompt})
        for _ in range(self.max_steps):
            messages = [Message(**m) for m in await context.get_messages_for_request(provider=provider)]
            response = await provider.complete(ChatRequest(messages=messages, tools=specs))
            if not response.tool_calls:
                text = "".join(block.text for block in response.content if block.type == "text")
                await context.add_message({"role": "assistant", "content": text})
                return text
            await context.add_message({"role": "assistant", "content": [b.model_dump() for b in response.content]})
            for call in response.tool_calls:
                result = await tools[call.name].execute(call.arguments)
                await context.add_message({"role": "tool", "tool_call_id": call.id, "content": str(result.output)})
        raise RuntimeError("the tool loop did not finish")


async def mount(coordinator, config):
    await coordinator.mount("orchestrator", ToolLoop(int(config.get("max_steps", 6))))
