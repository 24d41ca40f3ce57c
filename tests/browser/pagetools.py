"""Helpers for test code that runs inside Pyodide in the page.

A fixture copies this file into Pyodide's file system, so tests decorated with
``run_in_pyodide`` can ``import pagetools`` instead of repeating these lines.
"""

import json

import js


async def control(action: str, **fields):
    """Send a control message to the scripted engine (js/testing/scripted-worker.js) behind ``js.bridge``."""
    result = await js.control(js.JSON.parse(json.dumps({"action": action, **fields})))
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


async def prefill_per_turn(provider, *, tools=None, turns=4) -> list[dict]:
    """Run a conversation of ``turns`` requests and report, per turn, the tokens
    WebLLM prefilled (``usage.input_tokens``) and the whole prompt's size, found by
    sending the same seeded request again (WebLLM then prefills it all, and,
    being seeded, replies the same, so the conversation goes on unchanged).

    With tools, tool calls are answered and a plain answer gets a new question;
    without, every turn is a new question."""
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Start."}]
    report = []
    for turn in range(turns):
        request = {"messages": list(messages), "seed": seed(100 + turn), "max_tokens": 120}
        if tools:
            request["tools"] = tools
        response = await provider.complete(request)
        again = await provider.complete(request)
        report.append(
            {
                "prefilled": response.usage.input_tokens,
                "prompt": again.usage.input_tokens,
                "output": response.usage.output_tokens,
                "finish": response.finish_reason,
                "calls": len(response.tool_calls or []),
            }
        )
        messages.append({"role": "assistant", "content": response.content})
        for call in response.tool_calls or []:
            result = call.arguments["a"] + call.arguments["b"] if call.name == "add" else "noted"
            messages.append({"role": "tool", "tool_call_id": call.id, "content": str(result)})
        if not response.tool_calls:
            messages.append({"role": "user", "content": f"And question {turn + 2}?"})
    return report


def seed(n: int) -> int:
    """A sampling seed for request ``n``. Small seeds are avoided: WebLLM's generator is
    a Lehmer LCG seeded with the seed itself, so the first draw is 48271 * seed / (2^31 - 1),
    about 0 for a small seed, and the first token is then always the most probable one."""
    return 1_000_003 * n


def load_phases(reports: list[dict]) -> list[str]:
    """The phases of WebLLM's load reports, in order, checking that progress never
    falls within one: "params" (fetching or reading the weights, 0 to 1), then
    "shaders" (compiling them, 0 to 1 again), then "done"."""
    phases: list[tuple[str, list[float]]] = []
    for report in reports:
        text = report["text"]
        kind = "shaders" if text.startswith("Loading GPU shader") else "done" if text.startswith("Finish") else "params"
        if not phases or phases[-1][0] != kind:
            phases.append((kind, []))
        phases[-1][1].append(report["progress"])
    for kind, progress in phases:
        assert progress == sorted(progress), (kind, progress)
    return [kind for kind, _ in phases]
