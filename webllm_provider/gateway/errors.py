"""Failures as HTTP responses in OpenAI's error shape.

A failure that came from the tab keeps WebLLM's error name; which typed error
it is comes from ``webllm_provider.errors.from_bridge``, the one mapping. Here
only the typed error's class picks the status code. The body is OpenAI's
``{"error": {"message", "type", "param", "code"}}`` (so the official SDK
raises its typed exceptions), with ``type`` the typed error's class name,
``code`` WebLLM's error name, and ``webllm_message`` WebLLM's own text, which
``GatewayBridge`` turns back into the ``BridgeError`` the tab reported.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from .. import (
    AbortError,
    BridgeError,
    ConfigurationError,
    ContextLengthError,
    InvalidRequestError,
    InvalidToolCallError,
    LLMError,
    LLMTimeoutError,
    NetworkError,
    NotFoundError,
    ProviderUnavailableError,
)
from ..errors import PROVIDER, StructuredOutputError, from_bridge, renamed

# Most specific first: NetworkError is a ProviderUnavailableError.
_STATUS: tuple[tuple[type[LLMError], int], ...] = (
    (InvalidRequestError, 400),
    (ContextLengthError, 400),
    (NotFoundError, 404),
    (AbortError, 499),  # the client went away; nobody reads it
    (LLMTimeoutError, 504),
    (InvalidToolCallError, 502),
    (StructuredOutputError, 502),  # the model's JSON broke the schema
    (NetworkError, 502),
    (ProviderUnavailableError, 503),
    (ConfigurationError, 500),
)


def status_of(error: LLMError) -> int:
    return next((status for cls, status in _STATUS if isinstance(error, cls)), 500)


def error_body(error: LLMError, *, param: str | None = None, source: BridgeError | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": str(error),
        "type": type(error).__name__,
        "param": param,
        "code": source.name if source else None,
        "retryable": bool(getattr(error, "retryable", False)),
    }
    if source is not None:
        body["webllm_message"] = source.message
    return {"error": body}


def typed_response(error: LLMError, *, param: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(error, param=param), status_code=status_of(error), headers=headers)


def tab_failure(error: BridgeError, model: str | None) -> tuple[int, dict[str, Any]]:
    """Status and body for a failure the tab reported."""
    typed = from_bridge(error, model=model)
    # The name a Python bridge would see (NetworkError for a failed fetch), so the client's code says it too.
    return status_of(typed), error_body(typed, source=BridgeError(renamed(error.name, error.message), error.message))


def gateway_body(status: int, kind: str, message: str) -> dict[str, Any]:
    """The gateway's own refusals (token, size, queue full): no typed error of the taxonomy fits them."""
    return {"error": {"message": message, "type": kind, "param": None, "code": kind, "retryable": status in (429, 503)}}


def gateway_error(status: int, kind: str, message: str, *, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(gateway_body(status, kind, message), status_code=status, headers=headers)


def invalid(message: str, param: str | None = None) -> JSONResponse:
    return typed_response(InvalidRequestError(message, provider=PROVIDER), param=param)
