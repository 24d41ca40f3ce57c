"""OpenAI's API: ``POST /v1/chat/completions`` (JSON or server-sent events) and ``GET /v1/models``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import NotFoundError
from ..catalog import is_chat_model
from ..errors import PROVIDER
from . import completions
from .completions import Completion, Refused
from .errors import typed_response
from .fields import Invalid
from .security import BodyError, read_json
from .state import Gateway
from .validate import chat_request


def gateway(request: Request) -> Gateway:
    state: Gateway = request.app.state.gateway  # Starlette's app state holds anything
    return state


async def read_chat(request: Request) -> dict[str, Any]:
    """The validated body; BodyError or Invalid before anything is queued."""
    return chat_request(await read_json(request, gateway(request).settings.max_body))


def refused(exc: Refused) -> JSONResponse:
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


async def chat_completions(request: Request) -> Response:
    try:
        run = Completion(gateway(request), await read_chat(request), "/v1/chat/completions")
        if not run.stream:
            return JSONResponse(await completions.complete(run, request))
        chunks = await completions.stream(run, request)
    except BodyError as exc:
        return exc.response
    except Invalid as exc:
        return typed_response(exc, param=exc.param)
    except Refused as exc:
        return refused(exc)
    return StreamingResponse(
        server_sent(chunks, include_usage=run.include_usage),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def server_sent(batches: AsyncIterator[list[dict[str, Any]]], *, include_usage: bool) -> AsyncIterator[str]:
    """OpenAI's stream: ``data: <chunk>`` events, then ``data: [DONE]``; a failure
    after the first chunk is an ``error`` event, as OpenAI sends it. Chunks that
    arrived together are written together."""
    try:
        async for batch in batches:
            events = "".join(
                f"data: {json.dumps(chunk, separators=(',', ':'))}\n\n"
                for chunk in batch
                if chunk.get("choices") or include_usage
            )
            if events:
                yield events
    except Refused as exc:
        yield f"data: {json.dumps(exc.body)}\n\n"
        return
    yield "data: [DONE]\n\n"


def _model(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["model_id"], "object": "model", "created": 0, "owned_by": "webllm"}


async def models(request: Request) -> Response:
    records, _ = gateway(request).catalog()
    return JSONResponse({"object": "list", "data": [_model(r) for r in records if is_chat_model(r)]})


async def model(request: Request) -> Response:
    model_id = request.path_params["model_id"]
    record = gateway(request).record(model_id)
    if record is None or not is_chat_model(record):
        return typed_response(NotFoundError(f"WebLLM has no chat model {model_id!r}.", provider=PROVIDER))
    return JSONResponse(_model(record))


ROUTES = [
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    Route("/v1/models", models, methods=["GET"]),
    Route("/v1/models/{model_id}", model, methods=["GET"]),
]
