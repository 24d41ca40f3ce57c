"""The ASGI application: ``create_app(Settings(...))``."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from . import openai_api, ops
from .app_config import MODELS_PATH, ModelFolder, read_app_config
from .security import RequireToken
from .state import Gateway, Settings
from .tab_socket import page, tab_socket


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    if not (Path(settings.web_dir) / "gateway-page.js").is_file():
        raise FileNotFoundError(f"{settings.web_dir} has no gateway-page.js: build the bundles (npm run build)")
    models: list[Mount] = []
    app_config = None
    if settings.app_config:
        app_config = read_app_config(settings.app_config)
        models.append(Mount(MODELS_PATH, ModelFolder(str(Path(settings.app_config).resolve().parent))))
    app = Starlette(
        routes=[
            *models,
            Route("/", page, methods=["GET"]),
            WebSocketRoute("/tab", tab_socket),
            *openai_api.ROUTES,
            *ops.ROUTES,
            Mount("/web", StaticFiles(directory=settings.web_dir)),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=sorted({settings.host, "127.0.0.1", "localhost"})),
            Middleware(RequireToken, token=settings.token),
        ],
    )
    app.state.gateway = Gateway(settings)
    app.state.app_config = app_config
    return app
