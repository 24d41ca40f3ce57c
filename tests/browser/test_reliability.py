"""Failures a browser tab meets, through the real worker: stop storms, crowds,
a dying worker, a lost GPU, timeouts. Each ends typed, and the engine works after."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
async def test_500_random_cancels_then_a_normal_request(selenium_page):
    import asyncio
    import random

    from pagetools import ask

    from webllm_provider import AbortError, TextDelta, WebLLMProvider

    rng = random.Random(7)
    provider = WebLLMProvider()
    words = " ".join(f"w{i}" for i in range(40))
    survived = 0

    async def one(n):
        # Without a scripted reply the engine answers "You said: <message>",
        # so every delta can be checked against the request that got it.
        message = f"m{n} {words}"
        expected = f"You said: {message}"
        seen = ""
        try:
            async for event in provider.stream_reply(ask(message)):
                if isinstance(event, TextDelta):
                    seen += event.text
                    assert expected.startswith(seen), (n, seen)
                else:
                    assert event.finish_reason in ("stop", "abort")
                    assert expected.startswith(event.content[0].text if event.content else "")
        except AbortError:
            pass

    cancels = 0
    while cancels < 500:
        tasks = [asyncio.ensure_future(one(cancels + i)) for i in range(rng.randint(1, 4))]
        await asyncio.sleep(rng.choice([0, 0, 0.001, 0.003, 0.008]))
        for task in tasks:
            if rng.random() < 0.8:
                task.cancel()
                cancels += 1
        for task in tasks:
            try:
                await task
                survived += 1
            except asyncio.CancelledError:
                pass
    # An aborted generation may still be winding down in the worker; the next
    # request queues behind it and gets its own answer.
    response = await provider.complete(ask("after the storm"))
    assert response.content[0].text == "You said: after the storm"
    assert response.finish_reason == "stop"
    assert cancels >= 500 and survived > 0


@run_in_pyodide
async def test_50_concurrent_mixed_requests_are_served_in_order_without_crossing(selenium_page):
    import asyncio

    from pagetools import ask, received

    from webllm_provider import TextDelta, WebLLMProvider

    provider = WebLLMProvider()
    await provider.catalog()
    finished = []

    async def one(n):
        message = f"request {n} " + "x " * (n % 7)
        if n % 2:
            response = await provider.complete(ask(message))
            text = response.content[0].text
        else:
            text = ""
            async for event in provider.stream_reply(ask(message)):
                if isinstance(event, TextDelta):
                    text += event.text
                else:
                    assert event.content[0].text == text
        finished.append(n)
        return text, f"You said: {message}".rstrip()

    results = await asyncio.gather(*(one(n) for n in range(50)))
    assert all(got.rstrip() == want for got, want in results), "each caller gets its own tokens"
    served = [r["messages"][-1]["content"].split()[1] for r in (await received())[-50:]]
    assert served == [str(n) for n in range(50)], "the engine serves requests first in, first out"
    assert sorted(finished) == list(range(50))


@run_in_pyodide
async def test_worker_terminated_mid_stream_fails_pending_requests_then_recovers(selenium_page):
    import asyncio

    from pagetools import ask, now, push

    import js
    from webllm_provider import ProviderUnavailableError, TextDelta, WebLLMProvider

    provider = WebLLMProvider({"max_retries": 0})  # see the failure itself, not the retry
    await push({"content": " ".join(["slow"] * 100), "tokens_per_second": 40})
    queued = asyncio.ensure_future(provider.complete(ask("waiting behind it")))
    stream = provider.stream_reply(ask("talk"))
    got = [await anext(stream), await anext(stream)]
    assert all(isinstance(e, TextDelta) for e in got)
    js.bridge.worker.terminate()
    killed_at = now()
    try:
        async for _ in stream:
            pass
    except ProviderUnavailableError as error:
        assert error.webllm_name == "WorkerError" and error.retryable
        assert error.partial_text.startswith("slow slow")
    else:
        raise AssertionError("a dead worker must fail the stream")
    try:
        await queued
    except ProviderUnavailableError as error:
        assert error.webllm_name == "WorkerError"
    else:
        raise AssertionError("a dead worker must fail the queued request too")
    assert now() - killed_at < 1000, "pending requests must fail promptly"
    response = await provider.complete(ask("hello again"))
    assert response.content[0].text == "You said: hello again"
    assert response.metadata["model"] == "Qwen2.5-0.5B-Instruct-q4f32_1-MLC"


@run_in_pyodide
async def test_device_lost_mid_reply_is_retryable_and_the_engine_comes_back(selenium_page):
    from pagetools import ask, push

    import js
    from webllm_provider import ProviderUnavailableError, WebLLMProvider

    provider = WebLLMProvider()
    js.eval("bridge.worker.markedBeforeLoss = true")
    await push(
        {
            "content": "one two three four five",
            "error": {"name": "DeviceLostError", "message": "GPU gone"},
            "error_after_tokens": 2,
        }
    )
    try:
        [e async for e in provider.stream_reply(ask("go"))]
    except ProviderUnavailableError as error:
        assert error.retryable and error.webllm_name == "DeviceLostError"
        assert "ran out of memory" in str(error)
        assert error.partial_text == "one two"
    else:
        raise AssertionError("device lost must fail the reply")
    response = await provider.complete(ask("are you back"))
    assert response.content[0].text == "You said: are you back"
    assert not js.eval("bridge.worker.markedBeforeLoss === true"), "the bridge starts a fresh worker"

    # complete() retries it once, on the fresh worker, and the caller gets the answer.
    js.eval("bridge.worker.markedBeforeLoss = true")
    await push({"content": "lost", "error": {"name": "DeviceLostError", "message": "GPU gone"}})
    retried = WebLLMProvider({"retry_delay": 0})
    # The fresh worker's scripted engine has no script left: it echoes.
    assert (await retried.complete(ask("go"))).content[0].text == "You said: go"
    assert not js.eval("bridge.worker.markedBeforeLoss === true")


@run_in_pyodide
async def test_timeout_interrupts_the_generation_in_the_worker(selenium_page):
    from pagetools import ask, now, push

    from webllm_provider import LLMTimeoutError, WebLLMProvider

    provider = WebLLMProvider({"timeout": 0.3})
    await push({"content": " ".join(["slow"] * 100), "tokens_per_second": 20}, {"content": "fast"})
    started = now()
    try:
        await provider.complete(ask("a"))
    except LLMTimeoutError:
        assert 250 < now() - started < 1500
    else:
        raise AssertionError("five seconds of tokens cannot fit in 0.3 s")
    started = now()
    assert (await provider.complete(ask("b"))).content[0].text == "fast"
    assert now() - started < 1000, "the timed-out generation was interrupted, not left running"


@run_in_pyodide
async def test_a_cancelled_queued_request_never_reaches_the_engine(selenium_page):
    import asyncio

    from pagetools import ask, push, received

    from webllm_provider import WebLLMProvider

    provider = WebLLMProvider()
    await push({"content": " ".join(["busy"] * 30), "tokens_per_second": 100})
    running = asyncio.ensure_future(provider.complete(ask("first")))
    queued = asyncio.ensure_future(provider.complete(ask("never sent")))
    await asyncio.sleep(0.05)
    queued.cancel()
    try:
        await queued
    except asyncio.CancelledError:
        pass
    assert (await running).content[0].text.startswith("busy busy")
    after = await provider.complete(ask("third"))
    assert after.content[0].text == "You said: third"
    contents = [r["messages"][-1]["content"] for r in await received()]
    assert "first" in contents and "third" in contents
    assert "never sent" not in contents
