"""PyScript (@pyscript/core from npm, pointed at build/dist's Pyodide): a `<script type="py">`
on the page and a `<script type="py" worker>`, each with the wheel in `packages` and no
JavaScript of their own, chat with a tool on the scripted engine; the worker's provider then
loads the tiny real model in its nested engine worker (WebGPU there) and gets a reply."""

import json
import urllib.parse
from pathlib import Path

from .conftest import PY_REPORT, REPORT_LISTENER, reports, tiny_model_app_config
from .tool_chat import SCRIPTED_REPLIES

TOOL_CHAT = (Path(__file__).parent / "tool_chat.py").read_text()


def scripted_worker(hosts) -> str:
    """The scripted engine, its replies in its URL (the engine is the provider's own: no test code reaches it)."""
    return f"{hosts.url}/webllm/testing/scripted-worker.js?replies={urllib.parse.quote(json.dumps(SCRIPTED_REPLIES))}"


def pyscript_page(hosts, name: str, code: str, *, worker: bool) -> str:
    config = {"interpreter": f"{hosts.url}/pyodide.mjs", "packages": [hosts.wheel]}
    script = "\n".join([PY_REPORT, TOOL_CHAT, "import js", IN_WORKER, code])
    return hosts.page(
        name,
        f"""<!doctype html>
<meta charset="utf-8">
<script type="module" src="/pyscript/core.js"></script>
{REPORT_LISTENER}
<script type="py" {"worker" if worker else ""} config='{json.dumps(config)}'>
{script}
</script>
""",
    )


# PyScript gives a worker `js.document` (a proxy of the page's), so the scope says where Python runs.
IN_WORKER = """
def in_worker():
    return bool(js.eval("typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope"))
"""


def run_reporting(body: str) -> str:
    """``body`` (top-level await) with any failure reported instead of lost in the console."""
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return f"""
async def main():
{indented}

try:
    await main()
except BaseException as exc:
    import traceback
    report({{"error": "".join(traceback.format_exception(exc))}})
"""


TOOL_CHAT_RUN = """
from webllm_provider import WebLLMProvider
provider = WebLLMProvider({{"worker_url": {worker_url!r}}})
result = await chat_with_tool(provider)
report({{**result, "in_worker": in_worker()}})
"""
EXPECTED_CHAT = {"call": ["add", {"a": 2, "b": 3}], "answer": "2 + 3 = 5.", "shown": "2 + 3 = 5."}


def test_a_pyscript_script_on_the_page_chats_with_a_tool(driver, hosts):
    code = run_reporting(TOOL_CHAT_RUN.format(worker_url=scripted_worker(hosts)))
    driver.get(pyscript_page(hosts, "pyscript-main.html", code, worker=False))
    assert reports(driver, 1, 150) == [{**EXPECTED_CHAT, "in_worker": False}]


def test_a_pyscript_worker_chats_with_a_tool_then_runs_the_tiny_model_in_a_nested_worker(driver, hosts):
    """One worker (one Pyodide boot) for both: the second provider's settings replace the first's engine."""
    app_config = tiny_model_app_config(hosts)
    model_id = app_config["model_list"][0]["model_id"]
    code = run_reporting(
        TOOL_CHAT_RUN.format(worker_url=scripted_worker(hosts))
        + f"""
provider = WebLLMProvider({{"app_config": {app_config!r}, "max_tokens": 4, "temperature": 0}})
progress = []
model = await provider.load_model({model_id!r}, progress.append)
response = await provider.complete({{"messages": [{{"role": "user", "content": "Hi"}}]}})
report({{"model": model, "progress": [p["progress"] for p in progress],
         "text": "".join(block.text for block in response.content),
         "tokens": response.usage.output_tokens, "in_worker": in_worker()}})
"""
    )
    driver.get(pyscript_page(hosts, "pyscript-worker.html", code, worker=True))
    chat, tiny = reports(driver, 2, 200)
    assert chat == {**EXPECTED_CHAT, "in_worker": True}
    assert tiny["in_worker"] and tiny["model"] == model_id
    assert tiny["progress"] and tiny["progress"][-1] == 1
    # Greedy: the greeting the model was taught, cut at 4 tokens.
    assert tiny["text"].startswith("Hello") and tiny["tokens"] == 4, tiny
