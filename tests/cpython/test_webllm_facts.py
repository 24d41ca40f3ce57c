"""What the provider knows about WebLLM, checked against the WebLLM that package-lock.json pins.

The provider decides before sending (on CPython too, where no JavaScript runs),
so it keeps facts of WebLLM's: the function-calling models, the sampling ranges
and the names of its errors. Here Node runs WebLLM's own code (or reads its
bundle) and the two must agree.
"""

import json
import math
import re
import subprocess
from pathlib import Path

import pytest

from webllm_provider import InvalidRequestError
from webllm_provider.catalog import FUNCTION_CALLING_MODELS
from webllm_provider.config import check_sampling
from webllm_provider.errors import BY_NAME, NETWORK_ERROR
from webllm_provider.protocol import ErrorNames

ROOT = Path(__file__).resolve().parents[2]
WEBLLM = ROOT / "node_modules/@mlc-ai/web-llm/lib/index.js"
PROBES = [-3, -2.0001, -2, -1, -0.5, 0, 1e-9, 0.5, 1, 1.0001, 2, 2.0001, 100, "NaN"]
FIELDS = ["temperature", "top_p", "frequency_penalty", "presence_penalty", "repetition_penalty", "max_tokens"]

# WebLLM does not export postInitAndCheckGenerationConfigValues, so the test lifts
# that one function out of the package's bundle and runs it as it is, with
# stand-ins for the error classes it throws (their names are all it uses here).
CHECK_SCRIPT = """
import { readFileSync } from "node:fs";
const source = readFileSync(process.argv[1], "utf8");
const match = /\\nfunction postInitAndCheckGenerationConfigValues\\(config\\) \\{[\\s\\S]*?\\n\\}\\n/.exec(source);
if (!match) throw new Error("postInitAndCheckGenerationConfigValues not found in WebLLM's bundle");
const names = ["RangeError$1", "MinValueError", "NonNegativeError", "InvalidNumberStringError", "DependencyError"];
const stand_ins = names.map((name) => class extends Error { constructor() { super(name); } });
const log = { warn() {} };
const check = new Function(...names, "log", match[0] + "return postInitAndCheckGenerationConfigValues;")(
  ...stand_ins, log);
const [fields, probes] = JSON.parse(process.argv[2]);
const verdicts = {};
for (const field of fields) {
  verdicts[field] = probes.map((probe) => {
    try { check({ [field]: probe === "NaN" ? NaN : probe }); return true; } catch { return false; }
  });
}
console.log(JSON.stringify(verdicts));
"""


def node(script: str, *args: str) -> str:
    assert WEBLLM.exists(), "run `npm ci` (make test does) so this test can run WebLLM's code"
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_the_function_calling_models_are_webllms():
    script = (
        'import { functionCallingModelIds } from "@mlc-ai/web-llm";'
        "console.log(JSON.stringify(functionCallingModelIds));"
    )
    assert set(json.loads(node(script))) == FUNCTION_CALLING_MODELS


def python_accepts(field: str, value) -> bool:
    try:
        check_sampling({field: math.nan if value == "NaN" else value})
    except InvalidRequestError:
        return False
    return True


@pytest.fixture(scope="module")
def webllm_verdicts():
    return json.loads(node(CHECK_SCRIPT, str(WEBLLM), json.dumps([FIELDS, PROBES])))


@pytest.mark.parametrize("field", FIELDS)
def test_sampling_ranges_are_webllms(field, webllm_verdicts):
    probes = PROBES
    if field == "max_tokens":  # a token count is an integer here; WebLLM only asks for > 0
        probes = [p for p in PROBES if isinstance(p, int)]
    verdicts = dict(zip(PROBES, webllm_verdicts[field], strict=True))
    assert {p: python_accepts(field, p) for p in probes} == {p: verdicts[p] for p in probes}
    assert any(verdicts.values()) and not all(verdicts.values())


# Names in errors.py's table that are not WebLLM's: the bridge's own, and the
# browser's (a stopped request, a full disk).
NOT_WEBLLMS = {ErrorNames.ABORT, ErrorNames.WORKER, NETWORK_ERROR, "QuotaExceededError"}
# WebLLM's names the provider leaves to its generic LLMError: a fault WebLLM's own
# tests inject into resumable downloads.
UNMAPPED = {"ResumableInjectedFault"}


def test_the_error_names_are_the_ones_webllms_errors_carry():
    """Every WebLLM error name in errors.py is one WebLLM's bundle gives an error, and every one it gives is there."""
    assert WEBLLM.exists(), "run `npm ci` (make test does) so this test can read WebLLM's bundle"
    given = set(re.findall(r'this\.name = "(\w+)";', WEBLLM.read_text()))
    assert len(given) > 60, "WebLLM's bundle no longer names its errors this way: read them another way"
    assert set(BY_NAME) - NOT_WEBLLMS == given - UNMAPPED
