"""The schema checker against the jsonschema package, over generated schemas and values.

Every keyword the checker knows is generated, alone and combined, and compared
with jsonschema's Draft 2020-12 validator on generated values. A schema that
cannot be checked is refused up front, naming the keyword; a tool with one is
an InvalidRequestError naming the tool.
"""

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from webllm_provider import InvalidRequestError, InvalidToolCallError, WebLLMProvider, schema
from webllm_provider.tool_calling import plan_tools

from .fakes import FakeBridge, completion

SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(["a", "b", "ab", "1"])
PATTERNS = st.sampled_from(["^a", "b$", "[0-9]", "^$", "a|b", "^.{2}$"])
numbers = st.one_of(
    st.integers(-5, 5),
    st.floats(-5, 5, allow_nan=False).map(lambda f: round(f, 1)),
    st.sampled_from([10**30, -(10**30), 1e300, 2.5, 0.1, 0.3, 7.0]),
)
values = st.recursive(
    st.none() | st.booleans() | numbers | st.text("ab01", max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
counts = st.integers(0, 3)
steps = st.sampled_from([1, 2, 3, 0.5, 0.1, 0.25, 1e-300, 10**20, 2.5e-8, 1e300])
types = st.sampled_from(["object", "array", "string", "integer", "number", "boolean", "null"])


def fragments(sub):
    """One keyword (or a keyword and its partners) with a well-formed value."""
    return st.one_of(
        st.builds(lambda t: {"type": t}, types | st.lists(types, min_size=1, max_size=3, unique=True)),
        st.builds(lambda v: {"enum": v}, st.lists(values, max_size=3)),
        st.builds(lambda v: {"const": v}, values),
        st.builds(
            lambda k, n: {k: n},
            st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
            numbers,
        ),
        st.builds(lambda n: {"multipleOf": n}, steps),
        st.builds(
            lambda k, n: {k: n},
            st.sampled_from(
                ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"],
            ),
            counts,
        ),
        st.builds(lambda p: {"pattern": p}, PATTERNS),
        st.builds(lambda u: {"uniqueItems": u}, st.booleans()),
        st.builds(lambda r: {"required": r}, st.lists(KEYS, max_size=2, unique=True)),
        st.builds(lambda d: {"dependentRequired": d}, st.dictionaries(KEYS, st.lists(KEYS, max_size=2), max_size=2)),
        st.builds(lambda p: {"properties": p}, st.dictionaries(KEYS, sub, max_size=2)),
        st.builds(lambda p: {"patternProperties": p}, st.dictionaries(PATTERNS, sub, max_size=2)),
        st.builds(lambda a: {"additionalProperties": a}, sub),
        st.builds(
            lambda p, pp: {"properties": p, "patternProperties": pp, "additionalProperties": False},
            st.dictionaries(KEYS, sub, max_size=2),
            st.dictionaries(PATTERNS, sub, max_size=2),
        ),
        st.builds(lambda s: {"propertyNames": s}, sub),
        st.builds(lambda s: {"items": s}, sub),
        st.builds(lambda s: {"prefixItems": s}, st.lists(sub, min_size=1, max_size=2)),
        st.builds(
            lambda s, lo, hi: {"contains": s, **lo, **hi},
            sub,
            st.just({}) | st.builds(lambda n: {"minContains": n}, counts),
            st.just({}) | st.builds(lambda n: {"maxContains": n}, counts),
        ),
        st.builds(
            lambda k, s: {k: s}, st.sampled_from(["allOf", "anyOf", "oneOf"]), st.lists(sub, min_size=1, max_size=3)
        ),
        st.builds(lambda s: {"not": s}, sub),
        st.builds(
            lambda i, t, e: {"if": i, **t, **e},
            sub,
            st.just({}) | st.builds(lambda s: {"then": s}, sub),
            st.just({}) | st.builds(lambda s: {"else": s}, sub),
        ),
        st.builds(lambda d: {"dependentSchemas": d}, st.dictionaries(KEYS, sub, max_size=2)),
        st.just({"title": "t", "description": "d", "default": 1, "format": "email", "examples": [1]}),
    )


def merged(parts):
    out = {}
    for part in parts:
        out.update(part)
    return out


schemas = st.recursive(
    st.booleans() | st.just({}),
    lambda sub: st.builds(merged, st.lists(fragments(sub), min_size=1, max_size=3)),
    max_leaves=6,
)
with_refs = st.builds(
    lambda root, defs, ref_at: {**root, "$defs": defs, "properties": {ref_at: {"$ref": "#/$defs/d"}}},
    schemas.filter(lambda s: isinstance(s, dict) and "properties" not in s),
    st.builds(lambda d: {"d": d}, schemas),
    KEYS,
)


def agree(instance, spec):
    """Both refuse the schema, or both give the same verdict on the value."""
    try:
        jsonschema.Draft202012Validator.check_schema(spec)
    except jsonschema.SchemaError:
        with pytest.raises(schema.SchemaError):
            schema.check_schema(spec)
        return
    try:
        expected = jsonschema.Draft202012Validator(spec).is_valid(instance)
    except (OverflowError, RecursionError):  # jsonschema's own limits: ours must still answer
        schema.check_schema(spec)
        schema.errors(instance, spec)
        assume(False)
    schema.check_schema(spec)
    got = schema.errors(instance, spec)
    assert (got == []) == expected, (instance, spec, got)


@SETTINGS
@given(spec=schemas, instance=values)
def test_agrees_with_jsonschema_on_generated_schemas_and_values(spec, instance):
    agree(instance, spec)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=with_refs, instance=st.dictionaries(KEYS, values, max_size=3))
def test_agrees_with_jsonschema_through_refs(spec, instance):
    agree(instance, spec)


@pytest.mark.parametrize(
    "instance, spec",
    [
        ({"a": 1, "zz": 2}, {"patternProperties": {"^z": {"type": "integer"}}, "additionalProperties": False}),
        ({}, {"minProperties": 1}),
        ([1, 1.0], {"uniqueItems": True}),
        ([1, True], {"uniqueItems": True}),
        ([[1], [True]], {"uniqueItems": True}),
        (5, {"if": {"minimum": 3}, "then": {"multipleOf": 2}, "else": {"maximum": 0}}),
        (10**400, {"multipleOf": 0.1}),
        (1e308, {"multipleOf": 1e-308}),
        (10**30, {"multipleOf": 10**20}),
        (0.5, {"multipleOf": 0.1}),
        ({"a": 1}, {"dependentRequired": {"a": ["b"]}}),
        (["x", 2, 3], {"contains": {"type": "integer"}, "minContains": 2, "maxContains": 2}),
        ({"ab": 1}, {"propertyNames": {"maxLength": 1}}),
        ([True], {"enum": [[1]]}),
    ],
)
def test_cases_the_old_checker_got_wrong_or_crashed_on(instance, spec):
    try:
        expected = jsonschema.Draft202012Validator(spec).is_valid(instance)
    except OverflowError:  # jsonschema cannot decide 10**400 against 0.1; it is not a multiple
        expected = False
    assert (schema.errors(instance, spec) == []) == expected


BROKEN = [
    ({"type": "strin"}, "type"),
    ({"minLength": -1}, "minLength"),
    ({"required": "a"}, "required"),
    ({"multipleOf": 0}, "multipleOf"),
    ({"properties": []}, "properties"),
    ({"pattern": "("}, "pattern"),
    ({"allOf": []}, "allOf"),
    ({"items": [{"type": "string"}]}, "items"),
    ({"properties": {"a": 3}}, "properties"),
    (["not", "a", "schema"], "(schema)"),
    ({"$ref": "#/$defs/missing"}, "$ref"),
    ({"maximum": "10"}, "maximum"),
]


@pytest.mark.parametrize("spec, keyword", BROKEN)
def test_a_malformed_schema_is_refused_as_jsonschema_refuses_it(spec, keyword):
    with pytest.raises(schema.SchemaError) as info:
        schema.check_schema(spec)
    assert info.value.keyword == keyword
    if keyword != "$ref":  # jsonschema finds a dangling $ref only when it follows it
        with pytest.raises(jsonschema.SchemaError):
            jsonschema.Draft202012Validator.check_schema(spec)


@pytest.mark.parametrize(
    "spec, keyword",
    [
        ({"unevaluatedProperties": False}, "unevaluatedProperties"),
        ({"x-nullable": True}, "x-nullable"),
        ({"dependencies": {"a": ["b"]}}, "dependencies"),
        ({"$ref": "https://example.com/s.json"}, "$ref"),
        ({"allOf": [{"$ref": "#"}]}, "$ref"),
        ({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"not": {"$ref": "#/$defs/a"}}}, "$ref": "#/$defs/a"}, "$ref"),
    ],
)
def test_what_is_not_checked_is_reported_up_front(spec, keyword):
    with pytest.raises(schema.SchemaError) as info:
        schema.check_schema(spec)
    assert info.value.keyword == keyword


