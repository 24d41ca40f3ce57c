"""The third step of a stream: a reasoning model's ``<think>`` part split from its answer."""

from __future__ import annotations

from .deltas import Piece, TextDelta, ThinkingDelta

_OPEN, _CLOSE = "<think>", "</think>"


class ThinkingSplitter:
    """Splits a reasoning model's output into thinking and answer pieces as it streams.

    A reply that starts (after whitespace) with ``<think>`` thinks until
    ``</think>``; whitespace after that tag is dropped. A tag cut in half by a
    chunk boundary is held back until the next chunk decides it, so no piece
    ever carries part of a tag. Everything else is answer text, unchanged.
    """

    def __init__(self) -> None:
        self._state = "start"  # start -> thinking -> after -> answer, or start -> answer
        self._held = ""

    def feed(self, text: str) -> list[Piece]:
        pieces: list[Piece] = []
        text = self._held + text
        self._held = ""
        if self._state == "start":
            head = text.lstrip()
            if head.startswith(_OPEN):
                self._state, text = "thinking", head[len(_OPEN) :]
            elif _OPEN.startswith(head):
                self._held = text
                return pieces
            else:
                self._state = "answer"
        if self._state == "thinking":
            thinking, closed, rest = text.partition(_CLOSE)
            if not closed:
                keep = _partial_tag(thinking, _CLOSE)
                thinking, self._held = thinking[: len(thinking) - keep], thinking[len(thinking) - keep :]
            if thinking:
                pieces.append(ThinkingDelta(thinking))
            if not closed:
                return pieces
            self._state, text = "after", rest
        if self._state == "after":
            text = text.lstrip()
            if not text:
                return pieces
            self._state = "answer"
        if text:
            pieces.append(TextDelta(text))
        return pieces

    def flush(self) -> list[Piece]:
        """The end of the stream: whatever was held back, as what it turned out to be."""
        held, self._held = self._held, ""
        if not held:
            return []
        return [ThinkingDelta(held) if self._state == "thinking" else TextDelta(held)]


def _partial_tag(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that could be the start of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


def split_thinking(text: str) -> tuple[str, str]:
    """A whole reply's thinking and answer, by the same rule as a stream."""
    splitter = ThinkingSplitter()
    pieces = splitter.feed(text) + splitter.flush()
    thinking = "".join(p.text for p in pieces if isinstance(p, ThinkingDelta))
    answer = "".join(p.text for p in pieces if isinstance(p, TextDelta))
    return thinking.strip(), answer
