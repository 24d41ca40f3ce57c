"""The JavaScript the wheel carries, and where: tools/build_pyodide_dist.py puts it
there, self_start.py starts it. Stdlib only, so the build reads it too."""

FOLDER = "_web"
BRIDGE = "webllm-bridge.js"  # js/self-start.js bundled with the part of WebLLM that drives an engine
ENGINE = "webllm-provider.js"  # js/self-start-engine.js bundled with all of WebLLM's JavaScript
# WebLLM's emscripten modules, which the engine fetches when a model loads: files beside it
# (js/webllm-bundling.mjs names them), not base64 text inside it that every worker start parses.
WASM = ".wasm"
GZIPPED = ".gz"


def packed(name: str) -> str:
    """A bundled file's name in the wheel. The engine and its wasm go in gzipped: Pyodide inflates
    every file of a wheel it installs, in wasm, on every page that installs it, and the engine's
    6 MB (WebLLM's wasm inlined, then) took most of the install (75-150 ms); the browser inflates
    them natively, and only when Python starts that engine."""
    return name if name == BRIDGE else name + GZIPPED


def unpacked(in_wheel: str) -> str:
    """A bundled file's own name, from its name in the wheel (``packed``'s inverse)."""
    return in_wheel.removesuffix(GZIPPED)


# What a page whose Content-Security-Policy forbids blob: scripts or workers does instead; Python
# says it, and hands it to js/self-start.js, which says it when the worker is the one refused.
WITHOUT_BLOB = (
    f"serve webllm_provider/{FOLDER}/{packed(ENGINE)} and each {packed('*' + WASM)} there (in the wheel), "
    f"decompressed as {ENGINE} and *{WASM} side by side, from this origin, and pass the URL of {ENGINE} "
    'as "worker_url" in the provider\'s config.'
)
