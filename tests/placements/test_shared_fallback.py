"""The shared engine degrades instead of failing: where the browser has no SharedWorker
(Chrome on Android) or its SharedWorker has no WebGPU, `engine: "shared"` runs a dedicated
engine, and the bridge says so (`placed`, which the app shows in its status)."""

import pytest

from ..conftest import chromium


@pytest.fixture
def without_shared_worker(driver):
    with chromium.without_shared_worker(driver):
        yield


def chats(page) -> None:
    """A reply, and a stream (its turns go to the dedicated engine, which grants them in order)."""
    assert page.call("cases.complete", "hi")["text"] == "You said: hi"
    streamed = page.call("cases.stream", "streamed")
    assert streamed["text"] == "You said: streamed" and len(streamed["deltas"]) > 1


@pytest.mark.parametrize("python", ["worker", "main"])
def test_without_shared_worker_the_engine_runs_in_the_tab(python_page, without_shared_worker, python):
    page = python_page(python, "shared")
    assert page.js("return typeof SharedWorker;") == "undefined"
    placed = page.js("return await globalThis.started.bridge.placed;")
    assert placed["placement"] == "dedicated" and "no SharedWorker" in placed["note"], placed
    chats(page)


@pytest.mark.parametrize("python", ["worker", "main"])
def test_a_shared_worker_without_webgpu_falls_back_to_a_dedicated_engine(python_page, driver, python):
    page = python_page(python, "shared", worker="no-gpu-scripted-worker.js")
    placed = page.js("return await globalThis.started.bridge.placed;")
    assert placed["placement"] == "dedicated" and "SharedWorker" in placed["note"], placed
    chats(page)
    # The probe's shared worker is told to end, so the next test starts with none.
    page.js(
        'const { endSharedEngine } = await import("/webllm/python-launcher.js"); endSharedEngine(arguments[0]);',
        page.js("return location.origin;") + "/webllm/testing/no-gpu-scripted-worker.js",
    )
    chromium.until_shared_workers_gone(driver)
