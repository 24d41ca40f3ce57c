"""The same Python, on the page's main thread and in the Python worker, against
a dedicated and a shared engine: streaming, stop, load progress, typed errors,
a dying engine worker and a lost GPU device behave the same in every placement."""

import pytest

from ..conftest import chromium
from .conftest import MODEL

PLACEMENTS = [
    pytest.param("worker", "dedicated", id="worker-dedicated"),
    pytest.param("main", "dedicated", id="main-dedicated"),
    pytest.param("worker", "shared", id="worker-shared"),
    pytest.param("main", "shared", id="main-shared"),
]


@pytest.mark.parametrize(("python", "engine"), PLACEMENTS)
def test_stream_reaches_python_and_the_page_gets_its_events(python_page, python, engine):
    page = python_page(python, engine)
    page.control("push", replies=[{"content": "one two three four"}])
    result = page.call("cases.stream", "hi")
    assert result["text"] == "one two three four" and result["finish_reason"] == "stop"
    assert len(result["deltas"]) >= 4
    events = page.js("return globalThis.events;")
    assert [data["text"] for name, data in events if name == "delta"] == result["deltas"]


@pytest.mark.parametrize(("python", "engine"), PLACEMENTS)
def test_stop_mid_reply_stops_the_generation_and_the_next_request_works(python_page, python, engine):
    page = python_page(python, engine)
    page.control("push", replies=[{"content": " ".join(["slow"] * 200), "tokens_per_second": 50}])
    result = page.call("cases.stop_after", 3, "go")
    assert 3 <= result["seen"] < 200
    assert result["after"] == "You said: after the stop"


@pytest.mark.parametrize(("python", "engine"), PLACEMENTS)
def test_load_progress_reaches_python_and_the_page(python_page, python, engine):
    page = python_page(python, engine, model=None)
    page.control("setLoadDelay", ms=300)
    reports = page.call("cases.load_with_progress", "Qwen2.5-1.5B-Instruct-q4f32_1-MLC")
    assert reports and reports[-1] == 1
    assert page.js("return globalThis.progress;")[-1] == 1


@pytest.mark.parametrize(("python", "engine"), PLACEMENTS)
def test_engine_errors_are_typed(python_page, python, engine):
    page = python_page(python, engine)
    page.control("push", replies=[{"error": {"name": "ContextWindowSizeExceededError", "message": "too long"}}])
    assert page.call("cases.failure", "x") == {
        "type": "ContextLengthError",
        "webllm_name": "ContextWindowSizeExceededError",
        "retryable": False,
    }


@pytest.mark.parametrize(("python", "engine"), PLACEMENTS)
def test_a_dying_engine_worker_fails_typed_then_a_fresh_one_serves(python_page, python, engine):
    page = python_page(python, engine)
    page.control("push", replies=[{"content": " ".join(["slow"] * 200), "tokens_per_second": 20}])
    pending = page.js("globalThis.pending = globalThis.python.call('cases.failure', 'talk'); return null;")
    assert pending is None
    page.wait_received(1)
    page.control("crash", how="close")
    failure = page.js("return await globalThis.pending;")
    assert failure["type"] == "ProviderUnavailableError" and failure["webllm_name"] == "WorkerError"
    assert page.call("cases.complete", "hello again")["text"] == "You said: hello again"


@pytest.mark.parametrize(("python", "engine"), PLACEMENTS)
def test_device_lost_is_retryable_and_a_fresh_engine_serves(python_page, python, engine):
    page = python_page(python, engine)
    page.control("push", replies=[{"content": "lost", "error": {"name": "DeviceLostError", "message": "GPU gone"}}])
    page.control("push", replies=[{"content": "still the old engine"}])
    failure = page.call("cases.failure", "go")
    assert failure == {"type": "ProviderUnavailableError", "webllm_name": "DeviceLostError", "retryable": True}
    # A fresh engine has no script left: it echoes (the old one would say "still the old engine").
    assert page.call("cases.complete", "are you back")["text"] == "You said: are you back"


@pytest.mark.parametrize("python", ["worker", "main"])
def test_only_the_worker_placement_keeps_the_page_running_while_python_is_busy(python_page, python):
    page = python_page(python)
    ticks = page.js(
        """
        let ticks = 0;
        const timer = setInterval(() => (ticks += 1), 10);
        await new Promise((resolve) => setTimeout(resolve, 0));
        await globalThis.python.call("cases.busy", 1500);
        clearInterval(timer);
        return ticks;
        """
    )
    if python == "worker":
        assert ticks >= 20, f"the page's timer ran {ticks} times in 1.5 s"
    else:
        assert ticks <= 2, f"main-thread Python blocks the page (timer ran {ticks} times)"


def test_python_api_errors_are_typed(python_page):
    page = python_page("worker")
    with pytest.raises(chromium.ScriptRejected) as missing:
        page.call("cases.no_such_function")
    assert missing.value.name == "TypeError"
    assert missing.value.message == "cases.no_such_function is not a Python function."
    with pytest.raises(chromium.ScriptRejected) as missing_argument:
        page.call("cases.failure")
    assert missing_argument.value.name == "PythonError"  # Python's own error
    assert "missing 1 required positional argument" in missing_argument.value.message
    with pytest.raises(chromium.ScriptRejected, match="^Message: TypeError: "):
        page.js("return await globalThis.python.call('nodot');")
    assert MODEL in page.control("state")["loaded"]


def test_a_dying_python_worker_fails_pending_calls_typed(python_page):
    page = python_page("worker")
    page.js(
        """globalThis.pending = python.call("cases.busy", 5000).then(
            () => "answered", (error) => `${error.name}: ${error.message}`);"""
    )
    chromium.until(lambda: ["busy", {"ms": 5000}] in page.js("return globalThis.events;"), 30, "Python to be busy")
    failure = page.js("python.worker.terminate(); return await globalThis.pending;")
    assert failure == "WorkerError: The Python worker stopped."
    later = page.js("return await python.call('cases.ping').catch((error) => error.name);")
    assert later == "WorkerError"
