"""JSON Schema 2020-12 checking for tool arguments and structured replies, stdlib only.

Why not a library: ``jsonschema`` needs ``rpds-py``, which has no pure-Python
wheel for the offline Pyodide folder; ``fastjsonschema`` writes Python source
for each schema and ``exec``s it (this package runs nothing as code) and stops
at draft 7. So this module checks every keyword of 2020-12's applicator and
validation vocabularies but three (``unevaluatedProperties``,
``unevaluatedItems``, ``$dynamicRef``), and ``check_schema`` refuses up front a
schema that uses one of those, a keyword it does not know or a malformed value:
nothing is ignored in silence. Annotations (``title``, ``description``,
``default``, ``format``, ...) are accepted and not asserted, as 2020-12 says.
``$ref`` reaches local JSON pointers (``#/$defs/...``). Results agree with the
``jsonschema`` package (tests/cpython/test_schema.py compares them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer(),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$anchor",
        "$comment",
        "$vocabulary",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
    }
)
_UNCHECKED = frozenset(
    {"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor"}
)
# Keywords whose value is one schema, a map of schemas, or a list of them.
_ONE = ("not", "if", "then", "else", "items", "additionalProperties", "propertyNames", "contains")
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_COUNTS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
)
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_OTHER = (
    "type",
    "enum",
    "const",
    "required",
    "dependentRequired",
    "uniqueItems",
    "pattern",
    "multipleOf",
    "$ref",
    "$id",
)
_KNOWN = frozenset((*_ONE, *_MAP, *_LIST, *_COUNTS, *_BOUNDS, *_OTHER)) | _ANNOTATIONS
# Applied to the same value as the schema they sit in: a cycle of these never ends.
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "$ref")


class SchemaError(ValueError):
    """A schema this module cannot check: malformed, or using a keyword it does not check."""

    def __init__(self, keyword: str, path: str, problem: str) -> None:
        super().__init__(f"keyword {keyword!r} at {path}: {problem}")
        self.keyword = keyword
        self.path = path


def errors(instance: Any, schema: Any) -> list[str]:
    """Every way ``instance`` breaks ``schema``, as ``path: reason`` lines (empty: valid).

    ``schema`` must have passed ``check_schema`` (the provider checks tool and
    response schemas when the request is built, once).
    """
    found: list[str] = []
    try:
        _check(instance, schema, "$", schema, found)
    except RecursionError:
        return ["$: nested too deeply to check"]
    return found


def check_schema(schema: Any) -> None:
    """Raise SchemaError naming the first keyword that is malformed or not checked here."""
    nodes: dict[int, _Node] = {}
    try:
        _walk(schema, "#", schema, nodes)
        state: dict[int, bool] = {}
        for node in nodes.values():
            _refuse_cycles(node, nodes, state)
    except RecursionError:
        raise SchemaError("(schema)", "#", "nested too deeply to check") from None


class _Node:
    """A subschema, where it is, and the subschemas applied to the same value as it."""

    def __init__(self, schema: dict[str, Any], path: str) -> None:
        self.schema = schema
        self.path = path
        self.same_value: list[Any] = []


def _walk(schema: Any, path: str, root: Any, nodes: dict[int, _Node], keyword: str = "(schema)") -> None:
    """Check every subschema once; ``keyword`` is the one that holds this one."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise SchemaError(keyword, path, f"a schema is an object or a boolean, not {type(schema).__name__}")
    if id(schema) in nodes:
        return
    node = nodes[id(schema)] = _Node(schema, path)
    for keyword, value in schema.items():
        _check_keyword(keyword, value, path, schema is root)
    for keyword, value in schema.items():
        if keyword == "$ref":
            children = [(_resolve(value, root, path), value)]
        elif keyword in _ONE:
            children = [(value, f"{path}/{keyword}")]
        elif keyword in _MAP:
            children = [(sub, f"{path}/{keyword}/{name}") for name, sub in value.items()]
        elif keyword in _LIST:
            children = [(sub, f"{path}/{keyword}/{position}") for position, sub in enumerate(value)]
        else:
            continue
        if keyword in _IN_PLACE:
            node.same_value.extend(child for child, _ in children if isinstance(child, dict))
        for child, child_path in children:
            _walk(child, child_path, root, nodes, keyword)


def _refuse_cycles(node: _Node, nodes: dict[int, _Node], state: dict[int, bool]) -> None:
    """Refuse a schema that, through $ref, allOf, not, ..., applies itself to the same value without end."""
    key = id(node.schema)
    if state.get(key) is True:  # finished: no cycle through it
        return
    if state.get(key) is False:  # still on the current path
        raise SchemaError("$ref", node.path, "the schema applies itself to the same value without end")
    state[key] = False
    for child in node.same_value:
        _refuse_cycles(nodes[id(child)], nodes, state)
    state[key] = True


