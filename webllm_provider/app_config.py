"""WebLLM's AppConfig, checked once for both places that take one: the provider's
``app_config`` (an engine it starts itself) and the gateway's ``--app-config`` file."""

from __future__ import annotations


def app_config_problem(config: object) -> str | None:
    """What makes ``config`` unusable as WebLLM's AppConfig (its ``model_list`` records), or None."""
    records = config.get("model_list") if isinstance(config, dict) else None
    if not isinstance(records, list) or not records:
        return "WebLLM's AppConfig needs a non-empty model_list."
    for index, record in enumerate(records):
        if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in ("model_id", "model")):
            return f"model_list[{index}] needs model_id and model (strings)."
        if not isinstance(record.get("model_lib"), str):
            return f"model_list[{index}] needs model_lib (the model's wasm URL)."
    return None
