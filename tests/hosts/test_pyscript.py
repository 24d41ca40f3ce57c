"""PyScript (@pyscript/core from npm, pointed at build/dist's Pyodide): a `<script type="py">`
on the page and a `<script type="py" worker>`, each with the wheel in `packages` and no
JavaScript of their own, chat with a tool on the scripted engine; the worker's provider then
loads the tiny real model in its nested engine worker (WebGPU there) and gets a reply."""

import json
import urllib.parse
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("worker", [False, True], ids=["main-thread", "worker"])
def test_a_pyscript_script_chats_with_a_tool(driver, hosts, worker):
    code = run_reporting(f"""
from webllm_provider import WebLLMProvider
import js
provider = WebLLMProvider({{"worker_url": {scripted_worker(hosts)!r}}})
result = await chat_with_tool(provider)
report({{**result, "in_worker": in_worker()}})
""")
    driver.get(pyscript_page(hosts, f"pyscript-{worker}.html", code, worker=worker))
    (result,) = reports(driver, 1, 150)
    assert result == {
        "call": ["add", {"a": 2, "b": 3}],
        "answer": "2 + 3 = 5.",
        "shown": "2 + 3 = 5.",
        "in_worker": worker,
    }


def test_a_pyscript_worker_runs_the_tiny_model_in_a_nested_worker(driver, hosts):
    app_config = tiny_model_app_config(driver, hosts)
    code = run_reporting(f"""
from webllm_provider import WebLLMProvider
import js
provider = WebLLMProvider({{"app_config": {app_config!r}, "max_tokens": 4, "temperature": 0}})
progress = []
model = await provider.load_model({app_config["model_list"][0]["model_id"]!r}, progress.append)
response = await provider.complete({{"messages": [{{"role": "user", "content": "Hi"}}]}})
report({{"model": model, "progress": [p["progress"] for p in progress],
         "text": "".join(block.text for block in response.content),
         "tokens": response.usage.output_tokens, "in_worker": in_worker()}})
""")
    driver.get(pyscript_page(hosts, "pyscript-tiny.html", code, worker=True))
    (result,) = reports(driver, 1, 150)
    assert result["in_worker"] and result["model"] == app_config["model_list"][0]["model_id"]
    assert result["progress"] and result["progress"][-1] == 1
    # Random weights: the text means nothing, but the real engine generated it, token by token.
    assert isinstance(result["text"], str) and 1 <= result["tokens"] <= 4, result
