"""``GatewayBridge``: the provider's bridge contract (``webllm_provider.contract``)
over a gateway, so ``WebLLMProvider(bridge=GatewayBridge(url, token))`` runs on
CPython with the model in a browser tab.

Failures the tab reported come back as the ``BridgeError`` the tab's bridge
raised (WebLLM's name and message), so the provider maps them to typed errors
exactly as in the tab. The gateway's own refusals (token, size, full queue)
are raised as typed errors directly. Closing a stream closes the HTTP
response; the gateway then stops the generation in the tab.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from .. import ConfigurationError, InvalidRequestError, LLMError, ProviderUnavailableError
from ..contract import BridgeError, Description, ProgressCallback
from ..errors import PROVIDER
from ..protocol import STREAMED, GpuInfo, ModelRecord, Models

_REFUSALS: dict[int, type[LLMError]] = {
    400: InvalidRequestError,
    401: ConfigurationError,  # the token
    413: InvalidRequestError,
    415: InvalidRequestError,
    429: ProviderUnavailableError,  # the queue is full: retryable
    503: ProviderUnavailableError,
}


class GatewayBridge:
    def __init__(self, url: str, token: str, *, timeout: float | None = None) -> None:
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=10.0),
        )
        self._description = Description(self._describe)

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        response = await self._client.post("/v1/chat/completions", json=request)
        if response.status_code != 200:
            raise _failure(response.status_code, response.content)
        completion: dict[str, Any] = response.json()
        return completion

    async def stream(self, request: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        body = {**request, **STREAMED}
        async with aconnect_sse(self._client, "POST", "/v1/chat/completions", json=body) as source:
            if source.response.status_code != 200:
                raise _failure(source.response.status_code, await source.response.aread())
            async for event in source.aiter_sse():
                if event.data == "[DONE]":
                    return
                chunk = json.loads(event.data)
                if "error" in chunk:
                    raise _failure(200, event.data.encode())
                yield chunk

    async def list_models(self) -> list[ModelRecord]:
        return (await self._description.get())["models"]

    async def gpu_info(self) -> GpuInfo | None:
        # None until a tab has answered (then it is kept).
        return (await self._description.get())["gpu"]

    async def loaded_model(self) -> str | None:
        loaded: str | None = (await self._get("/api/status"))["loaded"]
        return loaded

    async def load(self, model_id: str, on_progress: ProgressCallback | None = None) -> None:
        """Load a model in a tab, with WebLLM's progress reports."""
        async with aconnect_sse(self._client, "POST", f"/api/models/{model_id}/load") as source:
            if source.response.status_code != 200:
                raise _failure(source.response.status_code, await source.response.aread())
            async for event in source.aiter_sse():
                if event.event == "progress" and on_progress is not None:
                    on_progress(json.loads(event.data))
                elif event.event == "error":
                    raise _failure(200, event.data.encode())
                elif event.event == "loaded":
                    return

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _describe(self) -> Models:
        described: Models = await self._get("/api/models")
        return described

    async def _get(self, path: str) -> Any:
        response = await self._client.get(path)
        if response.status_code != 200:
            raise _failure(response.status_code, response.content)
        return response.json()


def _failure(status: int, content: bytes) -> Exception:
    try:
        error = json.loads(content)["error"]
    except (ValueError, KeyError, TypeError):
        error = {"message": content.decode(errors="replace")[:500]}
    if "webllm_message" in error:
        return BridgeError(error["code"], error["webllm_message"])
    message = f"The gateway refused the request (HTTP {status}): {error.get('message')}"
    cls = _REFUSALS.get(status, LLMError)
    return cls(message, provider=PROVIDER, retryable=status in (429, 503))
