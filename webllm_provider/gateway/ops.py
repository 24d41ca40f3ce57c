"""The operational API under ``/api/``: health, status, models, load with
progress, batch, metrics, history, clear, and the tabs' sessions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import ConfigurationError, NotFoundError
from ..config import ProviderConfig
from ..contract import BridgeError
from ..errors import PROVIDER
from ..protocol import ToGateway, ToTab
from . import completions
from .completions import Completion, Refused
from .errors import gateway_error, invalid, tab_failure, typed_response
from .fields import Invalid
from .openai_api import gateway
from .security import BodyError, read_json
from .state import Gateway
from .tabs import QueueFull
from .validate import chat_request

MAX_HISTORY_LIMIT = 1000


async def health(request: Request) -> Response:
    scheduler = gateway(request).scheduler
    return JSONResponse({"status": "ok" if scheduler.tabs else "waiting for a tab", "tabs": len(scheduler.tabs)})


async def status(request: Request) -> Response:
    gw = gateway(request)
    scheduler = gw.scheduler
    return JSONResponse(
        {
            "tabs": [tab.describe() for tab in scheduler.tabs.values()],
            "queue": {"waiting": len(scheduler.pending), "capacity": scheduler.max_queue},
            "cache": gw.cache.stats(),
            "loaded": gw.loaded_model(),
        }
    )


def _describe_model(gw: Gateway, record: dict[str, Any]) -> dict[str, Any]:
    """The tab's record, with its verdicts (``fits``, ``recommended``: js/catalog.js), and this gateway's view."""
    return {
        **record,
        "config": gw.model_config.get(record["model_id"], {}),
        "loaded_in": gw.loaded_in(record["model_id"]),
    }


async def models(request: Request) -> Response:
    """WebLLM's catalog. ``?recommended=true``: the catalog's pick for this GPU;
    ``?fits=true``: what this GPU can run."""
    gw = gateway(request)
    records, gpu = gw.catalog()
    described = [_describe_model(gw, r) for r in records]
    for flag in ("recommended", "fits"):
        if request.query_params.get(flag) == "true":
            described = [m for m in described if m[flag]]
    return JSONResponse({"models": described, "gpu": gpu})


async def model_info(request: Request) -> Response:
    gw = gateway(request)
    model_id = request.path_params["model_id"]
    record = gw.record(model_id)
    if record is None:
        return typed_response(NotFoundError(f"WebLLM has no model {model_id!r}.", provider=PROVIDER, model=model_id))
    return JSONResponse(_describe_model(gw, record))


async def configure(request: Request) -> Response:
    """Sampling defaults for one model's requests (the provider's config fields; a request's own values win)."""
    gw = gateway(request)
    model_id = request.path_params["model_id"]
    if gw.record(model_id) is None:
        return typed_response(NotFoundError(f"WebLLM has no model {model_id!r}.", provider=PROVIDER, model=model_id))
    try:
        body = await read_json(request, gw.settings.max_body)
        if not isinstance(body, dict) or {"default_model", "timeout", "tool_mode"} & set(body):
            return invalid("The body must be an object of sampling fields (temperature, top_p, max_tokens, ...).")
        config = ProviderConfig.from_dict(body).sampling()
    except BodyError as exc:
        return exc.response
    except ConfigurationError as exc:
        return invalid(str(exc))
    gw.model_config[model_id] = config
    return JSONResponse({"model": model_id, "config": config})


async def load(request: Request) -> Response:
    """Loads a model in a tab; answers with server-sent ``progress`` events, then ``loaded`` or ``error``."""
    gw = gateway(request)
    model_id = request.path_params["model_id"]
    try:
        job = gw.scheduler.submit(ToTab.LOAD, {"model": model_id})
    except QueueFull as full:
        return gateway_error(429, "rate_limit_error", str(full), headers={"Retry-After": str(full.retry_after)})

    async def events() -> AsyncIterator[str]:
        try:
            while True:
                kind, value = await job.next_event()
                if kind != ToGateway.PROGRESS:
                    break
                yield f"event: progress\ndata: {json.dumps(value)}\n\n"
            yield f"event: loaded\ndata: {json.dumps({'model': model_id, 'tab': job.tab.id if job.tab else None})}\n\n"
        except BridgeError as exc:
            yield f"event: error\ndata: {json.dumps(tab_failure(exc, model_id)[1])}\n\n"
        finally:
            gw.scheduler.cancel(job)

    return StreamingResponse(events(), media_type="text/event-stream")


