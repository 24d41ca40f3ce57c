"""The app's Python placement and engine host: Python in a worker by default
(the page stays responsive while a tool runs), the shared engine as a setting,
and the page says which is in use."""

from __future__ import annotations

from ..conftest import chromium
from .conftest import AppPage
from .test_app import answer


def label(app: AppPage) -> str:
    return app.js("return document.getElementById('engine-label').textContent")


def test_python_runs_in_a_worker_by_default_and_the_page_stays_responsive(app: AppPage):
    app.open()
    assert "engine in this tab" in label(app) and "Python agent in a worker" in label(app)
    assert app.js("return app.python.placement") == "worker"
    # Python busy for 1.5 s in the worker (as a long tool run would be): the page's timers keep running.
    ticks = app.js_async(
        """
        let ticks = 0;
        const timer = setInterval(() => (ticks += 1), 10);
        await app.python.call("time.sleep", 1.5);
        clearInterval(timer);
        return ticks;
        """
    )
    assert ticks >= 20, f"the page's timer ran {ticks} times in 1.5 s"
    app.push(answer("Still chatting."))
    app.type_and_send("Hello")
    app.wait_busy()
    app.wait_idle()
    assert app.messages()[-1]["text"] == "Still chatting."


def test_the_shared_engine_is_a_setting_and_the_page_says_so(app: AppPage):
    app.open()
    app.driver.find_element("id", "settings-button").click()
    app.driver.find_element("id", "shared-engine-toggle").click()
    assert app.js("return localStorage.getItem('app:engine-host')") == "shared"
    app.open()  # the engine is chosen at start-up
    assert "engine shared by all tabs" in label(app)
    assert "shared engine" in app.status()
    assert app.js("return app.bridge.placement") == "shared"
    app.push(answer("From the shared engine."))
    app.type_and_send("Hello")
    app.wait_busy()
    app.wait_idle()
    assert app.messages()[-1]["text"] == "From the shared engine."
    app.js("localStorage.removeItem('app:engine-host')")
    app.js_async(
        "const { endSharedEngine } = await import('/webllm/python-launcher.js');"
        "endSharedEngine('/webllm/testing/scripted-worker.js');"
    )
    chromium.until_shared_workers_gone(app.driver)


def test_python_on_the_page_is_an_option(app: AppPage):
    app.open("engine=scripted&python=main")
    assert "Python agent on the page" in label(app)
    assert app.js("return app.python.placement") == "main"
    app.push(answer("On the page."))
    app.type_and_send("Hello")
    app.wait_busy()
    app.wait_idle()
    assert app.messages()[-1]["text"] == "On the page."


def test_without_shared_worker_the_shared_engine_setting_runs_the_tabs_own_and_says_so(app: AppPage):
    """Chrome on Android has no SharedWorker: the setting degrades to this tab's engine, and the status says why."""
    with chromium.without_shared_worker(app.driver):
        app.open("engine=scripted&engine-host=shared")
        chromium.until(lambda: "no SharedWorker" in app.status(), 20, "the status to name the fallback")
        assert "engine in this tab" in label(app) and "engine in this tab" in app.status()
        app.push(answer("From this tab's engine."))
        app.type_and_send("Hello")
        app.wait_busy()
        app.wait_idle()
        assert app.messages()[-1]["text"] == "From this tab's engine."
