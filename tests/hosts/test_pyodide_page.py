"""A plain Pyodide page, with no JavaScript of this project's: the page only calls
`loadPyodide()`; Python does the rest (micropip.install of the wheel, then the provider),
as a user types it into a REPL. The provider starts its own engine from its wheel."""

import gzip
import json
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from webllm_provider.packaged import ENGINE, FOLDER, WASM, packed, unpacked

from ..browser.agentloop import TAUGHT_TOOLS
from ..conftest import chromium
from .conftest import browser_log, tiny_model_app_config
from .tool_chat import SCRIPTED_REPLIES

TOOL_CHAT = (Path(__file__).parent / "tool_chat.py").read_text()


def plain_page(hosts, name: str, head: str = "") -> str:
    return hosts.page(
        name,
        f"""<!doctype html>
<meta charset="utf-8">
{head}
<script type="module">
  import {{ loadPyodide }} from "/pyodide.mjs";
  window.pyodide = await loadPyodide();
</script>
""",
    )


def python(driver, code: str):
    """Runs ``code`` in the page's Pyodide (top-level await); its last expression, as JSON text, comes back."""
    try:
        return json.loads(chromium.run(driver, "return await pyodide.runPythonAsync(arguments[0]);", code))
    except chromium.ScriptRejected as exc:
        raise AssertionError(f"{exc.message}\n{browser_log(driver)}") from None


def open_with_wheel(driver, hosts, name: str, head: str = "") -> None:
    driver.get(plain_page(hosts, name, head))
    chromium.until_js(driver, "!!window.pyodide", 60, "Pyodide to boot")
    python(
        driver,
        f"""
import pyodide_js
await pyodide_js.loadPackage("micropip")
import micropip
await micropip.install({hosts.wheel!r})
"null"
""",
    )


def test_the_tiny_model_from_python_alone(driver, hosts):
    app_config = tiny_model_app_config(hosts)
    model_id = app_config["model_list"][0]["model_id"]
    calculator = TAUGHT_TOOLS[0]
    open_with_wheel(driver, hosts, "plain-tiny.html")
    result = python(
        driver,
        f"""
import json
from webllm_provider import TextDelta, WebLLMProvider
provider = WebLLMProvider({{"app_config": {app_config!r}, "max_tokens": 6, "temperature": 0}})
catalog = [model.id for model in await provider.list_models()]
progress = []
loaded = await provider.load_model({model_id!r}, progress.append)
whole = await provider.complete({{"messages": [{{"role": "user", "content": "Hi"}}]}})
shown, final = [], None
async for event in provider.stream_reply({{"messages": [{{"role": "user", "content": "Hi"}}]}}):
    if isinstance(event, TextDelta):
        shown.append(event.text)
    else:
        final = event
# The provider's constrained tool path: WebLLM's grammar engine (xgrammar) runs only here.
tools = WebLLMProvider({{"app_config": {app_config!r}, "default_model": {model_id!r}, "max_tokens": 48,
                        "temperature": 0}})
question = [{{"role": "user", "content": "What is 17 * 23?"}}]
called = await tools.complete({{"messages": question, "tools": [{calculator!r}]}})
json.dumps({{
    "calls": [[call.name, call.arguments] for call in called.tool_calls],
    "catalog": catalog, "loaded": loaded, "progress": [report["progress"] for report in progress],
    "whole": "".join(block.text for block in whole.content), "whole_tokens": whole.usage.output_tokens,
    "shown": "".join(shown), "final": "".join(block.text for block in final.content),
    "final_tokens": final.usage.output_tokens,
}})
""",
    )
    # The catalog is the AppConfig as given (the fixture lists the tiny model under its own id and a Hermes id).
    assert result["catalog"] == [record["model_id"] for record in app_config["model_list"]]
    assert result["loaded"] == model_id
    assert result["progress"] and result["progress"][-1] == 1  # the weights' phase, then the shaders' (0 to 1 each)
    # Greedy: the greeting it was taught, cut at 6 tokens, the same streamed and completed.
    assert result["whole"].startswith("Hello!") and result["whole_tokens"] == 6 == result["final_tokens"]
    assert result["shown"] == result["final"] == result["whole"]
    assert result["calls"] == [["calculator", {"expression": "17 * 23"}]]