async def batch(request: Request) -> Response:
    """``{"requests": [chat completion bodies]}``: each run as ``/v1/chat/completions`` would, side by side."""
    gw = gateway(request)
    try:
        body = await read_json(request, gw.settings.max_body)
        bodies = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(bodies, list) or not bodies:
            return invalid("requests must be a non-empty list of chat completion requests.", "requests")
        if len(bodies) > gw.settings.max_queue:
            return invalid(f"A batch holds at most {gw.settings.max_queue} requests.", "requests")
        for index, item in enumerate(bodies):
            if isinstance(item, dict) and item.get("stream"):
                return invalid("Batch requests are not streamed.", f"requests[{index}].stream")
            try:
                chat_request(item)
            except Invalid as exc:
                return invalid(f"requests[{index}]: {exc}", f"requests[{index}].{exc.param}")
    except BodyError as exc:
        return exc.response
    started = time.perf_counter()
    results = await asyncio.gather(*(_one(gw, item) for item in bodies))
    tokens = sum((r.get("response") or {}).get("usage", {}).get("total_tokens", 0) for r in results)
    succeeded = sum(1 for r in results if r["status"] == 200)
    return JSONResponse(
        {
            "results": [{"index": i, **r} for i, r in enumerate(results)],
            "totals": {
                "prompts": len(results),
                "succeeded": succeeded,
                "failed": len(results) - succeeded,
                "total_time_ms": round((time.perf_counter() - started) * 1000, 3),
                "total_tokens": tokens,
            },
        }
    )


async def _one(gw: Gateway, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"status": 200, "response": await completions.complete(Completion(gw, body, "/api/batch"))}
    except Refused as exc:
        return {"status": exc.status, **exc.body}


async def metrics(request: Request) -> Response:
    gw = gateway(request)
    return JSONResponse(
        {
            "metrics": gw.metrics.totals(),
            "cache": gw.cache.stats(),
            "queue": {"waiting": len(gw.scheduler.pending), "capacity": gw.scheduler.max_queue},
            "tabs": len(gw.scheduler.tabs),
        }
    )


async def history(request: Request) -> Response:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_HISTORY_LIMIT:
        return invalid(f"limit must be an integer from 1 to {MAX_HISTORY_LIMIT}.", "limit")
    return JSONResponse({"history": gateway(request).metrics.recent(int(raw))})


async def clear(request: Request) -> Response:
    """Forget history, metrics and cached results (tabs and queued requests stay)."""
    gw = gateway(request)
    gw.metrics.clear()
    gw.cache.clear()
    return JSONResponse({"cleared": ["history", "metrics", "cache"]})


async def sessions(request: Request) -> Response:
    return JSONResponse({"sessions": [tab.describe() for tab in gateway(request).scheduler.tabs.values()]})


async def session(request: Request) -> Response:
    tab = gateway(request).scheduler.tabs.get(request.path_params["session_id"])
    if tab is None:
        return typed_response(NotFoundError("No tab with this session id is connected.", provider=PROVIDER))
    if request.method == "DELETE":
        tab.post({"type": ToTab.CLOSE, "reason": "closed through the API"})
        return JSONResponse({"id": tab.id, "status": "closing"})
    return JSONResponse(tab.describe())


ROUTES = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/status", status, methods=["GET"]),
    Route("/api/models", models, methods=["GET"]),
    Route("/api/models/{model_id}", model_info, methods=["GET"]),
    Route("/api/models/{model_id}/load", load, methods=["POST"]),
    Route("/api/models/{model_id}/config", configure, methods=["PUT"]),
    Route("/api/batch", batch, methods=["POST"]),
    Route("/api/metrics", metrics, methods=["GET"]),
    Route("/api/history", history, methods=["GET"]),
    Route("/api/clear", clear, methods=["POST"]),
    Route("/api/sessions", sessions, methods=["GET"]),
    Route("/api/sessions/{session_id}", session, methods=["GET", "DELETE"]),
]
