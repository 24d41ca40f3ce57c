"""The example chat app in headless Chromium, behind the scripted engine.

One browser for the module; each test starts from an origin with nothing
stored and opens the page itself, so the tests pass in any order. The
scripted engine sits behind WebLLM's real worker handler, and the app runs
the real Python agent and provider in Pyodide.

On the constrained tool path (every model that SwiftShader can run), a reply
is JSON held to a schema: ``{"answer": ...}`` or ``{"tool_calls": [...]}``,
so the scripted replies are written that way; the provider streams the
answer's text as it is decoded.
"""

from __future__ import annotations

import json
import re
import time

from webllm_provider.protocol import WEBGPU_BROWSERS

from .conftest import DEMO_MODEL, ROOT, AppPage, new_driver

SCREENSHOT = ROOT / "build" / "screenshots" / "app.png"


def answer(text: str, **extra) -> dict:
    return {"content": json.dumps({"answer": text}), **extra}


def tool_calls(*calls: tuple[str, dict], **extra) -> dict:
    return {"content": json.dumps({"tool_calls": [{"name": n, "arguments": a} for n, a in calls]}), **extra}


def record_streaming(app: AppPage) -> None:
    """From now on, note every text the streaming reply bubble shows."""
    app.js("""
        window.__frames = [];
        window.__observer?.disconnect();
        window.__observer = new MutationObserver(() => {
            const body = document.querySelector('#messages .streaming .body');
            // Only what is on screen counts: a hidden bubble streams nothing to the user.
            if (body && body.checkVisibility() && body.textContent !== window.__frames.at(-1)) {
                window.__frames.push(body.textContent);
            }
        });
        window.__observer.observe(
            document.getElementById('messages'), {subtree: true, childList: true, characterData: true});
    """)


def watch_elements(app: AppPage) -> None:
    """From now on, note the tag of every element put into the conversation, even briefly."""
    app.js("""
        window.__added = [];
        new MutationObserver((records) => {
            for (const record of records) for (const node of record.addedNodes) {
                if (node.nodeType !== Node.ELEMENT_NODE) continue;
                window.__added.push(node.localName, ...[...node.querySelectorAll('*')].map((el) => el.localName));
            }
        }).observe(document.getElementById('messages'), {subtree: true, childList: true});
    """)


def pixels(app: AppPage, element) -> dict:
    """What a screenshot of ``element`` shows: its commonest colour, and the share of pixels far from it."""
    return app.js_async(
        """
        const image = new Image();
        image.src = 'data:image/png;base64,' + arguments[0];
        await image.decode();
        const canvas = new OffscreenCanvas(image.width, image.height);
        const context = canvas.getContext('2d');
        context.drawImage(image, 0, 0);
        const {data} = context.getImageData(0, 0, image.width, image.height);
        const counts = new Map();
        for (let i = 0; i < data.length; i += 4) {
            const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
            counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        const [commonest, count] = [...counts].sort((a, b) => b[1] - a[1])[0];
        const [r, g, b] = [commonest >> 16, (commonest >> 8) & 255, commonest & 255];
        let far = 0;
        for (let i = 0; i < data.length; i += 4) {
            if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) > 200) far += 1;
        }
        const total = data.length / 4;
        return {width: image.width, height: image.height, background: `rgb(${r}, ${g}, ${b})`,
                backgroundShare: count / total, inkShare: far / total};
        """,
        element.screenshot_as_base64,
    )


def saved_conversation(app: AppPage):
    """The conversation the app keeps in IndexedDB (store.js), or None."""
    return app.js_async("""
        const db = await new Promise((resolve, reject) => {
            const request = indexedDB.open('webllm-chat', 1);
            request.onupgradeneeded = () => request.result.createObjectStore('conversations');
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
        });
        try {
            return await new Promise((resolve, reject) => {
                const request = db.transaction('conversations').objectStore('conversations').get('current');
                request.onsuccess = () => resolve(request.result ?? null);
                request.onerror = () => reject(request.error);
            });
        } finally {
            db.close();
        }
    """)


