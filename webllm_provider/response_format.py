"""``response_format`` as OpenAI and Amplifier write it -> WebLLM 0.2.86's.

WebLLM knows ``text``, ``json_object`` (the JSON Schema as a string in
``schema``), ``grammar`` (EBNF in ``grammar``) and ``structural_tag``.
OpenAI's ``{"type": "json_schema", "json_schema": {"name", "schema",
"strict"}}`` is not among them: passed through, WebLLM would decode without a
grammar. So every JSON form becomes ``json_object`` with the schema as a
string, and a plain JSON mode asks for an object (WebLLM 0.2.86 fails a
``json_object`` without a schema: GrammarMatcherInitError). What the reply is
then checked against is kept alongside. One reading for the provider and the
gateway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import _access
from ._compat import InvalidRequestError
from .errors import PROVIDER
from .schema import SchemaError, check_schema

KINDS = ("text", "json_object", "json_schema", "grammar", "structural_tag")
_ANY_OBJECT: dict[str, Any] = {"type": "object"}
# The keys of OpenAI's json_schema wrapper; Amplifier's ResponseFormatJsonSchema holds the schema itself.
_WRAPPER = {"name", "description", "schema", "strict"}


@dataclass(frozen=True)
class Format:
    webllm: dict[str, Any] | None  # what WebLLM gets; None: free text
    json_mode: bool = False
    schema: dict[str, Any] | None = None  # what a JSON reply must satisfy (None: any JSON)


def read_response_format(response_format: Any) -> Format:
    """The format WebLLM runs and the reply is checked against; InvalidRequestError names what is wrong."""
    kind = _access.get(response_format, "type")
    if kind in (None, "text"):
        return Format(None)
    # WebLLM's own ``schema`` field, in a parsed JSON body (a pydantic model's ``schema`` is a method).
    webllm_schema = response_format.get("schema") if isinstance(response_format, dict) else None
    if kind in ("json", "json_object"):
        return _json(webllm_schema)
    if kind == "json_schema":
        value = _access.get(response_format, "json_schema")
        if isinstance(value, dict) and "name" in value and set(value) <= _WRAPPER:
            value = value.get("schema", _ANY_OBJECT)
        return _json(value if value is not None else webllm_schema)
    if kind in ("grammar", "structural_tag"):
        if _access.get(response_format, kind) is None:
            raise _invalid(f"response_format type {kind!r} needs its {kind!r} field.")
        return Format({key: _access.get(response_format, key) for key in ("type", kind)})
    raise _invalid(f"response_format type {kind!r} is not one of {', '.join(KINDS)}.")


def _json(schema: Any) -> Format:
    if isinstance(schema, str):  # WebLLM's own form: the schema as a string
        try:
            schema = json.loads(schema)
        except json.JSONDecodeError as exc:
            raise _invalid(f"response_format: its schema is not JSON ({exc.msg}).") from None
    if schema is not None and not isinstance(schema, dict):
        raise _invalid("response_format: the schema must be a JSON Schema object.")
    if schema is not None:
        try:
            check_schema(schema)
        except SchemaError as exc:
            raise _invalid(f"response_format: its JSON Schema cannot be checked: {exc}.") from None
    return Format({"type": "json_object", "schema": json.dumps(schema or _ANY_OBJECT)}, True, schema)


def _invalid(message: str) -> InvalidRequestError:
    return InvalidRequestError(message, provider=PROVIDER)
