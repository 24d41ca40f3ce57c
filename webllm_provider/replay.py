"""The model's own words, kept so that the conversation is replayed exactly.

WebLLM reuses its KV cache for a request only when the request's earlier
messages repeat its current conversation character for character, its last
reply as the model wrote it included (``compareConversationObject`` in
WebLLM); otherwise it prefills the whole conversation again, seconds per turn
on a real GPU. On the constrained tool path the model writes JSON with the
whitespace and escapes the grammar allowed it, so writing a past turn back
from its parsed calls or answer gives different text, and every tool round
would prefill everything. The raw replies are therefore remembered, by what
identifies them in a history (their tool-call ids, or their answer), and
written back as they were.

A few recent replies are enough: WebLLM keeps one conversation, and a history
that comes from elsewhere (a reloaded page) has no KV cache left to reuse.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

_KEPT = 64
_replies: OrderedDict[tuple[str, ...], str] = OrderedDict()


def calls_key(call_ids: Iterable[str]) -> tuple[str, ...]:
    return ("calls", *call_ids)


def answer_key(answer: str) -> tuple[str, ...]:
    return ("answer", answer)


def remember(key: tuple[str, ...], raw: str) -> None:
    _replies[key] = raw
    _replies.move_to_end(key)
    while len(_replies) > _KEPT:
        _replies.popitem(last=False)


def recall(key: tuple[str, ...]) -> str | None:
    return _replies.get(key)
