"""The lightweight Pyodide types say the same as amplifier-core's, field for field."""

import dataclasses
import typing

import pytest
from amplifier_core import llm_errors, message_models, models

import webllm_provider
import webllm_provider._compat as compat
from webllm_provider._compat import _lite_errors, _lite_models
from webllm_provider.messages import CONSTRAINED, NATIVE
from webllm_provider.request import Expected
from webllm_provider.response import Reply
from webllm_provider.tool_calling import ToolPlan

from .fakes import completion

CORE = {**vars(message_models), **vars(models)}


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in _lite_models.__dict__
        if isinstance(getattr(_lite_models, n), type) and dataclasses.is_dataclass(getattr(_lite_models, n))
    ],
)
def test_every_lite_field_exists_in_amplifier_core_with_a_compatible_default(name):
    lite = getattr(_lite_models, name)
    core = CORE[name]
    core_fields = core.model_fields
    for field in dataclasses.fields(lite):
        assert field.name in core_fields, f"{name}.{field.name} is not a field of amplifier-core's {name}"
        core_field = core_fields[field.name]
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            assert core_field.is_required(), f"{name}.{field.name} is required here but optional in amplifier-core"
        elif not core_field.is_required() and field.default is not dataclasses.MISSING:
            assert core_field.default == field.default, f"{name}.{field.name} defaults differ"
    required_in_core = {n for n, f in core_fields.items() if f.is_required()}
    lite_names = {f.name for f in dataclasses.fields(lite)}
    assert required_in_core <= lite_names, f"{name} lacks required {required_in_core - lite_names}"


@pytest.mark.parametrize(
    "name", [n for n, v in vars(_lite_errors).items() if isinstance(v, type) and issubclass(v, Exception)]
)
def test_lite_errors_mirror_the_taxonomy(name):
    lite = getattr(_lite_errors, name)
    core = getattr(llm_errors, name)
    lite_bases = [b.__name__ for b in lite.__mro__ if b.__module__ == lite.__module__]
    core_bases = [b.__name__ for b in core.__mro__ if b.__module__ == core.__module__]
    assert lite_bases == core_bases
    assert lite("x").retryable == core("x").retryable
    assert set(typing.get_type_hints(lite.__init__)) - {"return"} <= set(typing.get_type_hints(core.__init__)) | {
        "retryable"
    }


def test_both_sides_export_the_same_names():
    from webllm_provider._compat import _amplifier

    assert set(_amplifier.__all__) == set(_lite_errors.__all__) | set(_lite_models.__all__)


def test_on_cpython_with_amplifier_core_the_provider_returns_its_types():
    assert compat.HAS_AMPLIFIER_CORE and not compat.IN_PYODIDE
    assert compat.ChatResponse is message_models.ChatResponse
    assert compat.ModelInfo is models.ModelInfo
    assert compat.ProviderUnavailableError is llm_errors.ProviderUnavailableError


@pytest.mark.parametrize("path", [NATIVE, CONSTRAINED])
async def test_every_field_the_provider_sets_round_trips_through_the_lite_types(path):
    """Build a response with the lite types the way Pyodide would, and compare dumps."""
    from webllm_provider import response as response_module
    from webllm_provider import tool_calling

    saved = {
        n: getattr(response_module, n)
        for n in ("ChatResponse", "Degradation", "TextBlock", "ThinkingBlock", "ToolCallBlock", "Usage")
    }
    saved_call = tool_calling.ToolCall
    if path == NATIVE:
        raw = completion(
            "<think>hm</think>ok",
            tool_calls=[{"id": "0", "type": "function", "function": {"name": "calc", "arguments": '{"a": 1}'}}],
            finish_reason="tool_calls",
        )
    else:
        raw = completion('{"tool_calls": [{"name": "calc", "arguments": {"a": 1}}]}')
    expected = Expected(ToolPlan(path, {"calc": {"name": "calc", "description": "", "parameters": {"type": "object"}}}))
    core_dump = response_module.to_chat_response(Reply.from_completion(raw), expected).model_dump()
    try:
        for n in saved:
            setattr(response_module, n, getattr(_lite_models, n))
        tool_calling.ToolCall = _lite_models.ToolCall
        lite_response = response_module.to_chat_response(Reply.from_completion(raw), expected)
    finally:
        for n, v in saved.items():
            setattr(response_module, n, v)
        tool_calling.ToolCall = saved_call
    assert isinstance(lite_response, _lite_models.ChatResponse)
    lite_dump = lite_response.model_dump()
    assert (core_dump["degradation"] is not None) is (path == CONSTRAINED)
    assert lite_dump == core_dump


def test_the_public_api_exports_every_type_and_error_the_provider_uses():
    """All of them or none: a caller never reaches into _compat for a block type or an error."""
    assert set(_lite_errors.__all__) | set(_lite_models.__all__) <= set(webllm_provider.__all__)