def test_tools_stop_and_typed_errors_on_the_scripted_engine(driver, hosts):
    replies = [
        *SCRIPTED_REPLIES,
        {"content": "one two three four five six seven eight", "tokens_per_second": 4},
        {"content": "after the stop"},
        {"error": {"name": "DeviceLostError", "message": "the GPU went away"}},
    ]
    worker = f"{hosts.url}/webllm/testing/scripted-worker.js?replies={urllib.parse.quote(json.dumps(replies))}"
    open_with_wheel(driver, hosts, "plain-scripted.html")
    result = python(
        driver,
        TOOL_CHAT
        + f"""
from webllm_provider import LLMError, TextDelta, WebLLMProvider
provider = WebLLMProvider({{"worker_url": {worker!r}, "max_retries": 0}})
chat = await chat_with_tool(provider)
request = {{"messages": [{{"role": "user", "content": "Count"}}]}}
stream = provider.stream_reply(request)
async for event in stream:
    first = event.text
    break
await stream.aclose()  # stops the generation
after = await provider.complete(request)
try:
    await provider.complete(request)
except LLMError as exc:
    failed = [type(exc).__name__, exc.retryable, str(exc)]
try:
    await provider.load_model("no-such-model")
except LLMError as exc:
    missing = [type(exc).__name__, str(exc)]
json.dumps({{"chat": chat, "first": first, "after": after.content[-1].text, "failed": failed,
             "missing": missing}})
""",
    )
    assert result["chat"] == {"call": ["add", {"a": 2, "b": 3}], "answer": "2 + 3 = 5.", "shown": "2 + 3 = 5."}
    # The stopped reply ended there: the next request got the next reply, not the rest of it.
    assert result["first"] == "one" and result["after"] == "after the stop"
    name, retryable, message = result["failed"]
    assert name == "ProviderUnavailableError" and retryable and "the GPU went away" in message
    assert result["missing"][0] == "NotFoundError" and "no-such-model" in result["missing"][1]


CATALOG_MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"  # in WebLLM's catalog; its files are never reachable here
# Pyodide needs wasm-unsafe-eval; the provider's import() goes through eval (Python has no import()).
STRICT = "script-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval'; worker-src 'self'"


def serve_the_engine_from_the_wheel(hosts) -> str:
    """The files a user serves from the wheel, as the error tells them to; the engine's URL."""
    (wheel,) = hosts.dist.glob("webllm_provider-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            folder, _, file = name.rpartition("/")
            if folder == f"webllm_provider/{FOLDER}" and (file == packed(ENGINE) or file.endswith(packed(WASM))):
                (hosts.pages / unpacked(file)).write_bytes(gzip.decompress(zf.read(name)))
    return f"/hosts/{ENGINE}"


@pytest.mark.parametrize(
    ("policy", "says"),
    [
        (STRICT, "forbids blob: scripts"),
        (STRICT.replace("'self' 'unsafe-inline'", "'self' blob: 'unsafe-inline'"), "forbids blob: workers"),
    ],
    ids=["no-blob-scripts", "no-blob-workers"],
)
def test_a_content_security_policy_without_blob_says_to_set_worker_url(driver, hosts, policy, says):
    engine = serve_the_engine_from_the_wheel(hosts)
    head = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    open_with_wheel(driver, hosts, "plain-csp.html", head)
    refused = python(
        driver,
        f"""
import json
from webllm_provider import LLMError, WebLLMProvider
try:
    await WebLLMProvider().load_model({CATALOG_MODEL!r})
except LLMError as exc:
    refused = str(exc)
json.dumps(refused)
""",
    )
    assert says in refused and '"worker_url"' in refused and "webllm-provider.js" in refused, refused
    # The served file's way in: the bridge and its engine from worker_url. A model from WebLLM's
    # catalog fails in that engine as soon as it fetches (nothing but 127.0.0.1 resolves): the worker
    # ran, under the page's policy (the tiny model's full way is the test below).
    failed = python(
        driver,
        f"""
provider = WebLLMProvider({{"worker_url": {engine!r}}})
try:
    await provider.load_model({CATALOG_MODEL!r})
except LLMError as exc:
    failed = [type(exc).__name__, str(exc)]
json.dumps(failed)
""",
    )
    assert failed[0] == "NetworkError" and "blob" not in failed[1], failed


def test_a_served_engine_under_a_strict_policy_runs_the_tiny_model_with_its_wasm_beside_it(driver, hosts):
    """worker_url's engine fetches WebLLM's tokenizers (at the load) and grammar engine (at the tool
    call) from beside itself, under a policy that forbids blob: scripts and workers."""
    engine = serve_the_engine_from_the_wheel(hosts)
    app_config = tiny_model_app_config(hosts)
    model_id = app_config["model_list"][0]["model_id"]
    head = f'<meta http-equiv="Content-Security-Policy" content="{STRICT}">'
    open_with_wheel(driver, hosts, "plain-csp-tiny.html", head)
    calls = python(
        driver,
        f"""
import json
from webllm_provider import WebLLMProvider
provider = WebLLMProvider({{"worker_url": {engine!r}, "app_config": {app_config!r}, "default_model": {model_id!r},
                           "max_tokens": 48, "temperature": 0}})
await provider.load_model({model_id!r})
called = await provider.complete({{"messages": [{{"role": "user", "content": "What is 17 * 23?"}}],
                                   "tools": [{TAUGHT_TOOLS[0]!r}]}})
json.dumps([[call.name, call.arguments] for call in called.tool_calls])
""",
    )
    assert calls == [["calculator", {"expression": "17 * 23"}]]