def saved_stopped_reply(app: AppPage) -> bool:
    saved = saved_conversation(app)
    return bool(saved) and any(m.get("meta", {}).get("stopped") for m in json.loads(saved)["messages"])


def test_boot_shows_gpu_aware_picker(app: AppPage):
    app.open()
    timings = app.js("return window.appTimings")
    # The history was readable long before Python was: it does not wait for it.
    assert timings["historyShown"] < timings["pythonReady"]
    # The engine reads the catalog while Python boots in its worker.
    assert timings["bridgeImported"] < timings["catalogRead"] < timings["pythonReady"]
    assert app.status().startswith("Ready · Qwen2.5-0.5B-Instruct-q4f32_1-MLC")  # the CPU adapter's default
    options = app.js("return [...document.querySelectorAll('#model-select option')].map(o => [o.value, o.textContent])")
    assert len(options) > 20
    # SwiftShader has no shader-f16: no f16 build is offered, and the page says why.
    assert not [value for value, _ in options if re.search(r"-q\d+f16", value)]
    assert "need shader-f16" in app.js("return document.getElementById('model-note').textContent")
    # Sizes are shown, and models over the VRAM budget are grouped apart, never the default.
    assert any("GB VRAM" in label for _, label in options)
    groups = app.js("return [...document.querySelectorAll('#model-select optgroup')].map(g => g.label)")
    assert groups[0] == "Suggested for this device" and any(g.startswith("Large") for g in groups)
    # The offline demo model (served by the page) has a group of its own and says what it is.
    demo = app.js("""
        const group = [...document.querySelectorAll('#model-select optgroup')].find(g => g.label.includes('demo'));
        return [...group.querySelectorAll('option')].map(o => [o.value, o.textContent]);
    """)
    assert len(demo) == 1 and demo[0][0] == DEMO_MODEL, demo
    assert "offline demo model" in demo[0][1] and "no download" in demo[0][1]
    # WebLLM's catalog keeps its own records: the fixture's Hermes alias does not shadow WebLLM's Hermes model.
    assert len({value for value, _ in options}) == len(options)
    # A strict policy, and nothing it had to refuse (Pyodide needs only 'wasm-unsafe-eval').
    csp = app.js("return document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp and "unsafe-inline" not in csp
    assert "'unsafe-eval'" not in csp and "object-src 'none'" in csp
    logs = app.driver.get_log("browser")
    assert not [e for e in logs if "Content Security Policy" in e["message"] or e["level"] == "SEVERE"], logs


def test_chat_streams_calls_a_tool_and_shows_metrics(app: AppPage):
    app.open()
    app.push(
        tool_calls(("calculator", {"expression": "1234 * 5678"}), tokens_per_second=200),
        answer(
            "1234 × 5678 = **7006652**. That is a seven-digit number, worked out by the calculator tool "
            "rather than in my head, so you can rely on it.",
            tokens_per_second=40,
            prefill_ms=60,
        ),
    )
    record_streaming(app)
    app.type_and_send("What is 1234 * 5678?")
    app.wait_busy()
    app.wait_idle()

    user, call, reply = app.messages()
    assert user == {**user, "role": "user", "text": "What is 1234 * 5678?"}
    # The tool call: shown with its arguments, run in Python, its result shown.
    (card,) = call["tools"]
    assert card["name"] == "calculator" and json.loads(card["args"]) == {"expression": "1234 * 5678"}
    assert card["state"] == "ok" and "7006652" in card["result"]
    # ... and answered: the model got the result back, as a tool result.
    second_request = app.engine_state()["received"][-1]
    assert "7006652" in json.dumps(second_request["messages"][-1])
    assert reply["text"].startswith("1234 × 5678 = 7006652.")
    assert app.js("return document.querySelector('#messages li:last-child .body strong').textContent") == "7006652"

    # Token by token: the bubble showed many growing prefixes of the answer.
    frames = app.js("return window.__frames")
    prefixes = [f for f in frames if f and reply["text"].startswith(f.rstrip())]
    assert len(prefixes) >= 8, frames
    assert [len(f) for f in prefixes] == sorted(len(f) for f in prefixes)

    # Metrics per reply: time to first token, decoding speed, token counts.
    assert re.search(r"TTFT \d+\.\d+ s · [\d.]+ tok/s · \d+ in / \d+ out", reply["meta"]), reply["meta"]
    ttft = float(re.search(r"TTFT (\d+\.\d+)", reply["meta"])[1])
    assert 0.05 <= ttft < 2
    assert "Qwen2.5-0.5B-Instruct-q4f32_1" in reply["meta"]


def test_system_prompt_and_model_switch(app: AppPage):
    app.open()
    app.driver.find_element("id", "settings-button").click()
    prompt = app.driver.find_element("id", "system-prompt")
    prompt.clear()
    prompt.send_keys("You are a pirate. Answer like one.")
    app.driver.find_element("id", "tools-toggle").click()  # tools off: a plain-text reply
    app.driver.find_element("id", "settings-button").click()  # closes settings; the prompt's change fires
    other = "SmolLM2-360M-Instruct-q4f32_1-MLC"
    app.js(
        "const s = document.getElementById('model-select'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('change'));",
        other,
    )
    app.wait_for(f"app.state.model === '{other}'", 20, "the model switch")
    assert app.status().startswith(f"Ready · {other}")
    app.push({"content": "Arr, ready."})
    app.type_and_send("Hello")
    app.wait_busy()
    app.wait_idle()
    assert app.messages()[-1]["text"] == "Arr, ready." and "SmolLM2-360M" in app.messages()[-1]["meta"]
    request = app.engine_state()["received"][-1]
    assert request["model"] == other and "tools" not in request and "response_format" not in request
    assert request["messages"][0] == {"role": "system", "content": "You are a pirate. Answer like one."}


def test_tool_errors_go_back_to_the_model(app: AppPage):
    app.open()
    app.push(
        tool_calls(("calculator", {"expression": "__import__('os').system('x')"})),
        answer("That expression is not arithmetic, so I cannot compute it."),
    )
    app.type_and_send("Evaluate __import__('os').system('x')")
    app.wait_busy()
    app.wait_idle()
    call, reply = app.messages()[-2:]
    (card,) = call["tools"]
    assert card["state"] == "error" and "Unsupported element" in card["result"]
    sent = json.dumps(app.engine_state()["received"][-1]["messages"][-1])
    assert "Error: Unsupported element" in sent
    assert reply["text"].startswith("That expression is not arithmetic")


def test_screenshot_mid_conversation(app: AppPage):
    app.open()
    app.push(
        tool_calls(("todo", {"action": "add", "text": "Buy oat milk"})),
        answer(
            "Added **Buy oat milk** to your to-do list. You now have:\n\n1. Buy oat milk\n\n"
            "Anything else? I can also `remember` things for you.",
            tokens_per_second=30,
        ),
    )
    app.type_and_send("Add 'buy oat milk' to my to-do list")
    app.wait_for(
        "(b => b?.checkVisibility() && b.textContent.includes('You now have'))"
        "(document.querySelector('#messages .streaming .body'))",
        20,
    )
    app.screenshot(SCREENSHOT)  # mid-reply: streaming, with tool cards and metrics above
    app.wait_idle()
    # The finished bubble (a streaming one grows and is then replaced, so it is measured once still).
    bubble = app.driver.find_element("css selector", "#messages li.assistant:last-child .body")
    shown = pixels(app, bubble)
    size = app.js(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.width * devicePixelRatio, r.height * devicePixelRatio];",
        bubble,
    )
    assert abs(shown["width"] - size[0]) <= 2 and abs(shown["height"] - size[1]) <= 2, (shown, size)
    # The bubble is painted in its own colour, with text on it: words, not a blank or broken box.
    assert shown["background"] == app.js("return getComputedStyle(arguments[0]).backgroundColor", bubble), shown
    assert shown["backgroundShare"] > 0.5, shown
    assert 0.01 < shown["inkShare"] < 0.4, shown
    todo = json.loads(app.js("return localStorage.getItem('agent-todo')"))
    assert todo == [{"id": 1, "text": "Buy oat milk", "done": False}]


