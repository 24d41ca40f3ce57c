"""What stands between a local port and every website the user visits.

- The token: every API call carries ``Authorization: Bearer <token>``; the
  tab's WebSocket offers it as a subprotocol (``token.<token>``), the one
  header a browser lets a page set on a WebSocket. Compared in constant time.
- The WebSocket's ``Origin`` must be the gateway's own: another site's page
  cannot become a tab, even on the user's machine.
- ``Host`` must be a loopback name (Starlette's TrustedHostMiddleware), so a
  DNS-rebound name cannot reach the API from a foreign page.
- No CORS headers at all: a foreign page's fetch cannot read an answer, and
  its preflight for the Authorization header fails.
- Bodies are JSON, and read up to a size limit before anything is parsed.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..protocol import GATEWAY_TOKEN_PREFIX
from .errors import gateway_error

PROTECTED = ("/v1/", "/api/")


class BodyError(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.response = gateway_error(status, kind, message)


def token_matches(offered: str | None, token: str) -> bool:
    return offered is not None and hmac.compare_digest(offered.encode(), token.encode())


class RequireToken:
    """ASGI middleware: API paths answer 401 without the bearer token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PROTECTED):
            header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            scheme, _, offered = header.partition(" ")
            if scheme.lower() != "bearer" or not token_matches(offered.strip(), self.token):
                response = gateway_error(
                    401, "authentication_error", "Missing or wrong token: send Authorization: Bearer <token>."
                )
                response.headers["WWW-Authenticate"] = "Bearer"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def websocket_token(subprotocols: list[str]) -> str | None:
    return next((p[len(GATEWAY_TOKEN_PREFIX) :] for p in subprotocols if p.startswith(GATEWAY_TOKEN_PREFIX)), None)


async def read_json(request: Request, limit: int) -> Any:
    """The body parsed as JSON; BodyError (413, 415, 400) before anything else happens."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BodyError(415, "invalid_request_error", "Send the body as JSON (Content-Type: application/json).")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyError(413, "request_too_large", f"The body is larger than the gateway's limit of {limit} bytes.")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise BodyError(413, "request_too_large", f"The body is larger than the gateway's limit of {limit} bytes.")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(400, "invalid_request_error", f"The body is not valid JSON: {exc}.") from None
