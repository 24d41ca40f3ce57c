"""The README's Python-only ways in, run as written in their hosts, on the scripted engine
(which answers "You said: ..."; WebLLM's real worker protocol, handler and client): the
micropip snippet in a plain Pyodide page, the plain page that unpacks the wheel while Pyodide
boots, the PyScript page as a page. Substitutions are the
local files for the CDN's and the registry's, and the scripted engine for the model."""

import json

from ..conftest import ROOT, chromium
from ..docs.snippets import snippet
from .conftest import browser_log
from .test_pyodide_page import plain_page

README = ROOT / "README.md"
SCRIPTED = '"worker_url": "/webllm/testing/scripted-worker.js"'


def test_the_micropip_snippet_in_a_plain_pyodide_page(driver, hosts):
    code = (
        snippet(README, "python", "import micropip")
        .replace('micropip.install("webllm-provider")', f"micropip.install({hosts.wheel!r})")
        .replace("WebLLMProvider()", f"WebLLMProvider({{{SCRIPTED}}})")
        .code
    )
    driver.get(plain_page(hosts, "readme-micropip.html"))
    chromium.until_js(driver, "!!window.pyodide", 60, "Pyodide to boot")
    out = chromium.run(
        driver,
        """
        let out = "";
        const decoder = new TextDecoder();
        pyodide.setStdout({ write: (bytes) => ((out += decoder.decode(bytes)), bytes.length) });
        await pyodide.loadPackagesFromImports(arguments[0]);  // what Pyodide's REPL does for an import
        await pyodide.runPythonAsync(arguments[0]);
        return out;
        """,
        code,
    )
    # The load's progress lines (the scripted engine reports WebLLM's), then the reply.
    assert out.splitlines()[-1] == "You said: Hi!", out
    assert len(out.splitlines()) > 1


def test_the_plain_page_that_unpacks_the_wheel_while_pyodide_boots(driver, hosts):
    script = (
        snippet(README, "js", "// A plain page: the wheel downloads while Pyodide boots.")
        .replace('"./pyodide.mjs"', '"/pyodide.mjs"')
        .replace('"./webllm_provider-0.1.0-py3-none-any.whl"', repr(hosts.wheel))
        .replace("WebLLMProvider()", f"WebLLMProvider({{{SCRIPTED}}})")
        .code
    )
    page = f'<!doctype html>\n<meta charset="utf-8">\n<script type="module">\n{script}</script>'
    driver.get(hosts.page("readme-unpack.html", page))
    shown = chromium.until(
        lambda: driver.find_element("tag name", "body").text,
        60,
        "the reply on the page",
        explain=lambda: browser_log(driver),
    )
    assert shown == "You said: Hi!"


def test_the_pyscript_page(driver, hosts):
    config = json.dumps({"interpreter": f"{hosts.url}/pyodide.mjs", "packages": [hosts.wheel]})
    html = (
        snippet(README, "html", '<script type="module" src="https://cdn.jsdelivr.net/npm/@pyscript/core')
        .replace("https://cdn.jsdelivr.net/npm/@pyscript/core@0.7.31/dist/core.js", "/pyscript/core.js")
        .replace("""config='{"packages": ["webllm-provider"]}'""", f"config='{config}'")
        .replace("WebLLMProvider()", f"WebLLMProvider({{{SCRIPTED}}})")
        .code
    )
    driver.get(hosts.page("readme-pyscript.html", f'<!doctype html>\n<meta charset="utf-8">\n{html}'))
    shown = chromium.until(
        lambda: "You said: Hi!" in driver.find_element("tag name", "body").text and driver.page_source,
        150,
        "the reply on the page",
        explain=lambda: browser_log(driver),
    )
    assert "You said: Hi!" in shown
