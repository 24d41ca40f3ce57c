"""Pyodide's ``js`` module is JavaScript's ``globalThis``: each name is a JavaScript value, known only at run time."""

from typing import Any

def __getattr__(name: str) -> Any: ...
