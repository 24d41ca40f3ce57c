"""The second step of a stream: the text of ``{"answer": "..."}`` while the model is still writing it.

On the constrained tool path the model replies in JSON. A user still wants to
see the answer appear word by word, so this decodes the ``answer`` string
incrementally, holding back only an escape sequence cut in half by a chunk
boundary. Output that turns out to be a tool call is never shown.
"""

from __future__ import annotations

import json
import re

_START = re.compile(r'\s*\{\s*"answer"\s*:\s*"')
_OPENING = '{"answer":"'
_DECODER = json.JSONDecoder(strict=False)


class AnswerStream:
    def __init__(self) -> None:
        self._head = ""
        self._state = "head"  # head -> body -> done, or off when it is not an answer
        self._escaped = False
        self._pending = ""

    @property
    def answering(self) -> bool:
        """Whether the output so far is an answer (not a tool call, nor too short to tell)."""
        return self._state in ("body", "done")

    def feed(self, text: str) -> str:
        """Take the next piece of raw model output; return newly decoded answer text."""
        if self._state == "head":
            self._head += text
            match = _START.match(self._head)
            if match is None:
                compact = re.sub(r"\s", "", self._head)
                if not _OPENING.startswith(compact):
                    self._state = "off"
                return ""
            self._state = "body"
            text = self._head[match.end() :]
        if self._state != "body":
            return ""
        end = len(text)
        for index, char in enumerate(text):
            if self._escaped:
                self._escaped = False
            elif char == "\\":
                self._escaped = True
            elif char == '"':
                end = index
                self._state = "done"
                break
        segment = self._pending + text[:end]
        safe = _complete_prefix(segment)
        self._pending = segment[safe:]
        return _DECODER.decode(f'"{segment[:safe]}"') if safe else ""


def _complete_prefix(segment: str) -> int:
    """Length of the longest prefix that does not end inside an escape sequence."""
    index = 0
    while index < len(segment):
        if segment[index] != "\\":
            index += 1
            continue
        if index + 1 >= len(segment):
            return index
        if segment[index + 1] != "u":
            index += 2
            continue
        if index + 6 > len(segment):
            return index
        code = int(segment[index + 2 : index + 6], 16)
        # A high surrogate means nothing without the low one that follows it.
        if 0xD800 <= code <= 0xDBFF:
            if index + 12 > len(segment):
                return index
            index += 12
        else:
            index += 6
    return index
