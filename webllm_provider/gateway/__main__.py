"""Serve the local WebLLM gateway (on 127.0.0.1 by default) and print the URL to open and the token.

``python -m webllm_provider.gateway``; the token comes from WEBLLM_GATEWAY_TOKEN or is new each start.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn

from .._compat._not_in_pyodide import GATEWAY_TOKEN
from .app import create_app
from .state import Settings

# A source checkout keeps the bundles js/build.mjs writes here.
CHECKOUT_WEB = Path(__file__).resolve().parents[2] / "build" / "web"


def main(argv: list[str] | None = None) -> None:
    defaults = Settings(token="")
    parser = argparse.ArgumentParser(prog="python -m webllm_provider.gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=defaults.host, help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument("--web-dir", default=str(CHECKOUT_WEB), help="the built bundles (npm run build)")
    parser.add_argument("--worker", default=defaults.worker, help="the engine worker, relative to --web-dir")
    parser.add_argument("--cache-size", type=int, default=defaults.cache_size, help="cached results (0: no cache)")
    parser.add_argument("--max-queue", type=int, default=defaults.max_queue)
    parser.add_argument("--max-body", type=int, default=defaults.max_body, help="bytes")
    parser.add_argument("--app-config", help="WebLLM AppConfig JSON of custom models; relative URLs: files next to it")
    parser.add_argument("--tab-wait", type=float, default=defaults.tab_wait, help="seconds a request waits for a tab")
    args = parser.parse_args(argv)
    token = os.environ.get(GATEWAY_TOKEN) or Settings().token
    settings = Settings(
        token=token,
        host=args.host,
        port=args.port,
        web_dir=args.web_dir,
        worker=args.worker,
        cache_size=args.cache_size,
        max_queue=args.max_queue,
        max_body=args.max_body,
        tab_wait=args.tab_wait,
        app_config=args.app_config,
    )
    try:
        app = create_app(settings)
    except (FileNotFoundError, ValueError) as unusable:
        raise SystemExit(str(unusable)) from None
    base = f"http://{args.host}:{args.port}"
    print(
        f"WebLLM gateway on {base}\n"
        f"Open this in a browser with WebGPU and keep the tab open:\n  {base}/#token={token}\n"
        f"OpenAI clients: base_url={base}/v1  api_key={token}",
        flush=True,
    )
    uvicorn.run(
        app, host=args.host, port=args.port, log_level="warning", ws="websockets-sansio", timeout_graceful_shutdown=5
    )


if __name__ == "__main__":
    main()
