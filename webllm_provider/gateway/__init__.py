"""The local gateway: a browser tab's WebLLM as an OpenAI-compatible endpoint
and an Amplifier provider for CPython.

``python -m webllm_provider.gateway`` serves it; a tab opened on its page runs
the requests on the project's own bridge and worker. CPython only (the
``gateway`` extra); the core package never imports it. See docs/gateway.md.
"""

from .app import create_app
from .client import GatewayBridge
from .state import Settings

__all__ = ["GatewayBridge", "Settings", "create_app"]
