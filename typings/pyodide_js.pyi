"""Pyodide's JavaScript API (what ``loadPyodide()`` resolves with), as Python sees it inside Pyodide."""

from typing import Any

def __getattr__(name: str) -> Any: ...
