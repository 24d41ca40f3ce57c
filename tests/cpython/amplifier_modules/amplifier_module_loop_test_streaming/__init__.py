"""``loop-test-streaming``: an orchestrator that uses providers the way Amplifier's loop-streaming does.

As in microsoft/amplifier-module-loop-streaming: a provider with an attribute
named ``stream`` is read as ``provider.stream_reply(request, tools=...)`` yielding
dict chunks, and its tool calls are never looked at; any other provider is
called with ``complete()``, its calls read with ``provider.parse_tool_calls()``,
and its answer (``response.text``, else the text blocks) handed on token by
token. A UI shows the tokens the provider streams to the hooks meanwhile.
"""

import re

from amplifier_module_loop_test_basic import MAX_TURNS, BasicLoop, assistant_message, by_priority, run_tools, text_of

__amplifier_module_type__ = "orchestrator"


async def mount(coordinator, config=None):
    await coordinator.mount("orchestrator", StreamingLoop(config or {}))


class StreamingLoop(BasicLoop):
    async def turn(self, prompt, context, providers, tools, hooks):
        return "".join([token async for token in self.tokens(prompt, context, providers, tools, hooks)])

    async def tokens(self, prompt, context, providers, tools, hooks):
        await context.add_message({"role": "user", "content": prompt})
        provider = by_priority(providers)
        for _ in range(MAX_TURNS):
            request = await self.request(context, provider, tools)
            if hasattr(provider, "stream"):
                async for chunk in provider.stream_reply(request, tools=request.tools):
                    yield chunk.get("content", "")
                return
            response = await provider.complete(request)
            calls = provider.parse_tool_calls(response)
            await context.add_message(assistant_message(response, calls))
            if not calls:
                for token in re.findall(r"\S+|\s+", getattr(response, "text", None) or text_of(response)):
                    yield token
                return
            await run_tools(calls, tools, hooks, context)
        raise RuntimeError(f"no answer after {MAX_TURNS} turns")
