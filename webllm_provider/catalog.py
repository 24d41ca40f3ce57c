"""WebLLM's model catalog as Amplifier ModelInfo.

The catalog comes from WebLLM itself (``prebuiltAppConfig.model_list``, read by
the bridge), never from a hand-kept list; see docs/bridge-protocol.md for the
record fields. Whether a model fits this GPU and which one to load by default
are js/catalog.js's verdicts, carried on the records: read here, never decided.
"""

from __future__ import annotations

import re
from typing import Any

from ._compat import ModelInfo, Pricing
from .protocol import ModelTypes

# The context window WebLLM's prebuilt models use when a record does not say.
DEFAULT_CONTEXT_WINDOW = 4096
_REASONING = re.compile(r"(DeepSeek-R1|Qwen3|QwQ)", re.IGNORECASE)
# WebLLM 0.2.86's ``functionCallingModelIds``: the models it accepts ``tools`` for.
# Kept here, not added to each record by the bridge, so a bridge that reports
# WebLLM's records as WebLLM has them gets native tools too;
# tests/cpython/test_webllm_facts.py checks it against WebLLM's own export.
FUNCTION_CALLING_MODELS = frozenset(
    {
        "Hermes-2-Pro-Llama-3-8B-q4f16_1-MLC",
        "Hermes-2-Pro-Llama-3-8B-q4f32_1-MLC",
        "Hermes-2-Pro-Mistral-7B-q4f16_1-MLC",
        "Hermes-3-Llama-3.1-8B-q4f32_1-MLC",
        "Hermes-3-Llama-3.1-8B-q4f16_1-MLC",
    }
)


def index(records: Any) -> dict[str, dict[str, Any]]:
    """The catalog by model id; only ``model_id`` is required of a record."""
    if not isinstance(records, list):
        raise ValueError(f"the catalog is {type(records).__name__}, not a list of model records")
    by_id = {}
    for position, record in enumerate(records):
        if not isinstance(record, dict) or not isinstance(record.get("model_id"), str):
            raise ValueError(f"catalog record {position} has no model_id")
        by_id[record["model_id"]] = record
    return by_id


def closest(model: str, ids: list[str]) -> list[str]:
    """The catalog ids most like ``model`` (a typo, a wrong quantisation), best first."""
    import difflib  # only for a model not found: importing it costs start-up in Pyodide (bench/README.md)

    return difflib.get_close_matches(model, ids, n=3, cutoff=0.5)


def native_tools(record: dict[str, Any]) -> bool:
    """Whether WebLLM takes ``tools`` for this model (its function-calling models)."""
    return record["model_id"] in FUNCTION_CALLING_MODELS


# Models whose thinking WebLLM can switch off (extra_body.enable_thinking; its
# docs: "currently only allowed to be used for Qwen3 models").
_SWITCHABLE_THINKING = re.compile(r"Qwen3", re.IGNORECASE)


def switches_thinking(model_id: str) -> bool:
    return _SWITCHABLE_THINKING.search(model_id) is not None


def capabilities(record: dict[str, Any]) -> list[str]:
    caps = ["local", "streaming", "json_mode", "tools"]
    caps.append("tools:native" if native_tools(record) else "tools:constrained")
    if is_vision_model(record):
        caps.append("vision")
    if _REASONING.search(record["model_id"]):
        caps.append("thinking")
    if record.get("low_resource_required"):
        caps.append("low_resource")
    caps.extend(f"feature:{feature}" for feature in record.get("required_features") or [])
    return caps


def free() -> Pricing:
    """A local model's price: nothing (amplifier-core's Pricing, which says None only for "unknown")."""
    return Pricing(input_per_million=0.0, output_per_million=0.0)


def model_info(record: dict[str, Any]) -> ModelInfo:
    # The bridge lifts it out of WebLLM's ``overrides``; a raw WebLLM record keeps it there.
    overrides = record.get("overrides")
    context = int(
        record.get("context_window_size")
        or (overrides.get("context_window_size") if isinstance(overrides, dict) else None)
        or DEFAULT_CONTEXT_WINDOW
    )
    label = record.get("label")  # js/catalog.js's; a raw WebLLM record has none
    return ModelInfo(
        id=record["model_id"],
        display_name=label if isinstance(label, str) and label else record["model_id"],
        context_window=context,
        max_output_tokens=context,
        capabilities=capabilities(record),
        defaults={},
        pricing=free(),
    )


def is_vision_model(record: dict[str, Any]) -> bool:
    return record.get("model_type") == ModelTypes.VLM


def is_chat_model(record: dict[str, Any]) -> bool:
    return record.get("model_type", ModelTypes.LLM) in (ModelTypes.LLM, ModelTypes.VLM)


def recommended(records: list[dict[str, Any]]) -> str | None:
    """The model the catalog recommends for this GPU; None from a bridge whose records carry no verdicts."""
    return next((record["model_id"] for record in records if record.get("recommended") is True), None)
