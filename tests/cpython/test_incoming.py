"""A request is read once, at the door, the same from every form it comes in."""

from amplifier_core.message_models import ChatRequest, Message, ToolSpec

from webllm_provider._compat import _lite_models
from webllm_provider.incoming import Incoming, read_request

FIELDS = {
    "messages": [{"role": "user", "content": "Hi"}],
    "tools": [{"name": "calc", "parameters": {"type": "object"}}],
    "tool_choice": "required",
    "response_format": {"type": "json"},
    "metadata": {"stream": False},
    "temperature": 0.5,
    "max_output_tokens": 20,
    "stop": ["END"],
}


def test_a_dict_a_chat_request_and_the_look_alike_read_the_same():
    from_dict = read_request(FIELDS)
    core = ChatRequest(
        **{**FIELDS, "messages": [Message(role="user", content="Hi")], "tools": [ToolSpec(**FIELDS["tools"][0])]}
    )
    lite = _lite_models.ChatRequest(**FIELDS)
    for incoming in (from_dict, read_request(core), read_request(lite)):
        assert incoming.tool_choice == "required" and incoming.metadata == {"stream": False}
        assert incoming.settings == {"temperature": 0.5, "max_output_tokens": 20, "stop": ["END"]}
        assert len(incoming.messages) == 1 and len(incoming.tools) == 1
    assert from_dict.setting(("max_output_tokens", "max_tokens")) == 20
    assert from_dict.setting(("seed",)) is None


def test_what_is_unset_reads_as_empty_and_an_incoming_request_passes_as_it_is():
    incoming = read_request({"messages": None, "metadata": "not a dict", "temperature": None})
    assert incoming == Incoming()
    assert read_request(incoming) is incoming
