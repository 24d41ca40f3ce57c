"""The agent's tools: plain Python functions, each described by a JSON Schema.

The provider already checks every tool call the model makes against the
tool's schema before the session sees it. A tool still checks again (the
schema, then the types it relies on) because it may be called from elsewhere,
and a tool must never trust its input. Whatever goes wrong inside a tool is a
``ToolError``, which the session hands back to the model as the tool's result.

Tools here:
- ``calculator``: arithmetic by walking Python's AST (never ``eval``);
- ``todo``: a to-do list kept in the browser's localStorage;
- ``browser_storage``: read and write localStorage, in a namespace of its own.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import math
import operator
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from webllm_provider import schema


class ToolError(Exception):
    """A tool could not do what it was asked; the message is for the model."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[..., Any]  # keyword arguments -> JSON-able result (may be async)

    def spec(self) -> dict[str, Any]:
        """What goes into ``ChatRequest.tools``."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}


@dataclass(frozen=True)
class ToolOutcome:
    ok: bool
    output: Any  # the result, or {"error": message}
    duration_ms: float


class Toolbox:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {tool.name: tool for tool in tools}

    def __contains__(self, name: str) -> bool:
        return name in self._tools

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[dict[str, Any]]:
        return [tool.spec() for tool in self._tools.values()]

    async def call(self, name: str, arguments: Any) -> ToolOutcome:
        """Run one tool call. Never raises (except cancellation): failures become outcomes."""
        started = time.perf_counter()

        def done(ok: bool, output: Any) -> ToolOutcome:
            return ToolOutcome(ok, output, round((time.perf_counter() - started) * 1000, 2))

        tool = self._tools.get(name)
        if tool is None:
            return done(False, {"error": f"There is no tool named {name!r}. Tools: {', '.join(self._tools)}."})
        if not isinstance(arguments, dict):
            return done(
                False, {"error": f"Arguments for {name} must be a JSON object, got {type(arguments).__name__}."}
            )
        problems = schema.errors(arguments, tool.parameters)
        if problems:
            return done(False, {"error": f"Invalid arguments for {name}: {'; '.join(problems[:3])}"})
        try:
            result = tool.run(**arguments)
            if inspect.isawaitable(result):
                result = await result
            json.dumps(result)  # a result the model cannot read is a bug in the tool
        except ToolError as exc:
            return done(False, {"error": str(exc)})
        except Exception as exc:  # a tool bug must not end the conversation
            return done(False, {"error": f"{name} failed: {type(exc).__name__}: {exc}"})
        return done(True, result)


def _require(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    # bool is an int in Python, never in JSON Schema.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ToolError(f"{what} has the wrong type (bool).")
    if not isinstance(value, kind):
        raise ToolError(f"{what} has the wrong type ({type(value).__name__}).")
    return value


# ---------------------------------------------------------------- calculator

MAX_EXPRESSION = 300
MAX_NODES = 200
MAX_EXPONENT = 10_000
MAX_INT_BITS = 20_000

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "floor": math.floor,
    "ceil": math.ceil,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}


def _power(base: Any, exponent: Any) -> Any:
    if abs(exponent) > MAX_EXPONENT:
        raise ToolError(f"The exponent {exponent} is too large (limit {MAX_EXPONENT}).")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        if base.bit_length() * exponent > MAX_INT_BITS:
            raise ToolError("The result would be too large to compute.")
    return operator.pow(base, exponent)


def _multiply(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise ToolError("The result would be too large to compute.")
    return a * b


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: _multiply,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _power,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def evaluate(expression: str) -> int | float:
    """The value of an arithmetic expression; ``^`` means power, as people write it."""
    _require(expression, str, "expression")
    text = expression.strip().replace("^", "**").replace("×", "*").replace("÷", "/")
    if not text:
        raise ToolError("The expression is empty.")
    if len(text) > MAX_EXPRESSION:
        raise ToolError(f"The expression is longer than {MAX_EXPRESSION} characters.")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"Not an arithmetic expression: {exc.msg}.") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ToolError("The expression is too complex.")
    try:
        value = _eval(tree.body)
    except ZeroDivisionError:
        raise ToolError("Division by zero.") from None
    except OverflowError:
        raise ToolError("The result is too large.") from None
    except (ValueError, TypeError) as exc:
        raise ToolError(f"Math error: {exc}.") from None
    if isinstance(value, complex):
        raise ToolError("The result is a complex number; only real arithmetic is supported.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolError("The result is not a finite number.")
    number: int | float = value  # what is left of _eval's numbers
    return number


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
        and node.args
    ):
        return _FUNCTIONS[node.func.id](*(_eval(arg) for arg in node.args))
    allowed = ", ".join(sorted(_FUNCTIONS)) + ", " + ", ".join(_CONSTANTS)
    raise ToolError(f"Unsupported element {ast.unparse(node)!r}: use numbers, + - * / // % ** ( ) and {allowed}.")


def calculator(expression: str) -> dict[str, Any]:
    value = evaluate(expression)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    elif isinstance(value, float):
        value = float(f"{value:.12g}")
    return {"expression": expression, "result": value}


CALCULATOR = Tool(
    name="calculator",
    description="Evaluate an arithmetic expression exactly, e.g. '(17 * 23) + 2**10' or 'sqrt(2) * pi'. "
    "Use it for any calculation instead of computing in your head.",
    parameters={
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_EXPRESSION,
                "description": "Numbers, + - * / // % ** ^ ( ), and sqrt, log, sin, cos, ..., pi, e",
            }
        },
        "required": ["expression"],
        "additionalProperties": False,
    },
    run=calculator,
)


# ------------------------------------------------------------- browser storage


class KeyValueStore(Protocol):
    """The slice of the Web Storage API the tools use (``localStorage``)."""

    def getItem(self, key: str) -> str | None: ...  # noqa: N802 (the Web API's names)
    def setItem(self, key: str, value: str) -> None: ...  # noqa: N802
    def removeItem(self, key: str) -> None: ...  # noqa: N802
    def key(self, index: int) -> str | None: ...
    @property
    def length(self) -> int: ...


class MemoryStore:
    """A dict with localStorage's interface, for tests and for pages without storage."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def getItem(self, key: str) -> str | None:  # noqa: N802
        return self.data.get(key)

    def setItem(self, key: str, value: str) -> None:  # noqa: N802
        self.data[key] = str(value)

    def removeItem(self, key: str) -> None:  # noqa: N802
        self.data.pop(key, None)

    def key(self, index: int) -> str | None:
        keys = list(self.data)
        return keys[index] if 0 <= index < len(keys) else None

    @property
    def length(self) -> int:
        return len(self.data)


