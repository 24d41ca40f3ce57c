"""Provider configuration: defaults, and the checks that keep bad values out."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, TypeGuard

from ._compat import ConfigurationError, InvalidRequestError
from .app_config import app_config_problem
from .engine_settings import EngineSettings
from .errors import PROVIDER

# auto: WebLLM's native function calling where the model has it, else constrained.
TOOL_MODES = ("auto", "native", "constrained")

# The ranges WebLLM's ``postInitAndCheckGenerationConfigValues`` (config.ts) enforces;
# WebLLM 0.2.86 does not export it, so tests/cpython/test_webllm_facts.py runs that
# function from the installed package against this table. name -> (low, low
# allowed, high, high allowed). Values must also be finite: JSON has no Infinity.
_RANGES: dict[str, tuple[float, bool, float, bool]] = {
    "temperature": (0.0, True, math.inf, False),
    "top_p": (0.0, False, 1.0, True),
    "frequency_penalty": (-2.0, True, 2.0, True),
    "presence_penalty": (-2.0, True, 2.0, True),
    "repetition_penalty": (0.0, False, math.inf, False),
}


_NOT_SAMPLING = (
    "default_model",
    "timeout",
    "tool_mode",
    "use_streaming",
    "max_retries",
    "retry_delay",
    "priority",
    "worker_url",
    "app_config",
)


def _interval(low: float, low_in: bool, high: float, high_in: bool) -> str:
    return f"{'[' if low_in else '('}{low}, {high if high != math.inf else 'inf'}{']' if high_in else ')'}"


def _finite(value: object) -> TypeGuard[float]:
    """A JSON number JavaScript reads as finite (a huge int would arrive as Infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _within(value: object, low: float, low_in: bool, high: float, high_in: bool) -> bool:
    if not _finite(value):
        return False
    above = value >= low if low_in else value > low
    below = value <= high if high_in else value < high
    return above and below


@dataclass(frozen=True)
class ProviderConfig:
    """What a user of an OpenAI-style provider expects to set.

    ``default_model`` left empty means: the model the bridge has loaded, or
    else the model the bridge's catalog recommends for this GPU (js/catalog.js decides).
    ``tool_mode`` picks the tool-calling path (see ``tool_calling``).
    Any field can be overridden per request.
    """

    default_model: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    repetition_penalty: float | None = None
    timeout: float | None = None
    tool_mode: str = "auto"
    # Amplifier's provider conventions: stream through hooks unless told not
    # to; retry a retryable failure (a lost GPU device, a crashed worker, a
    # failed download) this many times; rank among mounted providers (lower first).
    use_streaming: bool = True
    max_retries: int = 1
    retry_delay: float = 1.0
    priority: int = 100
    # For an engine the provider starts itself (Pyodide with no bridge a page
    # installed): the engine worker's script where a Content-Security-Policy
    # forbids blob: workers, and WebLLM's AppConfig for models of one's own.
    worker_url: str | None = None
    app_config: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, config: dict[str, Any] | None) -> ProviderConfig:
        config = dict(config or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigurationError(
                f"Unknown WebLLM provider config field(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}.",
                provider=PROVIDER,
            )
        if isinstance(config.get("stop"), str):
            config["stop"] = (config["stop"],)
        elif isinstance(config.get("stop"), list):
            config["stop"] = tuple(config["stop"])
        if config.get("tool_mode", "auto") not in TOOL_MODES:
            raise ConfigurationError(
                f"tool_mode must be one of {', '.join(TOOL_MODES)}, got {config['tool_mode']!r}.", provider=PROVIDER
            )
        _check_provider_fields(config)
        try:
            check_sampling(config)
        except InvalidRequestError as exc:
            raise ConfigurationError(str(exc), provider=PROVIDER) from None
        return cls(**config)

    def engine_settings(self) -> EngineSettings | None:
        """The settings for an engine the provider starts itself, if the config has any."""
        if self.worker_url is None and self.app_config is None:
            return None
        return EngineSettings(self.worker_url, self.app_config)

    def sampling(self) -> dict[str, Any]:
        """The non-empty sampling fields, named as WebLLM's request names them."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in _NOT_SAMPLING:
            values.pop(key)
        if values["stop"] is not None:
            values["stop"] = list(values["stop"])
        return {key: value for key, value in values.items() if value is not None}


def check_sampling(values: dict[str, Any]) -> None:
    """Raise InvalidRequestError naming the first sampling field out of range."""
    for name, bounds in _RANGES.items():
        value = values.get(name)
        if value is None:
            continue
        if not _within(value, *bounds):
            raise InvalidRequestError(
                f"{name} must be a number in {_interval(*bounds)} (WebLLM's range), got {value!r}.", provider=PROVIDER
            )
    max_tokens = values.get("max_tokens")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
        raise InvalidRequestError(f"max_tokens must be a positive integer, got {max_tokens!r}.", provider=PROVIDER)
    seed = values.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidRequestError(f"seed must be an integer, got {seed!r}.", provider=PROVIDER)
    timeout = values.get("timeout")
    if timeout is not None and (not _finite(timeout) or timeout <= 0):
        raise InvalidRequestError(f"timeout must be a positive number of seconds, got {timeout!r}.", provider=PROVIDER)
    stop = values.get("stop")
    if stop is not None and (not isinstance(stop, (list, tuple)) or not all(isinstance(s, str) for s in stop)):
        raise InvalidRequestError(f"stop must be a list of strings, got {stop!r}.", provider=PROVIDER)


def _check_provider_fields(config: dict[str, Any]) -> None:
    _check_engine_fields(config)
    if not isinstance(config.get("use_streaming", True), bool):
        raise ConfigurationError(
            f"use_streaming must be true or false, got {config['use_streaming']!r}.", provider=PROVIDER
        )
    for name, low in (("max_retries", 0), ("retry_delay", 0), ("priority", None)):
        value = config.get(name)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if value is not None and (not number or (low is not None and value < low)):
            bound = f" of at least {low}" if low is not None else ""
            raise ConfigurationError(f"{name} must be a number{bound}, got {value!r}.", provider=PROVIDER)


def _check_engine_fields(config: dict[str, Any]) -> None:
    worker_url = config.get("worker_url")
    if worker_url is not None and (not isinstance(worker_url, str) or not worker_url):
        raise ConfigurationError(f"worker_url must be a URL, got {worker_url!r}.", provider=PROVIDER)
    app_config = config.get("app_config")
    problem = app_config_problem(app_config) if app_config is not None else None
    if problem:
        raise ConfigurationError(f"app_config: {problem}", provider=PROVIDER)
