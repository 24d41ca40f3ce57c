"""A real amplifier-core AmplifierSession on CPython whose provider's model runs in the browser tab."""

import json
from pathlib import Path

import pytest
from amplifier_core import AmplifierSession
from amplifier_core.models import HookResult

from .conftest import HERMES, MODEL, load

MODULES = Path(__file__).parent / "amplifier_modules"


@pytest.fixture
def mount_plan(gateway, monkeypatch):
    # The provider is mounted from config by the kernel: it finds the gateway through the environment.
    monkeypatch.setenv("WEBLLM_GATEWAY_URL", gateway.url)
    monkeypatch.setenv("WEBLLM_GATEWAY_TOKEN", gateway.token)
    monkeypatch.syspath_prepend(str(MODULES))

    def plan(model):
        return {
            "session": {"orchestrator": "loop-tools-test", "context": "context-list-test"},
            "providers": [{"module": "provider-webllm", "config": {"default_model": model}}],
            "tools": [{"module": "tool-calculator-test"}],
        }

    return plan


@pytest.mark.parametrize("model", [MODEL, HERMES])  # the constrained and the native tool path
async def test_a_session_runs_its_tool_loop_on_the_tabs_engine(mount_plan, gateway, tab, model):
    load(gateway, model)
    call = {"name": "calculator", "arguments": {"expression": "6*7"}}
    if model == HERMES:
        tab.push({"tool_calls": [call]}, {"tool_calls": []}, {"content": "It is 42."})
    else:
        tab.push({"content": json.dumps({"tool_calls": [call]})}, {"content": json.dumps({"answer": "It is 42."})})
    session = AmplifierSession(mount_plan(model))
    seen = []

    async def record(event, data):
        seen.append((event, data))
        return HookResult()

    await session.initialize()
    session.coordinator.hooks.register("llm:response", record, name="record")
    try:
        assert await session.execute("What is 6*7?") == "It is 42."
    finally:
        await session.cleanup()
    assert [data["status"] for _, data in seen] == ["ok"] * len(seen) and len(seen) >= 2
    sent = tab.received()
    # The tool's result went back to the model in the second request.
    assert "42" in json.dumps(sent[-1]["messages"])
    # Every request of the loop (the native path adds one for the text answer) went through the gateway.
    assert gateway.get("/api/metrics")["metrics"]["succeeded"] == len(sent) >= len(seen)
