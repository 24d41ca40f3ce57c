"""js/protocol.js and webllm_provider/protocol.py say the same, and the docs say what they say.

Node loads js/protocol.js as it is (and the catalog and GPU modules, to check
that the records they build have the declared fields); Python spells the same
declarations the way JavaScript does, and the two must be equal, name for name.
"""

import copy
import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from webllm_provider import errors, protocol

ROOT = Path(__file__).resolve().parents[2]

# Prints every export of js/protocol.js as JSON; a group of message builders as
# {name: the fields of the message it builds}, so a builder whose message is not
# named after it shows up.
EXPORTS_SCRIPT = """
const protocol = await import(new URL("js/protocol.js", `file://${process.cwd()}/`));
const { modelRecords } = await import(new URL("js/catalog.js", `file://${process.cwd()}/`));
const { detectGpu } = await import(new URL("js/gpu.js", `file://${process.cwd()}/`));
const exports = {};
for (const [name, value] of Object.entries(protocol)) {
  const builders = value && typeof value === "object" && Object.values(value).every((v) => typeof v === "function");
  exports[name] = builders
    ? Object.fromEntries(Object.entries(value).map(([key, build]) => [key, Object.keys(build("x"))]))
    : value;
}
const limits = { maxBufferSize: 1, maxStorageBufferBindingSize: 1 };
const adapter = { features: new Set(["shader-f16"]), limits, info: {} };
const gpu = await detectGpu({ requestAdapter: async () => adapter });
const { prebuiltAppConfig } = await import("@mlc-ai/web-llm");
const built = {
  model_record: Object.keys(modelRecords(gpu, prebuiltAppConfig)[0]),
  gpu_info: Object.keys(await detectGpu({ requestAdapter: async () => adapter })),
  gpu_info_unavailable: Object.keys(await detectGpu({ requestAdapter: async () => null })),
};
console.log(JSON.stringify({ exports, built }));
"""


def node_json(script: str) -> dict:
    assert (ROOT / "node_modules").exists(), "run `npm ci` (make test does) so this test can load the JavaScript"
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def javascript() -> dict:
    return node_json(EXPORTS_SCRIPT)


def as_javascript() -> dict:
    """protocol.py's declarations, named and shaped as js/protocol.js exports them."""
    return {
        "PYTHON_MODULE": protocol.PYTHON_MODULE,
        "BRIDGE_FUNCTIONS": list(protocol.BRIDGE_FUNCTIONS),
        "PAGE_MODULE": protocol.PAGE_MODULE,
        "STREAMED": protocol.STREAMED,
        "GATEWAY_SUBPROTOCOL": protocol.GATEWAY_SUBPROTOCOL,
        "GATEWAY_TOKEN_PREFIX": protocol.GATEWAY_TOKEN_PREFIX,
        "CLOSED_BY_GATEWAY": protocol.CLOSED_BY_GATEWAY,
        "TO_TAB": protocol.members(protocol.ToTab),
        "TO_GATEWAY": protocol.members(protocol.ToGateway),
        "MODEL_RECORD_FIELDS": list(protocol.ModelRecord.__annotations__),
        "GPU_INFO_FIELDS": list(protocol.GpuInfo.__annotations__),
        "MODELS_FIELDS": list(protocol.Models.__annotations__),
        "MODEL_TYPES": protocol.members(protocol.ModelTypes),
        "WEBGPU_BROWSERS": protocol.WEBGPU_BROWSERS,
        "ERROR_NAMES": protocol.members(protocol.ErrorNames),
    }


# What only JavaScript sends (between a page and its workers): js/protocol.js declares it
# alone, with its meaning; protocol.py must not repeat it.
JAVASCRIPT_ONLY = {
    "WORKER_KINDS",
    "LINK_ACTIONS",
    "TURN_MESSAGES",
    "LIFELINE_HELD",
    "CLIENT_LOCK_PREFIX",
    "STREAM_WINDOW",
    "STREAM_CREDIT_EVERY",
    "streamToWorker",
    "streamToPage",
    "PYTHON_WORKER_KINDS",
    "PYTHON_WORKER_METHODS",
    "MESSAGE_DOCS",
}


def disagreements(javascript: dict, python: dict) -> list[str]:
    """Every export that is missing on one side or says something else."""
    return [
        f"{name}: js/protocol.js {javascript.get(name, '(missing)')!r}, protocol.py {python.get(name, '(missing)')!r}"
        for name in sorted(javascript.keys() | python.keys())
        if javascript.get(name) != python.get(name)
    ]


def test_both_modules_declare_the_same(javascript):
    shared = {name: value for name, value in javascript["exports"].items() if name not in JAVASCRIPT_ONLY}
    assert disagreements(shared, as_javascript()) == []
    assert not JAVASCRIPT_ONLY & set(vars(protocol)), "declared once, in js/protocol.js"


def test_a_disagreement_is_reported():
    """The comparison itself: one changed value, one missing name, one extra name."""
    python = as_javascript()
    changed = copy.deepcopy(python)
    changed["ERROR_NAMES"]["abort"] = "AbortedError"
    del changed["PAGE_MODULE"]
    changed["EXTRA"] = 1
    found = disagreements(python, changed)
    assert [line.split(":")[0] for line in found] == ["ERROR_NAMES", "EXTRA", "PAGE_MODULE"]


def test_the_records_javascript_builds_have_the_declared_fields(javascript):
    built = javascript["built"]
    assert built["model_record"] == list(protocol.ModelRecord.__annotations__)
    assert built["gpu_info"] == built["gpu_info_unavailable"] == list(protocol.GpuInfo.__annotations__)


def test_every_name_the_bridge_gives_maps_to_a_typed_error():
    names = [*protocol.members(protocol.ErrorNames).values(), *(ours for _, _, ours in errors.BROWSER_ERRORS)]
    assert [name for name in names if name not in errors.BY_NAME] == []


def test_the_docs_are_written_from_the_protocol():
    spec = importlib.util.spec_from_file_location("protocol_doc", ROOT / "tools/protocol_doc.py")
    assert spec and spec.loader
    protocol_doc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(protocol_doc)
    stale = [str(path.relative_to(ROOT)) for path, text in protocol_doc.rendered().items() if path.read_text() != text]
    assert stale == [], "out of date: run python tools/protocol_doc.py"