def test_stop_keeps_the_partial_reply_and_the_next_message_works(app: AppPage):
    app.open()
    words = " ".join(f"word{i}" for i in range(200))
    app.push(answer(words, tokens_per_second=20))
    app.type_and_send("Tell me a long story")
    app.wait_for("document.querySelector('#messages .streaming .body')?.textContent.includes('word5')", 20)
    started = time.monotonic()
    app.driver.find_element("id", "stop-button").click()
    app.wait_idle(timeout=5)
    assert time.monotonic() - started < 3
    stopped = app.messages()[-1]
    assert "stopped" in stopped["classes"] and "stopped" in stopped["meta"].lower()
    assert stopped["text"].startswith("word0 word1") and len(stopped["text"]) < len(words)
    # The next message works, and at once: the engine really stopped (the rest
    # of the story, ~9 s at 20 tokens/s, would otherwise hold the queue).
    app.push(answer("Sorry for the long story. Here is the short version."))
    started = time.monotonic()
    app.type_and_send("Shorter, please")
    app.wait_busy()
    app.wait_idle()
    assert time.monotonic() - started < 4
    assert app.messages()[-1]["text"] == "Sorry for the long story. Here is the short version."
    context = json.dumps(app.engine_state()["received"][-1]["messages"])
    assert "word0 word1" in context and "Shorter, please" in context


