"""The part of Pyodide's ``pyodide.ffi`` this package uses, for mypy (the module exists only inside Pyodide)."""

from collections.abc import Callable
from typing import Any

class JsException(Exception):
    name: str
    message: str

class JsProxy:
    # A JavaScript object: what its properties hold is known only at run time.
    def __getattr__(self, name: str) -> Any: ...

class JsDoubleProxy(JsProxy):
    def destroy(self) -> None: ...

def create_proxy(
    obj: Callable[..., object], /, *, capture_this: bool = False, roundtrip: bool = True
) -> JsDoubleProxy: ...
def to_js(obj: object, /, *, dict_converter: Callable[..., object] | None = None) -> Any: ...
