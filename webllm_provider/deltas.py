"""What a reader of a streaming reply sees: answer and thinking text, piece by piece."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextDelta:
    """Answer text the model just produced, as it arrived."""

    text: str


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """Reasoning text (a thinking model's ``<think>`` part), as it arrived."""

    text: str


Piece = TextDelta | ThinkingDelta