def test_model_output_is_inert_text(app: AppPage):
    hostile = (
        "<img src=x onerror=\"window.__xss = 'img'\"> and "
        "<script>window.__xss = 'script'</script> and "
        "[click](javascript:window.__xss='link') and <b onmouseover=alert(1)>bold?</b>"
    )
    app.open()
    app.push(answer(hostile, tokens_per_second=100))
    watch_elements(app)  # while it streams too: an element made for one frame could still run its handler
    app.type_and_send("Say something dangerous")
    app.wait_busy()
    app.wait_idle()
    reply = app.messages()[-1]
    assert "<img src=x onerror=" in reply["text"] and "<script>" in reply["text"]
    added = set(app.js("return window.__added"))
    assert "li" in added and "p" in added, added  # the observer saw the reply being built
    assert not added & {"img", "script", "b", "a", "iframe"}, added
    found = app.js("""
        const m = document.getElementById('messages');
        return {img: m.querySelectorAll('img').length, script: m.querySelectorAll('script').length,
                b: m.querySelectorAll('b').length, links: [...m.querySelectorAll('a')].map(a => a.href),
                xss: window.__xss ?? null};
    """)
    assert found == {"img": 0, "script": 0, "b": 0, "links": [], "xss": None}


def test_the_bundled_app_parses_no_html(dist_dir):
    # ESLint keeps innerHTML out of our sources; this keeps it out of what the
    # bundler pulls in (the Markdown parser's browser build would bring one).
    bundle = (dist_dir / "app.js").read_text()
    assert "renderMarkdown" in bundle
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|DOMParser|document\.write", bundle)


