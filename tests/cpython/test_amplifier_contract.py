"""amplifier-core's own checks, run against this package."""

from pathlib import Path

import pytest
from amplifier_core.testing import MockCoordinator
from amplifier_core.validation import ProviderValidator
from amplifier_core.validation.behavioral import ProviderBehaviorTests
from amplifier_core.validation.structural import ProviderStructuralTests

import webllm_provider
from webllm_provider import ProviderUnavailableError, WebLLMProvider, mount

from .fakes import FakeBridge

PACKAGE = Path(webllm_provider.__file__).parent


@pytest.fixture
def module_path() -> Path:
    # amplifier-core finds modules named amplifier_module_*; ours is not, so say where it is.
    return PACKAGE


class TestWebLLMProviderBehavior(ProviderBehaviorTests):
    pass


class TestWebLLMProviderStructure(ProviderStructuralTests):
    pass


async def test_provider_validator_passes_on_the_package():
    result = await ProviderValidator().validate(PACKAGE)
    failed = [f"{c.name}: {c.message}" for c in result.errors]
    assert result.passed, failed
    assert {c.name for c in result.checks} >= {
        "module_importable",
        "mount_exists",
        "mount_signature",
        "protocol_compliance",
        "provider_name",
        "provider_get_info",
        "provider_list_models",
        "provider_complete",
        "provider_parse_tool_calls",
    }


async def test_provider_validator_passes_on_the_entry_point_name():
    result = await ProviderValidator().validate("webllm_provider", entry_point="provider-webllm")
    assert result.passed, [c.message for c in result.errors]


def test_entry_point_is_registered():
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="amplifier.modules") if e.name == "provider-webllm"]
    assert entry.load() is mount


async def test_mount_registers_and_hooks_see_request_and_response():
    coordinator = MockCoordinator()
    seen = []

    async def record(event, data):
        from amplifier_core.models import HookResult

        seen.append((event, data))
        return HookResult()

    coordinator.hooks.register("llm:request", record, name="rec-req")
    coordinator.hooks.register("llm:response", record, name="rec-res")
    provider = await mount(coordinator, {"default_model": "m"})
    assert coordinator.get("providers")["webllm"] is provider
    provider._bridge = FakeBridge(["Hello there friend."])
    await provider.complete({"messages": [{"role": "user", "content": "Hi"}]})
    events = [event for event, _ in seen]
    assert events == ["llm:request", "llm:response"]
    request, response = seen[0][1], seen[1][1]
    assert request["provider"] == "webllm" and request["model"] == "m" and request["message_count"] == 1
    assert response["status"] == "ok" and response["model"] == "m"
    assert response["usage"] == {
        "input_tokens": 11,
        "output_tokens": 3,
        "cost_usd": "0",
    }  # Amplifier's keys; local: free
    assert isinstance(response["duration_ms"], float) and response["duration_ms"] >= 0


async def test_failed_requests_emit_an_error_response():
    from amplifier_core.models import HookResult

    from .fakes import webllm_error

    coordinator = MockCoordinator()
    seen = []

    async def record(event, data):
        seen.append(data)
        return HookResult()

    coordinator.hooks.register("llm:response", record, name="rec")
    provider = WebLLMProvider(
        {"default_model": "m", "max_retries": 0},
        bridge=FakeBridge([webllm_error("DeviceLostError", "lost")]),
        coordinator=coordinator,
    )
    with pytest.raises(ProviderUnavailableError):
        await provider.complete({"messages": [{"role": "user", "content": "Hi"}]})
    assert seen[0]["status"] == "error"
    assert seen[0]["error"]["type"] == "ProviderUnavailableError"
