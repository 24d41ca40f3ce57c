"""The fenced code blocks of the project's Markdown, for tests that run them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Snippet:
    path: Path
    line: int
    lang: str
    code: str

    def matches(self, path: Path, lang: str, first_line: str) -> bool:
        return self.path == path and self.lang == lang and self.code.startswith(first_line)

    def replace(self, old: str, new: str) -> Snippet:
        """This snippet with ``old`` (which must be in it, so a test notices when the text moves on) replaced."""
        assert old in self.code, f"{self.path.name}:{self.line}: no {old!r} to replace any more; update the test"
        return Snippet(self.path, self.line, self.lang, self.code.replace(old, new))


def snippets(path: Path) -> list[Snippet]:
    text = path.read_text()
    return [
        Snippet(path, text.count("\n", 0, match.start()) + 1, match["lang"], match["code"])
        for match in FENCE.finditer(text)
    ]


def snippet(path: Path, lang: str, first_line: str) -> Snippet:
    """The one block of ``path`` in ``lang`` whose code starts with ``first_line``."""
    found = [s for s in snippets(path) if s.matches(path, lang, first_line)]
    assert len(found) == 1, f"{path.name} has {len(found)} {lang} blocks starting {first_line!r}, not one"
    return found[0]