def browser_local_storage() -> KeyValueStore:
    """The page's localStorage (in Pyodide), or a MemoryStore where there is none."""
    try:
        import js  # Pyodide's view of globalThis

        store: KeyValueStore = js.localStorage  # the Web Storage API has KeyValueStore's shape
        store.length  # noqa: B018  (throws where storage is disabled)
        return store
    except Exception:
        return MemoryStore()


def _guard(action: Callable[[], Any]) -> Any:
    # localStorage throws on a full quota or when the user disabled storage.
    try:
        return action()
    except ToolError:
        raise
    except Exception as exc:
        raise ToolError(f"The browser's storage refused: {exc}") from None


STORAGE_PREFIX = "agent:"
TODO_KEY = "agent-todo"  # outside STORAGE_PREFIX, so browser_storage cannot clobber it
MAX_VALUE = 4000
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def make_storage_tool(store: KeyValueStore) -> Tool:
    def browser_storage(action: str, key: str | None = None, value: str | None = None) -> dict[str, Any]:
        _require(action, str, "action")
        if action == "list":
            keys = []
            for i in range(_guard(lambda: int(store.length))):
                name = _guard(functools.partial(store.key, i))
                if isinstance(name, str) and name.startswith(STORAGE_PREFIX):
                    keys.append(name[len(STORAGE_PREFIX) :])
            return {"keys": sorted(keys)}
        if key is None:
            raise ToolError(f"The action {action!r} needs a key.")
        _require(key, str, "key")
        if not _KEY.match(key):
            raise ToolError("Keys are 1-64 characters: letters, digits, '_', '.', '-'.")
        full = STORAGE_PREFIX + key
        if action == "get":
            stored = _guard(lambda: store.getItem(full))
            return {"key": key, "found": stored is not None, "value": stored}
        if action == "set":
            if value is None:
                raise ToolError("The action 'set' needs a value.")
            _require(value, str, "value")
            if len(value) > MAX_VALUE:
                raise ToolError(f"Values are at most {MAX_VALUE} characters.")
            _guard(lambda: store.setItem(full, value))
            return {"key": key, "saved": True}
        if action == "delete":
            existed = _guard(lambda: store.getItem(full)) is not None
            _guard(lambda: store.removeItem(full))
            return {"key": key, "deleted": existed}
        raise ToolError(f"Unknown action {action!r}.")

    return Tool(
        name="browser_storage",
        description="Remember things across page reloads in this browser's local storage: "
        "action 'set' stores a string value under a key, 'get' reads it, 'delete' removes it, 'list' shows the keys.",
        parameters={
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["get", "set", "delete", "list"]},
                "key": {"type": "string", "pattern": _KEY.pattern},
                "value": {"type": "string", "maxLength": MAX_VALUE},
            },
            "required": ["action"],
            "additionalProperties": False,
        },
        run=browser_storage,
    )


