#!/usr/bin/env python3
"""Write the protocol's tables into the docs, from webllm_provider/protocol.py, errors.py and js/protocol.js.

Each table sits between ``<!-- protocol:NAME -->`` and ``<!-- /protocol:NAME -->``
in docs/bridge-protocol.md or docs/gateway.md; the prose around them is
hand-written. What both languages declare is read from protocol.py (js/protocol.js says the
same: tests/cpython/test_protocol.py); the messages only JavaScript sends are read from
js/protocol.js (with Node), meanings included. That test also fails when a committed doc is
not what this writes.

    python tools/protocol_doc.py          rewrite the tables
    python tools/protocol_doc.py --check  exit 1 if a doc is out of date
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webllm_provider import errors, protocol  # noqa: E402

DOCS = ROOT / "docs"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def code(text: object) -> str:
    return f"`{text}`"


def functions() -> str:
    rows = []
    for name in protocol.BRIDGE_FUNCTIONS:
        signature, *result = (inspect.getdoc(getattr(protocol.BridgeModule, name)) or "").splitlines()
        rows.append([code(name), code(signature), " ".join(result)])
    return f"Module {code(protocol.PYTHON_MODULE)}.\n\n" + table(["name", "signature", "result"], rows)


@functools.cache
def javascript() -> dict[str, Any]:
    """js/protocol.js's exports, as Node loads them (a group of message builders: its names)."""
    script = (
        'const protocol = await import(new URL("js/protocol.js", `file://${process.cwd()}/`));'
        "console.log(JSON.stringify(protocol, (key, value) => (typeof value === 'function' ? key : value)));"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    exports: dict[str, Any] = json.loads(done.stdout)
    return exports


def documented(group: str, docs: str) -> list[tuple[str, list[str]]]:
    """Each message of a JavaScript group with its MESSAGE_DOCS entry; every one must have one."""
    values, meanings = javascript()[group], javascript()["MESSAGE_DOCS"][docs]
    if list(values) != list(meanings):
        raise SystemExit(f"js/protocol.js: MESSAGE_DOCS.{docs} must describe exactly {group}, in its order")
    return [(values[name], meanings[name]) for name in values]


def worker_kinds() -> str:
    rows = [[code(value), sent, meaning] for value, (sent, meaning) in documented("WORKER_KINDS", "workerKinds")]
    return table(["`kind`", "sent with", "meaning"], rows)


def stream_port() -> str:
    rows = [
        ["page → worker", code(shape), meaning]
        for _, (shape, meaning) in documented("streamToWorker", "streamToWorker")
    ]
    rows += [
        ["worker → page", code(shape), meaning] for _, (shape, meaning) in documented("streamToPage", "streamToPage")
    ]
    return (
        f"`window`: {javascript()['STREAM_WINDOW']} chunks; the page credits every "
        f"{javascript()['STREAM_CREDIT_EVERY']} chunks it consumed.\n\n"
        + table(["direction", "message", "meaning"], rows)
    )


def python_worker() -> str:
    kinds = documented("PYTHON_WORKER_KINDS", "pythonWorkerKinds")
    rows = [[code(value), direction, fields] for value, (direction, fields) in kinds]
    methods = ", ".join(code(method) for method in javascript()["PYTHON_WORKER_METHODS"])
    return table(["`kind`", "direction", "fields"], rows) + f"\n\nBridge methods: {methods}."


def tab_messages() -> str:
    def row(direction: str, value: str) -> list[str]:
        return [direction, code(f'{{type: "{value}", {protocol.TAB_MESSAGE_FIELDS[value]}}}')]

    rows = [row("gateway → tab", value) for value in protocol.members(protocol.ToTab).values()]
    rows += [row("tab → gateway", value) for value in protocol.members(protocol.ToGateway).values()]
    return (
        f"Subprotocols {code(protocol.GATEWAY_SUBPROTOCOL)} and {code(protocol.GATEWAY_TOKEN_PREFIX + '<token>')}; "
        f"the gateway ends a session for good with close code {protocol.CLOSED_BY_GATEWAY}.\n\n"
        + table(["direction", "message"], rows)
    )


def records() -> str:
    parts = []
    for record in (protocol.ModelRecord, protocol.GpuInfo, protocol.GpuLimits, protocol.Models):
        # protocol.py postpones annotations, so a TypedDict holds each type as a ForwardRef: its text is the type.
        types = {name: getattr(kind, "__forward_arg__", kind) for name, kind in record.__annotations__.items()}
        fields = ", ".join(f"{code(name)}: {code(kind)}" for name, kind in types.items())
        parts.append(f"- {code(record.__name__)}: {fields}")
    return "\n".join(parts)


def error_names() -> str:
    own = ", ".join(code(name) for name in protocol.members(protocol.ErrorNames).values())
    renamed = table(
        ["the browser's error", "its message starts", "is named"],
        [[code(theirs), f'"{text}"', code(ours)] for theirs, text, ours in errors.BROWSER_ERRORS],
    )
    by_class: dict[tuple[str, bool], list[str]] = {}
    for name, (cls, _, _, retryable) in errors.BY_NAME.items():
        by_class.setdefault((cls.__name__, retryable), []).append(name)
    mapped = table(
        ["typed error", "retryable", "names"],
        [
            [code(cls), "yes" if retryable else "no", ", ".join(map(code, names))]
            for (cls, retryable), names in by_class.items()
        ],
    )
    return (
        f"Names the bridge gives a rejection itself (its own, and WebLLM's where it raises WebLLM's error "
        f"first): {own}.\n\nBrowser errors that have no class of their own, named in Python:\n\n{renamed}"
        f"\n\nWhich typed error each name is (unknown names are a generic `LLMError`):\n\n{mapped}"
    )


SECTIONS: dict[str, tuple[Path, Callable[[], str]]] = {
    "functions": (DOCS / "bridge-protocol.md", functions),
    "worker-kinds": (DOCS / "bridge-protocol.md", worker_kinds),
    "stream-port": (DOCS / "bridge-protocol.md", stream_port),
    "python-worker": (DOCS / "bridge-protocol.md", python_worker),
    "records": (DOCS / "bridge-protocol.md", records),
    "errors": (DOCS / "bridge-protocol.md", error_names),
    "tab-messages": (DOCS / "gateway.md", tab_messages),
}


def rendered() -> dict[Path, str]:
    """Every doc with its tables as this module writes them."""
    texts = {path: path.read_text() for path, _ in SECTIONS.values()}
    for name, (path, render) in SECTIONS.items():
        marked = re.compile(rf"(<!-- protocol:{name} -->\n)(?:.*?\n)?(<!-- /protocol:{name} -->)", re.DOTALL)
        text = render()
        texts[path], found = marked.subn(lambda m, text=text: f"{m.group(1)}{text}\n{m.group(2)}", texts[path])
        if found != 1:
            raise SystemExit(f"{path.name}: expected one <!-- protocol:{name} --> block, found {found}")
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a doc is out of date")
    check = parser.parse_args().check
    stale = [path for path, text in rendered().items() if path.read_text() != text]
    if check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python tools/protocol_doc.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in rendered().items():
        if path in stale:
            path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