def test_a_reasoning_models_thinking_is_folded_above_its_answer(app: AppPage):
    app.open()
    app.push(answer("<think>The user greets me. <b>Be</b> kind.</think>\n\nHello, **friend**.", tokens_per_second=200))
    app.type_and_send("Hi")
    app.wait_busy()
    app.wait_idle()
    shown = app.js("""
        const li = document.querySelector('#messages li.assistant:last-child');
        const details = li.querySelector('details.thinking');
        return {open: details.open, summary: details.querySelector('summary').textContent,
                thinking: details.querySelector('div').textContent, bold: li.querySelectorAll('b').length,
                body: li.querySelector('.body').textContent, strong: li.querySelector('.body strong').textContent,
                before: details.compareDocumentPosition(li.querySelector('.body'))
                    === Node.DOCUMENT_POSITION_FOLLOWING};
    """)
    assert shown == {
        "open": False,
        "summary": "Thinking",
        "thinking": "The user greets me. <b>Be</b> kind.",  # model output is text, never HTML
        "bold": 0,
        "body": "Hello, friend.",
        "strong": "friend",
        "before": True,
    }


def test_reload_restores_history_and_clear_empties_it(app: AppPage):
    app.open()
    app.push(tool_calls(("calculator", {"expression": "6 * 7"})), answer("6 × 7 = **42**."))
    app.type_and_send("What is 6 * 7?")
    app.wait_busy()
    app.wait_idle()
    app.push(answer(" ".join(f"word{i}" for i in range(200)), tokens_per_second=50))
    app.type_and_send("Tell me a long story")
    app.wait_for("document.querySelector('#messages .streaming .body')?.textContent.includes('word5')", 20)
    app.driver.find_element("id", "stop-button").click()
    app.wait_idle()
    before = app.messages()
    assert [m["role"] for m in before] == ["user", "assistant", "assistant", "user", "assistant"]
    assert before[1]["tools"] and "stopped" in before[-1]["classes"]
    app.until(lambda _: saved_stopped_reply(app), 10, "the stopped reply to be saved")
    app.js("location.reload()")
    # History is on screen before Python and the model are ready.
    app.wait_for("document.querySelectorAll('#messages > li').length > 0 && window.appTimings?.historyShown", 20)
    assert app.js("return !window.appTimings.sessionReady")
    app.wait_ready()
    after = app.messages()
    assert [(m["role"], m["text"], m["tools"]) for m in after] == [(m["role"], m["text"], m["tools"]) for m in before]
    assert any("stopped" in m["classes"] for m in after)
    # The restored context reaches the model on the next turn.
    app.push(answer("I remember our chat."))
    app.type_and_send("Do you remember?")
    app.wait_busy()
    app.wait_idle()
    context = json.dumps(app.engine_state()["received"][-1]["messages"])
    assert "What is 6 * 7?" in context and "word0 word1" in context

    # Export: the conversation as a JSON download.
    app.js("""
        window.__download = null;
        const createObjectURL = URL.createObjectURL;
        URL.createObjectURL = (blob) => { window.__blob = blob; return createObjectURL(blob); };
        HTMLAnchorElement.prototype.click = function () { window.__download = {href: this.href, name: this.download}; };
    """)
    app.driver.find_element("id", "settings-button").click()
    app.driver.find_element("id", "export-button").click()
    download = app.wait_for("window.__download", 20, "the export's download")  # Python writes it first
    assert re.fullmatch(r"chat-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.json", download["name"])
    assert download["href"].startswith("blob:")
    exported = json.loads(app.js_async("return await window.__blob.text();"))
    assert exported["format"] == "webllm-browser-app/1" and exported["exported_at"]
    assert [m["content"] for m in exported["messages"] if m["role"] == "user"][-1] == "Do you remember?"
    assert any(m.get("tool_calls") for m in exported["messages"])

    # The theme toggle, remembered across reloads.
    app.driver.find_element("id", "theme-button").click()
    theme = app.js("return document.documentElement.dataset.theme")
    assert theme in ("light", "dark")

    clear = app.driver.find_element("id", "clear-button")
    clear.click()
    assert app.messages(), "one click only arms the button"
    clear.click()
    assert app.messages() == []
    app.until(lambda _: saved_conversation(app) is None, 10, "the saved conversation to be deleted")
    app.js("location.reload()")
    app.wait_ready()
    assert app.messages() == []
    assert app.js("return document.getElementById('empty').hidden") is False
    assert app.js("return document.documentElement.dataset.theme") == theme
    background = app.js("return getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(22, 24, 29)" if theme == "dark" else "rgb(246, 247, 249)")


