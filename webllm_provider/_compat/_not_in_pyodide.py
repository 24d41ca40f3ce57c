"""CPython: there is no JavaScript. The bridge is the one the caller passes, or,
when ``WEBLLM_GATEWAY_URL`` is set, a ``GatewayBridge`` to that local gateway
(so a provider mounted by Amplifier from its config finds the browser tab)."""

from __future__ import annotations

import os

from ..contract import Bridge
from ..engine_settings import EngineSettings

GATEWAY_URL = "WEBLLM_GATEWAY_URL"
GATEWAY_TOKEN = "WEBLLM_GATEWAY_TOKEN"  # also what `python -m webllm_provider.gateway` serves with


def default_bridge(settings: EngineSettings | None = None) -> Bridge | None:
    if settings is not None:
        from ..errors import PROVIDER
        from . import ConfigurationError  # amplifier-core's when it is installed, decided after this module

        raise ConfigurationError(
            "worker_url and app_config are for an engine the provider starts itself, in Pyodide; "
            "here the engine is the gateway's browser tab, which sets its own.",
            provider=PROVIDER,
        )
    url = os.environ.get(GATEWAY_URL)
    if not url:
        return None
    from ..gateway.client import GatewayBridge  # the gateway extra, imported only when asked for

    return GatewayBridge(url, os.environ.get(GATEWAY_TOKEN, ""))
