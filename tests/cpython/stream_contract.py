"""amplifier-foundation's provider streaming contract, as a check over the events a hook heard."""

import uuid

from webllm_provider.events import STREAM_ABORTED as ABORTED
from webllm_provider.events import STREAM_BLOCK_DELTA as DELTA
from webllm_provider.events import STREAM_BLOCK_END as END
from webllm_provider.events import STREAM_BLOCK_START as START

# Stamped on every event by amplifier-core's hook registry, whoever emits it.
KERNEL_FIELDS = {"session_id", "parent_id", "timestamp"}

CONTRACT_KEYS = {
    START: {"request_id", "block_index", "block_type"},
    DELTA: {"request_id", "block_index", "block_type", "sequence", "text"},
    END: {"request_id", "block_index", "block_type"},
    ABORTED: {"request_id", "error"},
}


def contract_blocks(events):
    """One stream's blocks, each rule of the contract checked on the way.

    Returns ("text" | "thinking", text), ("tool_use", name) and ("aborted", error type).
    """
    events = [(event, {k: v for k, v in data.items() if k not in KERNEL_FIELDS}) for event, data in events]
    (request_id,) = {data["request_id"] for _, data in events}
    assert uuid.UUID(request_id).version == 4, "one uuid4 request_id per stream"
    blocks, open_block, sequence = [], None, 0
    for number, (event, data) in enumerate(events):
        if event == START:
            assert open_block is None, "a block started before the last one ended"
            tool = data["block_type"] == "tool_use"
            assert set(data) == CONTRACT_KEYS[START] | ({"name"} if tool else set())
            assert data["block_index"] == len(blocks), "block_index: one 0-based space"
            open_block, sequence = data, 0
            blocks.append(["tool_use", data["name"]] if tool else [data["block_type"], ""])
        elif event == DELTA:
            assert set(data) == CONTRACT_KEYS[DELTA]
            assert open_block is not None and open_block["block_type"] != "tool_use"
            assert (data["block_index"], data["block_type"]) == (open_block["block_index"], open_block["block_type"])
            assert data["sequence"] == sequence, "sequence: per block, from 0"
            assert data["text"], "no empty delta"
            blocks[-1][1] += data["text"]
            sequence += 1
        elif event == END:
            assert set(data) == CONTRACT_KEYS[END]
            assert open_block is not None
            assert (data["block_index"], data["block_type"]) == (open_block["block_index"], open_block["block_type"])
            open_block = None
        else:
            assert event == ABORTED and number == len(events) - 1, "llm:stream_aborted ends the stream"
            assert set(data) == CONTRACT_KEYS[ABORTED] and set(data["error"]) == {"type", "msg"}
            assert data["error"]["msg"]
            assert any(e == DELTA for e, _ in events), "llm:stream_aborted only after a delta"
            blocks.append(["aborted", data["error"]["type"]])
            open_block = None
    assert open_block is None, "a block never ended"
    return [tuple(block) for block in blocks]
