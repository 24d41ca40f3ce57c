"""Harness shared by the test layers (``make test`` runs all four).

    tests/cpython/   plain pytest on the host (amplifier-core installed)
    tests/node/      pytest-pyodide, ``--runtime node``   (Pyodide in Node, no DOM, no Worker)
    tests/browser/   pytest-pyodide, ``--runtime chrome`` (headless Chromium; see browser/conftest.py)
    tests/app/       the example app in headless Chromium (its own Selenium fixtures)

The Pyodide layers need ``--dist-dir build/dist``, built by ``make`` with
tools/build_pyodide_dist.py. ``make test`` runs each layer in its own pytest
invocation.

Fixtures defined here:
- ``web_server_main``: pytest-pyodide's static server for the dist folder,
  with the demo server's MIME types and COOP/COEP headers (tools/serve.py), so
  tests see the page the way ``make demo`` serves it (cross-origin isolated).
- ``provider_wheel``: file name of our wheel in the dist folder.
- ``provider_installed``: ``selenium`` (a pytest-pyodide runner, module-scoped
  Pyodide) with our wheel installed by micropip, offline, from the dist folder.

``@run_in_pyodide(packages=[PROVIDER_PACKAGE])`` ("webllm-provider") loads the
same wheel through the dist's lock instead, without micropip.
"""

import json
from pathlib import Path

import pytest

from tools import chromium, serve  # noqa: F401 (re-exported to the layers' conftests)

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_PACKAGE = "webllm-provider"  # its name in build/dist/pyodide-lock.json


def _demo_handler():
    from pytest_pyodide.server import DefaultHandler

    # DefaultHandler first: it serves pytest-pyodide's test pages and adds CORS.
    class Handler(DefaultHandler, serve.Handler):
        pass

    return Handler


def _dist_lock(config) -> dict:
    """The dist folder's pyodide-lock.json; stops the run if the folder is not usable."""
    lock_file = Path(config.option.dist_dir) / "pyodide-lock.json"
    if not lock_file.exists():
        pytest.exit(
            f"{lock_file.parent} is not a built Pyodide dist: run `make dist`, then pass --dist-dir build/dist",
            returncode=4,
        )
    lock = json.loads(lock_file.read_text())
    # run_in_pyodide runs host-rewritten assertions with the dist's pytest.
    shipped = lock["packages"].get("pytest", {}).get("version", pytest.__version__)
    if shipped != pytest.__version__:
        pytest.exit(
            f"the dist ships pytest {shipped}, the host runs {pytest.__version__}: "
            "align WHEELS in tools/build_pyodide_dist.py",
            returncode=4,
        )
    return lock


@pytest.fixture(scope="session")
def web_server_main(request):
    from pytest_pyodide.server import spawn_web_server

    _dist_lock(request.config)
    with spawn_web_server(request.config.option.dist_dir, handler_cls=_demo_handler()) as server:
        yield server


@pytest.fixture(scope="session")
def provider_wheel(request) -> str:
    return _dist_lock(request.config)["packages"][PROVIDER_PACKAGE]["file_name"]


def install_wheel(selenium, wheel: str) -> None:
    """Install our wheel with micropip, offline, from the test server (once per Pyodide)."""
    selenium.run_js(
        f"""
        if (!globalThis.__webllmProviderInstalled) {{
            await pyodide.loadPackage("micropip");
            await pyodide.runPythonAsync(`
                import micropip
                await micropip.install("/{wheel}")
            `);
            globalThis.__webllmProviderInstalled = true;
        }}
        """
    )


@pytest.fixture
def provider_installed(selenium, provider_wheel):
    """``selenium`` with our wheel installed by micropip (once per Pyodide instance).

    micropip fetches ``/<wheel>`` from the test server: in Chromium relative to
    the page, in Node through pytest-pyodide's fetch, which resolves it against
    the server's URL.
    """
    install_wheel(selenium, provider_wheel)
    return selenium
