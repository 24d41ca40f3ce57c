"""The hook events the provider emits, named as Amplifier names them.

``llm:request``, ``llm:response`` and ``provider:retry`` are amplifier-core's
(``amplifier_core.events``); the ``llm:stream_*`` events are
amplifier-foundation's provider streaming contract
(``docs/provider-streaming-contract.md``). Written here once, because
amplifier-core cannot be imported in Pyodide; a CPython test checks the first
three against amplifier-core's own constants.
"""

LLM_REQUEST = "llm:request"
LLM_RESPONSE = "llm:response"
PROVIDER_RETRY = "provider:retry"

STREAM_BLOCK_START = "llm:stream_block_start"
STREAM_BLOCK_DELTA = "llm:stream_block_delta"
STREAM_BLOCK_END = "llm:stream_block_end"
STREAM_ABORTED = "llm:stream_aborted"

# block_type values of the streaming contract.
TEXT, THINKING, TOOL_USE = "text", "thinking", "tool_use"
