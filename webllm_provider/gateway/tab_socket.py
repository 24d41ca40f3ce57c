"""The WebSocket a tab connects over (``/tab``), and the page that opens it (``/``).

Messages are JSON objects with a ``type`` (docs/gateway.md, "Tab protocol").
The handshake is refused (HTTP 403) unless the Origin is the gateway's own and
the token is offered as a subprotocol; nothing is read from such a socket.
"""

from __future__ import annotations

import asyncio
import html
import json

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..protocol import CLOSED_BY_GATEWAY, GATEWAY_SUBPROTOCOL, ToGateway, ToTab
from .app_config import MODELS_PATH
from .security import token_matches, websocket_token
from .tabs import Tab

HELLO_TIMEOUT_S = 30.0

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WebLLM gateway tab</title>
<style>body {{ font: 16px system-ui, sans-serif; margin: 2rem; color-scheme: light dark; }}</style>
</head>
<body data-worker="{worker}" data-app-config="{app_config}" data-models="{models}">
<h1>WebLLM gateway tab</h1>
<p>Keep this tab open: it runs the gateway's requests on this browser's GPU.</p>
<p>Status: <output id="status">starting</output></p>
<p>Model: <output id="model">none loaded</output></p>
<script type="module" src="/web/gateway-page.js"></script>
</body>
</html>
"""

PAGE_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def page(request: Request) -> HTMLResponse:
    worker = "/web/" + request.app.state.gateway.settings.worker
    app_config = request.app.state.app_config
    return HTMLResponse(
        PAGE.format(
            worker=html.escape(worker),
            app_config=html.escape(json.dumps(app_config)) if app_config else "",
            models=MODELS_PATH + "/",
        ),
        headers=PAGE_HEADERS,
    )


async def tab_socket(websocket: WebSocket) -> None:
    gw = websocket.app.state.gateway
    offered = websocket_token(websocket.scope.get("subprotocols", []))
    if websocket.headers.get("origin") not in gw.settings.origins or not token_matches(offered, gw.settings.token):
        await websocket.close(code=1008)  # before accept: the handshake fails with 403
        return
    await websocket.accept(subprotocol=GATEWAY_SUBPROTOCOL)
    try:
        hello = json.loads(await asyncio.wait_for(websocket.receive_text(), HELLO_TIMEOUT_S))
    except (TimeoutError, ValueError, KeyError, WebSocketDisconnect):
        await websocket.close(code=1002)
        return
    if not isinstance(hello, dict) or hello.get("type") != ToGateway.HELLO:
        await websocket.close(code=1002)
        return
    tab = Tab(models=hello.get("models") or [], gpu=hello.get("gpu") or {}, loaded=hello.get("loaded"))
    await websocket.send_json({"type": ToTab.WELCOME, "id": tab.id})
    gw.scheduler.connect(tab)
    writer = asyncio.create_task(_write(websocket, tab))
    try:
        while True:
            message = json.loads(await websocket.receive_text())
            if isinstance(message, dict):
                gw.scheduler.report(tab, message)
    except (WebSocketDisconnect, ValueError, KeyError, RuntimeError):
        pass
    finally:
        writer.cancel()
        gw.scheduler.disconnect(tab)


async def _write(websocket: WebSocket, tab: Tab) -> None:
    while True:
        message = await tab.outbox.get()
        await websocket.send_text(json.dumps(message, separators=(",", ":")))
        if message["type"] == ToTab.CLOSE:
            await websocket.close(code=CLOSED_BY_GATEWAY, reason=message.get("reason", ""))
            return