def test_enter_sends_and_shift_enter_makes_a_new_line(app: AppPage):
    from selenium.webdriver.common.keys import Keys

    app.open()
    app.push(answer("Two lines received."))
    box = app.driver.find_element("id", "prompt")
    box.send_keys("first line")
    box.send_keys(Keys.SHIFT, Keys.ENTER)
    box.send_keys("second line")
    assert app.js("return document.getElementById('prompt').value") == "first line\nsecond line"
    assert not app.js("return app.state.busy")
    box.send_keys(Keys.ENTER)
    app.wait_busy()
    app.wait_idle()
    assert app.messages()[-2]["text"] == "first line\nsecond line"


def test_no_webgpu_explains_what_to_do(app: AppPage):
    hide = app.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "Object.defineProperty(Navigator.prototype, 'gpu', {get: () => undefined});"},
    )
    try:
        # On the page: the script above hides navigator.gpu from documents, not from workers.
        app.open("engine=scripted&python=main", wait=False)
        app.wait_for("document.documentElement.dataset.appReady === 'true'", 60)
    finally:
        app.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hide["identifier"]})
    assert app.status() == "WebGPU is not available, so no model can run in this browser."
    note = app.js("return document.getElementById('model-note').textContent")
    assert "navigator.gpu is undefined" in note and WEBGPU_BROWSERS in note and "hardware acceleration" in note
    assert app.js("return document.getElementById('model-select').disabled")
    assert app.js("return document.getElementById('send-button').disabled")
    assert app.js("return app.state.model") is None


def test_phone_sized_screen(app: AppPage):
    app.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
    )
    try:
        app.open()
        app.push(answer("Fits on a phone: **yes**. A long line " + "and more " * 30))
        app.type_and_send("Does it fit?")
        app.wait_busy()
        app.wait_idle()
        layout = app.js("""
            const box = (id) => document.getElementById(id).getBoundingClientRect();
            return {width: innerWidth, height: innerHeight, scroll: document.documentElement.scrollWidth,
                    composer: box('composer'), picker: box('model-select'), last: document
                        .querySelector('#messages li:last-child').getBoundingClientRect()};
        """)
        assert layout["width"] == 390 and layout["scroll"] <= 390  # no sideways scrolling
        assert layout["composer"]["bottom"] <= layout["height"] + 1 and layout["composer"]["right"] <= 391
        assert layout["picker"]["right"] <= 391 and layout["last"]["right"] <= 391
        app.screenshot(SCREENSHOT.with_name("app-phone.png"))
    finally:
        app.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_offline_real_worker_reports_download_failure_and_offers_retry_and_the_demo_model(app: AppPage):
    app.open("", wait=False)  # the real WebLLM worker; no host but 127.0.0.1 resolves
    app.wait_for("window.appTimings?.modelFailed", 60, "the model load to fail")
    timings = app.js("return window.appTimings")
    assert timings["modelFailed"] - timings["catalogRead"] < 3000  # fails fast, never hangs
    # Until Python runs, the browser's own error (only Python names it NetworkError).
    assert "TypeError: Failed to fetch" in app.status() or "could not be downloaded" in app.status()
    # Once Python runs, the provider's own words: what happened and what to do.
    app.wait_for("document.getElementById('status-text').textContent.includes('could not be downloaded')", 30)
    assert "Check the network connection and retry" in app.status()
    assert app.js("return document.getElementById('status').dataset.state") == "error"
    assert app.js("return document.getElementById('send-button').disabled")
    retry = app.driver.find_element("id", "retry-button")
    assert retry.is_displayed()
    retry.click()
    app.wait_for("document.getElementById('status').dataset.state === 'error' && window.appTimings.modelFailed", 10)
    # Another model can be picked, and fails the same clear way.
    picker = app.driver.find_element("id", "model-select")
    assert picker.is_enabled()
    other = app.js("""
        const select = document.getElementById('model-select');
        const option = [...select.options].find(o => o.value.startsWith('SmolLM2-360M'));
        select.value = option.value;
        select.dispatchEvent(new Event('change'));
        return option.value;
    """)
    app.wait_for(
        f"document.getElementById('status-text').textContent.includes('{other}') && "
        "document.getElementById('status').dataset.state === 'error'",
        10,
    )
    app.wait_for("document.getElementById('status-text').textContent.includes('could not be downloaded')", 10)

    # The network failed both: the page offers the demo model, in words and with one button
    # (test_tiny_model_app.py takes it).
    app.wait_for("!document.getElementById('demo-button').hidden", 10, "the demo model to be offered")
    offer = app.js("return document.getElementById('model-note').textContent")
    assert "cannot be downloaded right now" in offer and "offline demo model comes with this page" in offer
    demo = app.driver.find_element("id", "demo-button")
    assert demo.is_displayed() and demo.text == "Use the offline demo model"