def _count(value: Any) -> bool:
    return _TYPES["integer"](value) and value >= 0


def _number(value: Any) -> bool:
    return _TYPES["number"](value) and math.isfinite(value)


def _names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(n, str) for n in value) and len(set(value)) == len(value)


def _compiles(pattern: Any) -> bool:
    try:
        re.compile(pattern)
    except (re.error, TypeError, OverflowError, RecursionError):
        return False
    return True


def _check_keyword(keyword: str, value: Any, path: str, at_root: bool) -> None:
    def refuse(problem: str) -> None:
        raise SchemaError(keyword, path, problem)

    if keyword in _UNCHECKED:
        refuse("this provider does not check it; express the rule with other keywords")
    if keyword not in _KNOWN:
        refuse("not a JSON Schema 2020-12 keyword this provider checks")
    if keyword in _MAP and not isinstance(value, dict):
        refuse("must be an object of schemas")
    if keyword in _LIST and not (isinstance(value, list) and value):
        refuse("must be a non-empty array of schemas")
    if keyword in _COUNTS and not _count(value):
        refuse("must be a non-negative integer")
    if keyword in _BOUNDS and not _number(value):
        refuse("must be a finite number")
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        if not kinds or not all(isinstance(k, str) and k in _TYPES for k in kinds) or len(set(kinds)) < len(kinds):
            refuse(f"must name one or more of {', '.join(_TYPES)}")
    elif keyword == "enum" and not isinstance(value, list):
        refuse("must be an array")
    elif keyword == "required" and not _names(value):
        refuse("must be an array of distinct property names")
    elif keyword == "dependentRequired" and not (isinstance(value, dict) and all(map(_names, value.values()))):
        refuse("must map property names to arrays of distinct property names")
    elif keyword == "uniqueItems" and not isinstance(value, bool):
        refuse("must be true or false")
    elif keyword == "pattern" and not (isinstance(value, str) and _compiles(value)):
        refuse("must be a regular expression Python's re module compiles")
    elif keyword == "patternProperties" and not all(_compiles(p) for p in value):
        refuse("every key must be a regular expression Python's re module compiles")
    elif keyword == "multipleOf" and not (_number(value) and value > 0):
        refuse("must be a number greater than 0")
    elif keyword == "$ref" and not (isinstance(value, str) and (value == "#" or value.startswith("#/"))):
        refuse("only local JSON pointers (#/$defs/...) are followed")
    elif keyword == "$id" and not at_root:
        refuse("only the root schema may set $id here")


def _resolve(ref: str, root: Any, path: str = "#") -> Any:
    # Imported here, as the $refs that need it are rare: urllib.parse imports ipaddress, which
    # costs start-up in Pyodide (bench/README.md).
    from urllib.parse import unquote

    node = root
    for part in ref[2:].split("/") if len(ref) > 1 else []:
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise SchemaError("$ref", path, f"{ref} points at nothing")
    return node


def _equal(a: object, b: object) -> bool:
    """JSON equality: true is not 1, 1 is 1.0, containers compare item by item."""
    return _key(a) == _key(b)


