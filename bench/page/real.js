/**
 * The real-engine benchmark (bench/real.html): WebLLM's own MLCEngine in the
 * production worker, with the tiny model of tests/fixtures/tiny-model on
 * whatever WebGPU adapter the browser has (SwiftShader in headless Chromium).
 *
 * - the model's load time (fetch and shader compilation), Pyodide excluded;
 * - the same seeded requests streamed to Python (provider.stream_reply, through the
 *   bridge's pushed chunks) and to WebLLM's own client on a production worker
 *   of its own (`chat.completions.create`, which pulls every chunk): time to
 *   first token and tokens/s as each consumer sees them;
 * - prefilled tokens per turn of a conversation, plain and on the constrained
 *   tool path (tests/browser/pagetools.py's `prefill_per_turn`).
 *
 * Results and a chart (real-chart.js) are left in `window.__bench` for
 * bench/run.py. ?smoke: one of each.
 */
import { loadPyodide } from "/pyodide.mjs";
import { installBridge } from "/webllm/bridge.js";
import { TINY_MODEL_ID, tinyModelAppConfig } from "/webllm/testing/tiny-model.js";
import { WebWorkerMLCEngine } from "/bench/webllm-client.js";
import { drawRealChart } from "./real-chart.js";

const SMOKE = new URLSearchParams(location.search).has("smoke");
const REPS = SMOKE ? 1 : 4;
const TOKENS = SMOKE ? 8 : 48;
const state = /** @type {any} */ (window).__bench = { done: false, error: null, log: [], results: null, chart: null };
const log = (/** @type {string} */ message) => {
  state.log.push(message);
  console.log(message);
};

const NUMBERS = { type: "array", minItems: 200, items: { type: "integer" } };
/**
 * A request the model answers with exactly `TOKENS` tokens: a long JSON array,
 * cut at max_tokens. `forPython`: the provider's response_format, else WebLLM's.
 */
const request = (/** @type {number} */ i, forPython = false) => ({
  messages: [{ role: "user", content: `Numbers, please (${i}).` }],
  seed: 1_000_003 * (i + 1),
  max_tokens: TOKENS,
  response_format: forPython
    ? { type: "json_schema", json_schema: NUMBERS }
    : { type: "json_object", schema: JSON.stringify(NUMBERS) },
});

/** TTFT and tokens/s of one stream consumed by WebLLM's own client. */
async function jsStream(webllm, i) {
  const started = performance.now();
  let first = 0;
  let last = 0;
  let usage = null;
  const chunks = await webllm.chat.completions.create({
    ...request(i),
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of chunks) {
    if (chunk.choices[0]?.delta?.content) {
      last = performance.now();
      first ||= last;
    }
    usage = chunk.usage ?? usage;
  }
  return measured(started, first, last, usage);
}

function measured(started, first, last, usage) {
  const tokens = usage.completion_tokens;
  return {
    ttft_ms: first - started,
    tokens_per_s: (tokens - 1) / ((last - first) / 1000),
    engine_decode_tokens_per_s: usage.extra.decode_tokens_per_s,
    engine_ttft_ms: usage.extra.time_to_first_token_s * 1000,
    tokens,
  };
}

async function main() {
  const pyodide = await loadPyodide({ indexURL: "/" });
  await pyodide.loadPackage("webllm-provider");
  for (const name of ["realbench.py", "pagetools.py"]) {
    pyodide.FS.writeFile(`/home/pyodide/${name}`, await (await fetch(`/bench/${name}`)).text());
  }
  const started = performance.now();
  const appConfig = tinyModelAppConfig(new URL("/models/", location.href));
  const bridge = await installBridge(pyodide, { workerUrl: "/webllm/webllm-worker.js", appConfig, model: TINY_MODEL_ID });
  const loadMs = performance.now() - started;
  log(`tiny model loaded in ${loadMs.toFixed(0)} ms`);
  globalThis.bridge = bridge; // pagetools reads it
  const webllm = new WebWorkerMLCEngine(new Worker("/webllm/webllm-worker.js", { type: "module" }), { appConfig });
  await webllm.reload(TINY_MODEL_ID);
  const py = pyodide.pyimport("realbench");
  const streams = { python: [], "js-webllm": [] };
  // Interleaved, so that both consumers see the same machine load.
  for (let i = 0; i < REPS; i++) {
    const python = JSON.parse(await py.stream(JSON.stringify(request(i, true))));
    streams.python.push(measured(python.started, python.first, python.last, python.usage));
    streams["js-webllm"].push(await jsStream(webllm, i));
    log(`stream ${i + 1}/${REPS}`);
  }
  const prefill = JSON.parse(await py.prefill(SMOKE ? 2 : 4));
  log("prefill per turn measured");
  state.results = { load_ms: loadMs, tokens: TOKENS, streams, prefill_per_turn: prefill };
  state.chart = drawRealChart(state.results);
}

main()
  .catch((error) => {
    state.error = `${error.name}: ${error.message}\n${error.stack}`;
  })
  .finally(() => {
    state.done = true;
  });