def test_offline_after_first_visit(serving, dist_dir):
    """The service worker serves the whole app when the server is gone."""
    url, stop = serving(dist_dir)
    driver = new_driver()
    try:
        app = AppPage(driver, url)
        app.open()
        app.push(answer("Cached and ready."))
        app.type_and_send("Hello")
        app.wait_busy()
        app.wait_idle()
        app.wait_for("navigator.serviceWorker.controller", 20, "the service worker to take control")
        cached = """
            const lock = JSON.parse(await (await fetch('pyodide-lock.json')).text());
            const wheel = lock.packages['webllm-provider'].file_name;
            const cache = await caches.open('webllm-chat-app-v1');
            const keys = (await cache.keys()).map(r => new URL(r.url).pathname);
            return keys.includes('/' + wheel) && keys.some(k => k.startsWith('/webllm/chunks/'))
                && keys.includes('/webllm/testing/scripted-worker.js') && keys.includes('/app.js');
        """
        app.until(lambda _: app.js_async(cached), 30, "the wheel and the bundles to be cached")
        stop()
        app.js("location.reload()")
        app.wait_ready(timeout=60)
        assert [m["text"] for m in app.messages()] == ["Hello", "Cached and ready."]
        app.push(answer("Still works offline."))
        app.type_and_send("Offline?")
        app.wait_busy()
        app.wait_idle()
        assert app.messages()[-1]["text"] == "Still works offline."
    finally:
        driver.quit()


def test_tables_and_nested_lists(app: AppPage):
    app.open()
    app.push(
        answer(
            "| Item | Qty |\n|:-----|----:|\n| tea | 2 |\n| **milk** | 1 |\n\n"
            "1. Shop\n   - [x] tea\n   - [ ] milk\n2. Cook"
        )
    )
    app.type_and_send("A shopping table and a plan, please")
    app.wait_busy()
    app.wait_idle()
    shown = app.js("""
        const body = document.querySelector('#messages li.assistant:last-child .body');
        return {
            rows: [...body.querySelectorAll('table tr')].map(
                (tr) => [...tr.children].map((cell) => `${cell.localName}:${cell.textContent}`)),
            align: [...body.querySelectorAll('th')].map((th) => getComputedStyle(th).textAlign),
            outer: [...body.querySelectorAll(':scope > ol > li')].map((li) => li.firstChild.textContent),
            inner: [...body.querySelectorAll('ol > li > ul > li')].map(
                (li) => [li.textContent, li.querySelector('input').checked, li.querySelector('input').disabled]),
        };
    """)
    assert shown == {
        "rows": [["th:Item", "th:Qty"], ["td:tea", "td:2"], ["td:milk", "td:1"]],
        "align": ["left", "right"],
        "outer": ["Shop", "Cook"],
        "inner": [["tea", True, True], ["milk", False, True]],
    }