def _key(value: object) -> tuple[str, object]:
    """A hashable form of a JSON value that is equal exactly when the values are JSON-equal."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, list):
        return ("array", tuple(_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((name, _key(item)) for name, item in value.items()))
    if isinstance(value, str):
        return ("string", value)
    return ("number", value)


def _valid(value: Any, schema: Any, root: Any) -> bool:
    found: list[str] = []
    _check(value, schema, "$", root, found)
    return not found


def _check(value: Any, schema: Any, path: str, root: Any, found: list[str]) -> None:
    if schema is True:
        return
    if schema is False:
        found.append(f"{path}: no value is allowed here")
        return
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"], root), path, root, found)
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES[k](value) for k in kinds):
            found.append(f"{path}: expected {' or '.join(kinds)}, got {type(value).__name__}")
            return
    if "enum" in schema and not any(_equal(value, option) for option in schema["enum"]):
        found.append(f"{path}: {value!r} is not one of {schema['enum']!r}")
    if "const" in schema and not _equal(value, schema["const"]):
        found.append(f"{path}: must be {schema['const']!r}")
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in schema:
            _combine(keyword, value, schema[keyword], path, root, found)
    if "not" in schema and _valid(value, schema["not"], root):
        found.append(f"{path}: must not match {schema['not']!r}")
    if "if" in schema:
        branch = "then" if _valid(value, schema["if"], root) else "else"
        if branch in schema:
            _check(value, schema[branch], path, root, found)
    if isinstance(value, dict):
        _check_object(value, schema, path, root, found)
    elif isinstance(value, list):
        _check_array(value, schema, path, root, found)
    elif isinstance(value, str):
        _check_string(value, schema, path, found)
    elif _TYPES["number"](value):
        _check_number(value, schema, path, found)


def _combine(keyword: str, value: Any, options: list[Any], path: str, root: Any, found: list[str]) -> None:
    results = []
    for option in options:
        problems: list[str] = []
        _check(value, option, "$", root, problems)
        results.append(problems)
    passed = sum(not r for r in results)
    if keyword == "allOf" and passed < len(options):
        found.extend(f"{path}: {e.removeprefix('$: ')}" for r in results for e in r)
    elif keyword == "anyOf" and passed == 0:
        found.append(f"{path}: matches none of the allowed forms ({'; '.join(r[0] for r in results)})")
    elif keyword == "oneOf" and passed != 1:
        found.append(f"{path}: must match exactly one allowed form, matches {passed}")


def _check_object(value: dict[str, Any], schema: dict[str, Any], path: str, root: Any, found: list[str]) -> None:
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    for name in schema.get("required", []):
        if name not in value:
            found.append(f"{path}: missing required property {name!r}")
    for name, needed in schema.get("dependentRequired", {}).items():
        missing = [n for n in needed if n not in value]
        if name in value and missing:
            found.append(f"{path}: {name!r} needs {', '.join(map(repr, missing))} too")
    for name, dependent in schema.get("dependentSchemas", {}).items():
        if name in value:
            _check(value, dependent, path, root, found)
    if len(value) < schema.get("minProperties", 0):
        found.append(f"{path}: needs at least {schema['minProperties']} properties, has {len(value)}")
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        found.append(f"{path}: allows at most {schema['maxProperties']} properties, has {len(value)}")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if "propertyNames" in schema:
            _check(name, schema["propertyNames"], f"{path} key {name!r}", root, found)
        matched = [pattern for pattern in patterns if re.search(pattern, name)]
        for pattern in matched:
            _check(item, patterns[pattern], f"{path}.{name}", root, found)
        if name in properties:
            _check(item, properties[name], f"{path}.{name}", root, found)
        elif matched:
            continue
        elif extra is False:
            found.append(f"{path}: unexpected property {name!r}")
        else:
            _check(item, extra, f"{path}.{name}", root, found)


def _check_array(value: list[Any], schema: dict[str, Any], path: str, root: Any, found: list[str]) -> None:
    if len(value) < schema.get("minItems", 0):
        found.append(f"{path}: needs at least {schema['minItems']} items, has {len(value)}")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        found.append(f"{path}: allows at most {schema['maxItems']} items, has {len(value)}")
    if schema.get("uniqueItems") and len({_key(item) for item in value}) < len(value):
        found.append(f"{path}: items must be unique")
    prefix = schema.get("prefixItems", [])
    for index, item in enumerate(value):
        item_schema = prefix[index] if index < len(prefix) else schema.get("items", True)
        _check(item, item_schema, f"{path}[{index}]", root, found)
    if "contains" in schema:
        matches = sum(_valid(item, schema["contains"], root) for item in value)
        least = schema.get("minContains", 1)
        if matches < least:
            found.append(f"{path}: needs at least {least} items matching {schema['contains']!r}, has {matches}")
        if "maxContains" in schema and matches > schema["maxContains"]:
            found.append(f"{path}: allows at most {schema['maxContains']} items matching {schema['contains']!r}")


def _check_string(value: str, schema: dict[str, Any], path: str, found: list[str]) -> None:
    if len(value) < schema.get("minLength", 0):
        found.append(f"{path}: shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append(f"{path}: longer than {schema['maxLength']} characters")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{path}: does not match pattern {schema['pattern']!r}")


def _check_number(value: float, schema: dict[str, Any], path: str, found: list[str]) -> None:
    # Each bound fails on the comparison that breaks it, so NaN (which Python's
    # json reads) fails none, as in the jsonschema package.
    bounds: tuple[tuple[str, Callable[[float], bool], str], ...] = (
        ("minimum", lambda b: value < b, "at least"),
        ("maximum", lambda b: value > b, "at most"),
        ("exclusiveMinimum", lambda b: value <= b, "more than"),
        ("exclusiveMaximum", lambda b: value >= b, "less than"),
    )
    for keyword, breaks, words in bounds:
        if keyword in schema and breaks(schema[keyword]):
            found.append(f"{path}: must be {words} {schema[keyword]}, got {value}")
    if "multipleOf" in schema and not _multiple(value, schema["multipleOf"]):
        found.append(f"{path}: must be a multiple of {schema['multipleOf']}")


def _multiple(value: float, step: float) -> bool:
    """Whether ``value`` is a multiple of ``step``: as the jsonschema package decides, without overflow."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if not isinstance(step, float):
        return not value % step
    try:
        quotient = value / step
        return int(quotient) == quotient
    except OverflowError:  # a huge value over a small step: exact fractions cannot overflow
        from fractions import Fraction  # this rare case only: importing it costs start-up in Pyodide

        return (Fraction(value) / Fraction(step)).denominator == 1
