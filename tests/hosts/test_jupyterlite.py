"""JupyterLite (jupyterlite-core and jupyterlite-pyodide-kernel from PyPI, built by make on
build/dist's Pyodide, tools/build_lite.py): the README's notebook cells `%pip install` the wheel
from the site's own pypi/ folder, load the tiny model and get a reply, in the kernel's worker
(the engine is a nested worker there). Driven through the notebook UI in headless Chromium."""

import pytest

from ..conftest import ROOT, chromium
from ..docs.snippets import snippet
from .conftest import LITE, TINY_MODEL_ID, browser_log

README = ROOT / "README.md"

# Saves the notebook into the site's browser storage, opens it and starts running every cell.
RUN_NOTEBOOK = """
const [name, cells] = arguments;
const app = window.jupyterapp;
await app.restored;  // every plugin activated (the app is exposed before)
await app.serviceManager.ready;
await app.serviceManager.kernelspecs.ready;
const content = {
  nbformat: 4, nbformat_minor: 5, metadata: {kernelspec: {name: "python", display_name: "Python (Pyodide)"}},
  cells: cells.map((source) => ({cell_type: "code", source, metadata: {}, outputs: [], execution_count: null})),
};
await app.serviceManager.contents.save(name, {type: "notebook", format: "json", content});
const panel = await app.commands.execute("docmanager:open", {path: name, factory: "Notebook"});
await panel.sessionContext.ready;
// Resolves when the cells have run: not awaited here, the test polls the outputs.
void app.commands.execute("notebook:run-all-cells");
"""
OUTPUTS = """
const panel = window.jupyterapp.shell.currentWidget;
const cells = panel.content.model.cells;
const all = [];
for (let i = 0; i < cells.length; i++) {
  all.push({count: cells.get(i).executionCount, outputs: cells.get(i).outputs.toJSON()});
}
return {status: panel.sessionContext.session?.kernel?.status ?? null, cells: all};
"""


@pytest.fixture(scope="module")
def lite(hosts):
    if not (LITE / "jupyter-lite.json").exists():
        pytest.exit("build/lite is missing: run `make lite` (make test builds it)", returncode=4)
    return f"{hosts.url}/lite"


def notebook_outputs(driver, cells: int, timeout: float):
    def done():
        state = chromium.run(driver, OUTPUTS)
        errors = [o for cell in state["cells"] for o in cell["outputs"] if o["output_type"] == "error"]
        if errors:
            raise AssertionError(f"a cell failed: {errors[0]['ename']}: {errors[0]['evalue']}")
        finished = len(state["cells"]) == cells and all(cell["count"] for cell in state["cells"])
        return state["cells"] if finished and state["status"] == "idle" else None

    return chromium.until(done, timeout, "every cell to run", explain=lambda: browser_log(driver))


def test_the_readmes_notebook_cells_get_a_reply_from_the_tiny_model(driver, hosts, lite):
    cell = snippet(README, "python", "%pip install webllm-provider").replace(
        "https://example.org/models/", f"{hosts.url}/models/"
    )
    code = cell.replace("my-model-q4f16_1", TINY_MODEL_ID).code
    cells = code.strip().split("\n\n")
    assert len(cells) == 3, "the README's cells: install, load, ask"
    cells.append("response.usage.output_tokens")  # the test's own: the engine generated the reply
    driver.get(f"{lite}/lab/index.html")
    chromium.until_js(driver, "!!window.jupyterapp", 120, "JupyterLite to start")
    chromium.run(driver, RUN_NOTEBOOK, "host.ipynb", cells)
    installed, loaded, asked, generated = notebook_outputs(driver, len(cells), 240)
    assert installed["count"] == 1 and not [o for o in installed["outputs"] if o.get("name") == "stderr"]
    # load_model answers with the model it loaded: the cell's value.
    assert [o["data"]["text/plain"] for o in loaded["outputs"] if o["output_type"] == "execute_result"] == [
        repr(TINY_MODEL_ID)
    ]
    (result,) = [o for o in asked["outputs"] if o["output_type"] == "execute_result"]
    # Sampled at the model's own temperature (the cell sets none): a reply as a list of text blocks.
    assert result["data"]["text/plain"].startswith("['"), result
    (tokens,) = [o["data"]["text/plain"] for o in generated["outputs"] if o["output_type"] == "execute_result"]
    assert int(tokens) >= 1
