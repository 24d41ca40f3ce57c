/**
 * The benchmark's worker: js/testing/scripted-worker.js (WebLLM's real
 * `WebWorkerMLCEngineHandler` around a `ScriptedEngine`, served by the real
 * js/engine-server.js, steered through js/testing/control.js) plus three things only a benchmark needs:
 *
 * - time stamps on what the engine produces, on the clock every context of the
 *   page shares (`performance.timeOrigin + performance.now()`):
 *   a ChatCompletion gets `x_bench: {t_in, t_out}` (engine entered, engine
 *   answered), each streamed chunk `x_bench: {t_pull, t_yield}` (the engine
 *   was asked for it, the engine yielded it). Nothing else reads `x_bench`.
 * - `{kind: "bench/ping-port"}` with a MessagePort: echoes every message on
 *   that port (the page <-> worker postMessage floor).
 * - control action `engineRate`: runs a scripted stream inside the worker with
 *   no transport at all, i.e. the engine's own speed.
 *
 * Control actions `push`, `reset` and `state` behave as in scripted-worker.js.
 */
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { namedError } from "../../js/errors.js";
import { serveEngine } from "../../js/engine-server.js";
import { replaceEngine } from "../../js/webllm-handler.js";
import { answerControls } from "../../js/testing/control.js";
import { ScriptedEngine } from "../../js/testing/scripted-engine.js";

const now = () => performance.timeOrigin + performance.now();

const handler = new WebWorkerMLCEngineHandler();
const engine = new ScriptedEngine();
replaceEngine(handler, engine);

const chatCompletion = engine.chatCompletion.bind(engine);
/** @param {Record<string, any>} request */
engine.chatCompletion = async (request) => {
  const t_in = now();
  const result = /** @type {any} */ (await chatCompletion(request));
  if (!request.stream) {
    result.x_bench = { t_in, t_out: now() };
    return result;
  }
  return stamped(result);
};

/**
 * The engine's chunks, each stamped when the engine was asked for it and when
 * it yielded it.
 * @param {AsyncGenerator<any, void>} chunks
 */
async function* stamped(chunks) {
  try {
    while (true) {
      const t_pull = now();
      const { value, done } = await chunks.next();
      if (done) return;
      value.x_bench = { t_pull, t_yield: now() };
      yield value;
    }
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * The scripted engine's own speed: one stream consumed right here.
 * @param {{reply: any, request?: any}} message
 */
async function engineRate({ reply, request }) {
  engine.push(reply);
  const start = performance.now();
  let first = 0;
  let chunks = 0;
  let tokens = 0;
  const stream = /** @type {AsyncGenerator<any>} */ (
    await chatCompletion({
      messages: [{ role: "user", content: "Go" }],
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    })
  );
  for await (const chunk of stream) {
    if (!first) first = performance.now();
    chunks += 1;
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  const end = performance.now();
  return { chunks, tokens, ms: end - start, ttft_ms: first - start };
}

answerControls(handler, (message) => {
  switch (message.action) {
    case "push":
      return engine.push(.../** @type {any[]} */ (message.replies ?? []));
    case "reset":
      return engine.reset();
    case "state": {
      const { loaded, queued } = engine.state();
      return { loaded, queued }; // `received` would grow with every benchmark request
    }
    case "forget":
      engine.received.length = 0;
      return null;
    case "engineRate":
      return engineRate(/** @type {any} */ (message));
    default:
      throw namedError("UnsupportedControlError", `Unknown control action ${JSON.stringify(message.action)}`);
  }
});
serveEngine(handler);

const served = self.onmessage;
self.onmessage = (event) => {
  if (event.data?.kind === "bench/ping-port") {
    const port = event.ports[0];
    port.onmessage = ({ data }) => port.postMessage(data);
    return;
  }
  served?.call(self, event);
};
