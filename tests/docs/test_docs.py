"""The code in the README (and the other docs) runs as written: the page
snippets in headless Chromium with the scripted engine in place of a model,
the gateway snippets under CPython against a real gateway and tab, the mount
plan through the provider's own config check. A block that is not code to
run is named in NOT_RUN with the reason. Substitutions (``Snippet.replace``)
are the only edits, and each fails the test when the text it replaces is gone."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from dataclasses import fields
from importlib.metadata import entry_points

import yaml

from webllm_provider.config import ProviderConfig

from ..conftest import ROOT, chromium
from .conftest import run_module
from .snippets import snippet, snippets

README = ROOT / "README.md"
APP_README = ROOT / "examples" / "browser-app" / "README.md"
DOCS = [README, APP_README, *sorted((ROOT / "docs").glob("*.md"))]
PAGE_MODEL = "Qwen2.5-1.5B-Instruct-q4f32_1-MLC"  # the README's

# The scripted engine stands in for the model (no weights can be fetched here):
# the same WebLLM worker handler and client, with js/testing/scripted-worker.js.
REAL_WORKER, SCRIPTED_WORKER = '"./webllm/webllm-worker.js"', '"./webllm/testing/scripted-worker.js"'
# What a snippet takes from the page around it.
PAGE_PRELUDE = """\
import { loadPyodide } from "./pyodide.mjs";
import { installBridge } from "./webllm/bridge.js";
const pyodide = await loadPyodide();
await pyodide.loadPackage("webllm-provider");
await pyodide.runPythonAsync("from webllm_provider import WebLLMProvider");
"""

RUN = [  # (file, language, first line): the test that runs it
    # The Python-only ways in run in their hosts: tests/hosts/test_readme_hosts.py (micropip, the
    # plain page that unpacks the wheel, PyScript)
    (README, "python", "import micropip"),
    (README, "js", "// A plain page: the wheel downloads while Pyodide boots."),
    (README, "html", '<script type="module" src="https://cdn.jsdelivr.net/npm/@pyscript/core'),
    (README, "python", "%pip install webllm-provider"),  # tests/hosts/test_jupyterlite.py
    (README, "js", 'import { loadPyodide } from "./pyodide.mjs";'),  # test_use_it_in_a_page
    (README, "python", "from webllm_provider import WebLLMProvider, TextDelta"),  # test_use_it_in_a_page
    (README, "js", 'import { startPython } from "./webllm/python-launcher.js";'),  # test_python_off_the_main_thread
    (README, "js", "const bridge = await installBridge(pyodide, {"),  # test_the_scripted_engine
    (README, "js", "import { TINY_MODEL_ID, tinyModelAppConfig }"),  # test_the_tiny_model
    (README, "yaml", "providers:"),  # test_the_mount_plan
    (README, "python", "from openai import OpenAI"),  # test_the_gateway_from_cpython
    (README, "python", "from webllm_provider import WebLLMProvider\n"),  # test_the_gateway_from_cpython
]
NOT_RUN = {
    (README, "sh", "make demo"): "make's own targets (make test is one of them)",
    (README, "sh", "npm install webllm-provider-js"): "from npm (tests/hosts/test_artifacts.py checks it)",
    (README, "sh", ".venv/bin/python -m webllm_provider.gateway"): "a server, until stopped (tests/gateway)",
    (README, "", " page (main thread)"): "a diagram",
    (README, "", "llm:request"): "hook events, not code (tests/cpython/test_stream4_hooks.py checks them)",
    (README, "", "webllm_provider/     the provider"): "the layout (test_the_layout_names_every_module checks it)",
    (APP_README, "", "make demo"): "make demo serves until stopped",
    (ROOT / "docs" / "bridge-protocol.md", "", "Python (Pyodide)"): "a diagram",
    (ROOT / "docs" / "design.md", "", " page (main thread)"): "a diagram",
    (ROOT / "docs" / "gateway.md", "", " CPython process"): "a diagram",
    (ROOT / "docs" / "gateway.md", "sh", "python -m webllm_provider.gateway --app-config"): (
        "a server, until stopped (tests/gateway/test_real_engine.py starts it so)"
    ),
}


def test_every_block_is_run_or_named_with_a_reason():
    listed = [*RUN, *NOT_RUN]
    found = [s for path in DOCS for s in snippets(path)]
    unlisted = [f"{s.path.name}:{s.line} ({s.lang or 'text'})" for s in found if not any(s.matches(*k) for k in listed)]
    assert not unlisted, f"blocks neither in RUN nor in NOT_RUN: {unlisted}"
    gone = [key for key in listed if not any(s.matches(*key) for s in found)]
    assert not gone, f"listed here, no longer in the docs: {gone}"


def test_the_layout_names_every_module():
    """Every module of the package and of js/ is in the README's layout, and every one it names exists."""
    layout = snippet(README, "", "webllm_provider/     the provider").code
    modules = [p.stem for p in (ROOT / "webllm_provider").glob("*.py") if not p.stem.startswith("_")]
    modules += [p.name for p in (ROOT / "js").glob("*.*js")]
    assert [m for m in modules if not re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", layout)] == []
    named = re.findall(r"^  ([\w-]+(?:\.m?js)?) ", layout, re.MULTILINE)
    assert [n for n in named if n not in modules] == []


def run_python(driver, code: str) -> str:
    """Runs ``code`` (top-level await allowed) in the snippet's Pyodide; its stdout."""
    return chromium.run(
        driver,
        """
        const { pyodide } = globalThis.snippet;
        const decoder = new TextDecoder();
        let out = "";
        pyodide.setStdout({ write: (bytes) => ((out += decoder.decode(bytes)), bytes.length) });
        await pyodide.runPythonAsync(arguments[0]);
        return out;
        """,
        code,
    )


def test_use_it_in_a_page(driver, page_server):
    page = snippet(README, "js", 'import { loadPyodide } from "./pyodide.mjs";').replace(REAL_WORKER, SCRIPTED_WORKER)
    assert run_module(driver, page_server, "use-it-in-a-page.mjs", page.code + "export { pyodide };\n") == ["pyodide"]
    assert chromium.run(driver, "return document.getElementById('progress').textContent") != ""

    python = snippet(README, "python", "from webllm_provider import WebLLMProvider, TextDelta")
    out = run_python(driver, python.code)
    # The scripted engine echoes: the story streams, then the final ChatResponse's usage and speed.
    assert out.startswith("You said: Tell me a story"), out
    assert re.search(r"input_tokens=\d+.* \d+(\.\d+)?\n$", out), out
    assert (
        run_python(driver, "print(type(response).__name__, response.content[0].text)") == "ChatResponse You said: Hi!\n"
    )


def test_python_off_the_main_thread(driver, page_server):
    code = snippet(README, "js", 'import { startPython } from "./webllm/python-launcher.js";').replace(
        'new URL("./webllm/webllm-worker.js"', 'new URL("./webllm/testing/scripted-worker.js"'
    )
    # What the snippet takes from the page: the agent's source, a renderer, a progress element.
    prelude = """\
const agentSource = `
import json
from webllm_provider import WebLLMProvider
import webllm_page

async def reply(text):
    response = await WebLLMProvider().complete({"messages": [{"role": "user", "content": text}]})
    webllm_page.emit("reply", json.dumps(response.content[0].text))
    return response.content[0].text
`;
const rendered = [];
const render = (name, value) => rendered.push([name, value]);
"""
    exports = run_module(
        driver, page_server, "python-launcher.mjs", prelude + code.code + "export { python, rendered };\n"
    )
    assert sorted(exports) == ["python", "rendered"]
    assert chromium.run(driver, "return snippet.python.placement") == "worker"
    assert chromium.run(driver, "return snippet.rendered") == [["reply", "You said: Hello"]]
    assert chromium.run(driver, "return await snippet.python.call('agent.reply', 'again')") == "You said: again"


def test_the_scripted_engine(driver, page_server):
    code = snippet(README, "js", "const bridge = await installBridge(pyodide, {")
    prelude = PAGE_PRELUDE + f'const model = "{PAGE_MODEL}";\n'
    run_module(driver, page_server, "scripted.mjs", prelude + code.code + "export { bridge, pyodide };\n")
    state = chromium.run(
        driver,
        "const { control } = await import('/webllm/testing/control.js');"
        " return await control(snippet.bridge, { action: 'state' });",
    )
    assert state["loaded"] == [PAGE_MODEL] and state["queued"] == 3, state
    ask = "{'messages': [{'role': 'user', 'content': 'Hi'}]}"
    assert run_python(driver, f"print((await WebLLMProvider().complete({ask})).content[0].text)") == "Hello there\n"


def test_the_tiny_model(driver, page_server):
    code = snippet(README, "js", "import { TINY_MODEL_ID, tinyModelAppConfig }")
    usual = driver.timeouts.script
    driver.set_script_timeout(300)  # the real engine compiles the tiny model's shaders on the CPU
    try:
        run_module(driver, page_server, "tiny.mjs", PAGE_PRELUDE + code.code + "export { bridge, pyodide };\n")
    finally:
        driver.set_script_timeout(usual)
    # WebLLM's real engine answers with the tiny model (gibberish: only its figures are checked).
    ask = "{'messages': [{'role': 'user', 'content': 'Hi'}], 'max_tokens': 2}"
    out = run_python(driver, f"r = await WebLLMProvider().complete({ask})\nprint(r.usage.input_tokens > 0)")
    assert out == "True\n"


def test_the_mount_plan():
    plan = yaml.safe_load(snippet(README, "yaml", "providers:").code)
    (entry,) = plan["providers"]
    modules = {ep.name: ep for ep in entry_points(group="amplifier.modules")}
    assert entry["module"] in modules, "the README's module name is not the package's entry point"
    config = ProviderConfig.from_dict(entry["config"])  # ConfigurationError on a key or value it does not take
    assert config.priority == 1 and config.use_streaming is True


def test_the_configuration_table_names_the_config_fields():
    text = README.read_text()
    table = text[text.index("## Configuration") : text.index("Every setting")]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| `")]
    named = {key for row in rows for key in re.findall(r"`(\w+)`", row[1])}
    assert named == {f.name for f in fields(ProviderConfig)}


def test_the_gateway_from_cpython(gateway, open_tab):
    open_tab(gateway, PAGE_MODEL)
    here = {"TOKEN": gateway.token}
    for first_line in ("from openai import OpenAI", "from webllm_provider import WebLLMProvider\n"):
        code = snippet(README, "python", first_line).replace("http://127.0.0.1:8765", gateway.url).code
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, here)  # noqa: S102 (the README's own code)
        if first_line.startswith("from openai"):
            assert out.getvalue() == "You said: Hi!"
    ask = {"messages": [{"role": "user", "content": "through the gateway"}]}
    response = asyncio.run(here["provider"].complete(ask))
    assert response.content[0].text == "You said: through the gateway"


PATH = re.compile(r"`((?:js|webllm_provider|tests|tools|bench|examples|docs)/[\w./-]*)`")


def test_paths_named_in_the_docs_exist():
    named = {(doc, path) for doc in [*DOCS, ROOT / "bench" / "README.md"] for path in PATH.findall(doc.read_text())}
    # What make bench writes is absent until it runs: .gitignore names each such file.
    outputs = set((ROOT / ".gitignore").read_text().split())
    missing = [f"{doc.relative_to(ROOT)}: {path}" for doc, path in sorted(named) if path not in outputs]
    missing = [entry for entry in missing if not (ROOT / entry.split(": ")[1]).exists()]
    assert not missing, missing
