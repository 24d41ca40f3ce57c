"""docs/gateway.md's table of OpenAI's request fields is the gateway's own, and covers openai-python's."""

from openai.types.chat import completion_create_params

from tools.gateway_harness import ROOT
from webllm_provider.gateway import fields


def test_the_docs_show_the_table_the_gateway_follows():
    assert fields.table() in (ROOT / "docs" / "gateway.md").read_text()


def test_every_field_of_openais_request_has_a_verdict():
    known = {*fields.PASSED, *fields.MAPPED, *fields.NO_EFFECT, *fields.ONLY, *fields.REFUSED}
    assert set(completion_create_params.CompletionCreateParamsBase.__annotations__) <= known
