"""The stdlib JSON-Schema checker agrees with the jsonschema package; answers stream intact."""

import json

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from webllm_provider import schema
from webllm_provider.stream2_answer import AnswerStream

SCHEMAS = [
    {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 10}},
        "required": ["a"],
        "additionalProperties": False,
    },
    {"type": "array", "items": {"type": "string", "maxLength": 3}, "minItems": 1, "maxItems": 3},
    {"anyOf": [{"type": "string", "pattern": "^[a-c]+$"}, {"type": "number", "exclusiveMinimum": 2}]},
    {"oneOf": [{"type": "integer"}, {"type": "number", "multipleOf": 0.5}]},
    {"enum": [1, "one", None, True]},
    {"type": ["string", "null"], "minLength": 2},
    {"type": "object", "additionalProperties": {"type": "boolean"}, "properties": {"k": {"const": 3}}},
    {"allOf": [{"type": "object", "required": ["x"]}, {"not": {"required": ["y"]}}]},
    {"$defs": {"pos": {"type": "integer", "minimum": 1}}, "type": "array", "items": {"$ref": "#/$defs/pos"}},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-20, 20)
    | st.floats(-20, 20, allow_nan=False)
    | st.text("abcxy", max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from("akxyz"), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, index=st.integers(0, len(SCHEMAS) - 1))
def test_agrees_with_jsonschema(value, index):
    spec = SCHEMAS[index]
    expected_valid = jsonschema.Draft202012Validator(spec).is_valid(value)
    assert (schema.errors(value, spec) == []) == expected_valid, (value, spec, schema.errors(value, spec))


def test_errors_name_the_path():
    problems = schema.errors({"a": 11, "b": 1}, SCHEMAS[0])
    assert problems == ["$.a: must be at most 10, got 11", "$: unexpected property 'b'"]


answers = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(answer=answers, cuts=st.lists(st.integers(1, 200), max_size=12), spacing=st.sampled_from(["", " ", "\n  "]))
def test_answer_text_streams_intact_across_any_chunk_boundaries(answer, cuts, spacing):
    raw = "{" + spacing + '"answer":' + spacing + json.dumps(answer) + spacing + "}"
    bounds = sorted({c for c in cuts if c < len(raw)})
    pieces = [raw[i:j] for i, j in zip([0, *bounds], [*bounds, len(raw)], strict=True)]
    stream = AnswerStream()
    assert "".join(stream.feed(p) for p in pieces) == answer


def test_a_tool_call_reply_shows_nothing():
    stream = AnswerStream()
    raw = '{"tool_calls": [{"name": "answer", "arguments": {"answer": "no"}}]}'
    assert "".join(stream.feed(c) for c in raw) == ""
