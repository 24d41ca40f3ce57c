"""The JavaScript the wheel carries, and where: tools/build_pyodide_dist.py puts it
there, self_start.py starts it. Stdlib only, so the build reads it too."""

FOLDER = "_web"
BRIDGE = "webllm-bridge.js"  # js/self-start.js bundled with the part of WebLLM that drives an engine
ENGINE = "webllm-provider.js"  # js/self-start-engine.js bundled with all of WebLLM
# Each bundle's name in the wheel. The engine goes in gzipped: Pyodide inflates every file of a
# wheel it installs, in wasm, on every page that installs it, and this 6 MB one took most of the
# install (75-150 ms); the browser inflates it natively, and only when Python starts that engine.
IN_WHEEL = {BRIDGE: BRIDGE, ENGINE: ENGINE + ".gz"}

# What a page whose Content-Security-Policy forbids blob: scripts or workers does instead; Python
# says it, and hands it to js/self-start.js, which says it when the worker is the one refused.
WITHOUT_BLOB = (
    f"serve webllm_provider/{FOLDER}/{IN_WHEEL[ENGINE]} (in the wheel) decompressed, as {ENGINE}, from this "
    'origin and pass its URL as "worker_url" in the provider\'s config.'
)