# ------------------------------------------------------------------- to-do list


def make_todo_tool(store: KeyValueStore) -> Tool:
    def load() -> list[dict[str, Any]]:
        raw = _guard(lambda: store.getItem(TODO_KEY))
        try:
            items = json.loads(raw) if raw else []
        except ValueError:
            items = []
        return (
            [i for i in items if isinstance(i, dict) and isinstance(i.get("id"), int)]
            if isinstance(items, list)
            else []
        )

    def save(items: list[dict[str, Any]]) -> None:
        _guard(lambda: store.setItem(TODO_KEY, json.dumps(items)))

    def find(items: list[dict[str, Any]], item_id: Any) -> dict[str, Any]:
        if item_id is None:
            raise ToolError("This action needs the item's id (see action 'list').")
        _require(item_id, int, "id")
        for item in items:
            if item["id"] == item_id:
                return item
        raise ToolError(f"There is no to-do item with id {item_id}.")

    def todo(action: str, text: str | None = None, id: int | None = None) -> dict[str, Any]:  # noqa: A002
        _require(action, str, "action")
        items = load()
        if action == "add":
            if text is None:
                raise ToolError("The action 'add' needs text.")
            _require(text, str, "text")
            if not text.strip():
                raise ToolError("The to-do text is empty.")
            item = {"id": max((i["id"] for i in items), default=0) + 1, "text": text.strip()[:200], "done": False}
            items.append(item)
            save(items)
            return {"added": item, "items": items}
        if action == "list":
            return {"items": items}
        if action == "complete":
            find(items, id)["done"] = True
            save(items)
            return {"completed": id, "items": items}
        if action == "remove":
            items.remove(find(items, id))
            save(items)
            return {"removed": id, "items": items}
        raise ToolError(f"Unknown action {action!r}.")

    return Tool(
        name="todo",
        description="The user's to-do list (kept in this browser): action 'add' with text, "
        "'list', 'complete' with id, 'remove' with id.",
        parameters={
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["add", "list", "complete", "remove"]},
                "text": {"type": "string", "minLength": 1, "maxLength": 200},
                "id": {"type": "integer", "minimum": 1},
            },
            "required": ["action"],
            "additionalProperties": False,
        },
        run=todo,
    )


def default_toolbox(store: KeyValueStore | None = None) -> Toolbox:
    store = store if store is not None else browser_local_storage()
    return Toolbox([CALCULATOR, make_todo_tool(store), make_storage_tool(store)])
