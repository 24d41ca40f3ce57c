"""Every field of OpenAI's chat-completions request, and what the gateway does with it.

Read from openai-python's ``CompletionCreateParams`` and WebLLM 0.2.86's
``ChatCompletionRequestBase``. A field is passed to WebLLM as it is, mapped
onto what WebLLM takes, accepted without effect (it asks nothing of the
reply: an end-user id, a cache hint for OpenAI's servers), or refused with a
400 that names it. Nothing is ignored silently: a field the table does not
know is refused too. docs/gateway.md renders this table.
"""

from __future__ import annotations

from typing import Any

from .. import InvalidRequestError
from ..errors import PROVIDER
from ..request import NO_THINKING

# WebLLM takes these as OpenAI defines them (its own checks run in the tab).
PASSED = {
    "messages": "written the way the model reads them when tools are given (tool results by tool_call_id)",
    "model": "",
    "stream": "",
    "stream_options": "only with stream: true",
    "n": "n > 1 refused with stream or tools",
    "temperature": "",
    "top_p": "",
    "max_tokens": "",
    "stop": "",
    "seed": "",
    "frequency_penalty": "",
    "presence_penalty": "",
    "logit_bias": "",
    "logprobs": "",
    "top_logprobs": "",
    # WebLLM's own, beyond OpenAI's.
    "repetition_penalty": "WebLLM's own",
    "ignore_eos": "WebLLM's own",
    "extra_body": "WebLLM's own (enable_thinking)",
}
# field -> what it becomes.
MAPPED = {
    "max_completion_tokens": "max_tokens",
    "response_format": "WebLLM's json_object with the schema as a string (json_object, json_schema); grammar and "
    "structural_tag as they are; the reply checked against the schema",
    "tools": "WebLLM's native tools on its Hermes models, else the tools in the prompt under a JSON grammar",
    "tool_choice": "auto/none/required/named function: the native path for auto, the grammar for required and named",
    "parallel_tool_calls": "false: at most one call, held by the grammar",
    "reasoning_effort": "extra_body.enable_thinking on models that can switch thinking off (Qwen3); refused elsewhere",
}
# Accepted with no effect on the reply.
NO_EFFECT = ("user", "safety_identifier", "prompt_cache_key", "prompt_cache_retention", "prompt_cache_options")
# Accepted only with the value that asks for nothing WebLLM lacks.
ONLY = {
    "store": (False,),
    "metadata": ({},),  # for stored completions
    "service_tier": ("auto", "default"),
    "modalities": (["text"],),
}
# Refused with any value but null, and why.
REFUSED = {
    "audio": "WebLLM generates text only",
    "prediction": "WebLLM has no predicted outputs",
    "web_search_options": "a local model cannot search the web",
    "verbosity": "WebLLM has no verbosity control",
    "moderation": "the gateway runs no moderation",
    "functions": "deprecated by OpenAI: send tools",
    "function_call": "deprecated by OpenAI: send tool_choice",
}


class Invalid(InvalidRequestError):
    """A refused request, with the field it is about (OpenAI's ``param``)."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message, provider=PROVIDER)
        self.param = param


def check_fields(body: dict[str, Any]) -> None:
    """Refuse what the gateway cannot honour, naming the field."""
    for name, value in body.items():
        if value is None or name in PASSED or name in MAPPED or name in NO_EFFECT:
            continue
        if name in ONLY:
            if value not in ONLY[name]:
                allowed = " or ".join(repr(v) for v in ONLY[name])
                raise Invalid(f"{name}: only {allowed} is supported here, not {value!r}.", name)
            continue
        reason = REFUSED.get(name, "not an OpenAI chat-completions field the gateway knows")
        raise Invalid(f"{name} is not supported: {reason}.", name)
    n = body.get("n")
    if n is not None and n != 1:
        if body.get("stream"):
            raise Invalid("n > 1 cannot be streamed: WebLLM generates one sequence at a time when streaming.", "n")
        if body.get("tools"):
            raise Invalid("n > 1 is supported only without tools.", "n")
    if body.get("tool_choice") is not None and not body.get("tools"):
        raise Invalid("tool_choice is only allowed when tools are given.", "tool_choice")
    if body.get("parallel_tool_calls") is not None and not body.get("tools"):
        raise Invalid("parallel_tool_calls is only allowed when tools are given.", "parallel_tool_calls")
    tokens, completion_tokens = body.get("max_tokens"), body.get("max_completion_tokens")
    if tokens is not None and completion_tokens is not None and tokens != completion_tokens:
        raise Invalid("max_tokens and max_completion_tokens disagree: send one.", "max_completion_tokens")


def for_webllm(body: dict[str, Any], *, thinking_switch: bool) -> dict[str, Any]:
    """The fields WebLLM takes; tools and response_format are the caller's (``tools.tab_request``)."""
    out = {name: value for name, value in body.items() if name in PASSED and value is not None}
    if body.get("max_completion_tokens") is not None:
        out["max_tokens"] = body["max_completion_tokens"]
    effort = body.get("reasoning_effort")
    if effort is not None:
        if not thinking_switch:
            raise Invalid(
                f"reasoning_effort: {body.get('model')} cannot switch its thinking (only Qwen3 models can).",
                "reasoning_effort",
            )
        out["extra_body"] = {**(out.get("extra_body") or {}), "enable_thinking": effort not in NO_THINKING}
    return out


def table() -> str:
    """The table in docs/gateway.md (tests/gateway/test_fields_doc.py checks it is there as written)."""
    rows = [("passed to WebLLM", name, note) for name, note in PASSED.items()]
    rows += [("mapped", name, what) for name, what in MAPPED.items()]
    rows += [("accepted, no effect", name, "asks nothing of a local model's reply") for name in NO_EFFECT]
    rows += [("accepted only as " + " or ".join(f"`{v!r}`" for v in values), name, "") for name, values in ONLY.items()]
    rows += [("refused (400)", name, why) for name, why in REFUSED.items()]
    lines = ["| field | what the gateway does | how / why |", "|---|---|---|"]
    lines += [f"| `{name}` | {verdict} | {how} |" for verdict, name, how in rows]
    lines.append("| any other field | refused (400) | the error's `param` names it |")
    return "\n".join(lines)