def test_recursion_through_properties_is_fine():
    tree = {"type": "object", "properties": {"child": {"$ref": "#"}}, "additionalProperties": False}
    assert schema.errors({"child": {"child": {}}}, tree) == []
    assert schema.errors({"child": {"x": 1}}, tree) == ["$.child: unexpected property 'x'"]


@pytest.mark.parametrize("spec, keyword", [({"type": "object", "minProperties": -1}, "minProperties"), *BROKEN[:3]])
def test_a_broken_tool_schema_is_an_invalid_request_naming_tool_and_keyword(spec, keyword):
    with pytest.raises(InvalidRequestError, match=f"Tool 'calc'.*{keyword}"):
        plan_tools({"tools": [{"name": "calc", "parameters": spec}]}, native_model=False)


async def test_a_broken_response_schema_is_an_invalid_request():
    provider = WebLLMProvider(bridge=FakeBridge())
    bad = {"messages": [{"role": "user", "content": "x"}]}
    bad["response_format"] = {"type": "json_schema", "json_schema": {"type": "object", "if": 3}}
    with pytest.raises(InvalidRequestError, match="response_format.*'if'"):
        await provider.complete(bad)


async def test_a_huge_argument_against_a_small_step_is_a_typed_refusal_not_an_overflow():
    tool = {"name": "calc", "parameters": {"type": "object", "properties": {"x": {"multipleOf": 0.01}}}}
    reply = '{"tool_calls": [{"name": "calc", "arguments": {"x": 1e308}}]}'
    provider = WebLLMProvider(bridge=FakeBridge([completion(reply)]))
    with pytest.raises(InvalidToolCallError, match="multiple of 0.01"):
        await provider.complete({"messages": [{"role": "user", "content": "x"}], "tools": [tool]})
