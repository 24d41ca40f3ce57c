"""The project's own tooling (not in the wheel): the offline Pyodide folder
builder, the static server, headless Chromium and the gateway harness, shared
by tests/ and bench/ as ``from tools import chromium``."""
