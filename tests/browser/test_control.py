"""The scripted engine's control channel (js/testing/control.js), which only
test workers answer: a call to a worker that does not answer, that dies, or
through a disposed client ends typed instead of hanging."""


def test_a_control_call_ends_typed_when_nothing_answers_the_worker_dies_or_the_client_is_gone(selenium_real_worker):
    outcomes = selenium_real_worker.run_js(
        """
        const { control } = await import("/webllm/testing/control.js");
        const outcome = (promise) => promise.then(
            (value) => ({ value }), (error) => `${error.name}: ${error.message}`);
        const state = { action: "state" };
        // The production worker has no control channel: nothing ever answers.
        const silent = await outcome(control(bridge, state, { timeoutMs: 500 }));
        // Its lifeline is held by now: the worker has answered WebLLM's messages since.
        await outcome(bridge.load("Qwen2.5-0.5B-Instruct-q4f32_1-MLC"));
        const started = performance.now();
        const pending = outcome(control(bridge, state));
        bridge.worker.terminate();
        const died = await pending;
        const diedAfterMs = performance.now() - started;
        bridge.dispose();
        const disposed = await outcome(control(bridge, state));
        return { silent, died, diedAfterMs, disposed };
        """
    )
    assert outcomes["silent"] == "WorkerError: No answer to control action state in 500 ms."
    assert outcomes["died"] == "WorkerError: The worker was gone before it answered control action state."
    assert outcomes["diedAfterMs"] < 30_000  # noticed, not the 60 s timeout
    assert outcomes["disposed"] == "WorkerError: The bridge was disposed."
