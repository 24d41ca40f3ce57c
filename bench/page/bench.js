/**
 * The benchmark harness (bench/index.html). Boots Pyodide with the provider,
 * installs the real bridge (js/bridge.js) with the benchmark worker (the
 * scripted engine behind WebLLM's real worker handler, stamping what it
 * produces), runs every measurement side by side and leaves the results in
 * `window.__bench` for bench/run.py. The js-webllm baseline is WebLLM's own
 * client on a benchmark worker of its own.
 *
 * Clock: `now()` = performance.timeOrigin + performance.now(), the basis the
 * page, the worker and Python (js.performance) share. The page is served
 * cross-origin isolated, so performance.now() has 5 us resolution, not 100 us.
 *
 * ?smoke: tiny counts (checks that everything runs; numbers mean nothing).
 */
import { loadPyodide } from "/pyodide.mjs";
import { installBridge } from "/webllm/bridge.js";
import { control } from "/webllm/testing/control.js";
import { WebWorkerMLCEngine } from "/bench/webllm-client.js";
import { drawChart } from "./chart.js";
import { WebLLMWorkerManager } from "./guide-manager.js";
import { percentile, summary } from "./stats.js";

const MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC";
const PARAMS = new URLSearchParams(location.search);
const SMOKE = PARAMS.has("smoke");
/** ?only=floors,roundTrips,paced,fast runs just those parts (for working on one number) */
const ONLY = PARAMS.get("only")?.split(",") ?? null;
const wanted = (/** @type {string} */ part) => !ONLY || ONLY.includes(part);

const COUNTS = SMOKE
  ? { floor: 20, roundTrips: 10, roundTripWarmup: 3, paced: { tokens: 20, reps: 1 }, fast: { tokens: 200, reps: 1 } }
  : {
      floor: 2000,
      roundTrips: 1000,
      roundTripWarmup: 100,
      paced: { tokens: 200, reps: 5 }, // 1 s per stream at 200 tokens/s
      // The scripted engine slows down on long replies (it joins its output
      // on every token), so many shorter streams measure the bridge, not it.
      fast: { tokens: 1000, reps: 8 },
    };
const RATE = 200;

const state = /** @type {any} */ (window).__bench = { done: false, error: null, log: [], results: null, chart: null };

/** @param {string} message */
function log(message) {
  state.log.push(message);
  console.log(message);
}

const now = () => performance.timeOrigin + performance.now();

// ---- requests

/** @param {number} i */
const word = (i) => ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"][i % 8];

/** @param {number} words @param {number} seed */
function sentence(words, seed) {
  return Array.from({ length: words }, (_, i) => word(seed + i * 3)).join(" ");
}

const SHORT = [{ role: "user", content: "Hello" }];
// A system prompt and 19 turns of a realistic length (about 3 KB of JSON).
const LONG20 = [
  { role: "system", content: `You are a helpful assistant. ${sentence(30, 1)}` },
  ...Array.from({ length: 19 }, (_, i) => ({
    role: i % 2 === 0 ? "user" : "assistant",
    content: i === 18 ? "Hello" : sentence(25, i),
  })),
];

/** @param {any[]} messages */
const body = (messages) => ({ model: MODEL, messages });

/** n tokens " t0", " t1", ...: every chunk carries text */
const tokens = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => ` t${i}`);

// ---- the system under test

/** @type {any} */ let pyodide;
/** @type {any} */ let bridge;
/** @type {any} WebLLM's own client, on `webllmWorker` */ let webllm;
/** @type {{worker: Worker}} */ let webllmWorker;
/** @type {WebLLMWorkerManager} */ let guide;
/** @type {Record<string, any>} */ let py;

async function setUp() {
  const t0 = performance.now();
  pyodide = await loadPyodide({ indexURL: "/" });
  await pyodide.loadPackage("webllm-provider");
  bridge = await installBridge(pyodide, { workerUrl: "/bench/bench-worker.js", model: MODEL });
  webllmWorker = { worker: new Worker("/bench/bench-worker.js", { type: "module" }) };
  webllm = new WebWorkerMLCEngine(webllmWorker.worker);
  await webllm.reload(MODEL);
  guide = new WebLLMWorkerManager("/bench/guide-worker.js");
  await guide.init(MODEL);
  pyodide.registerJsModule("bench_js", {
    echo: async (/** @type {string} */ text) => text,
    guide_stream: async (/** @type {string} */ requestJson, /** @type {(json: string) => void} */ onChunk) => {
      for await (const chunk of guide.completeStreaming(JSON.parse(requestJson))) onChunk(JSON.stringify(chunk));
    },
  });
  const source = await (await fetch("/bench/pybench.py")).text();
  pyodide.FS.writeFile("/home/pyodide/pybench.py", source);
  const module = pyodide.pyimport("pybench");
  py = {};
  for (const name of [
    "warm_up",
    "echo_floor",
    "wake_put",
    "wake_floor",
    "round_trips",
    "stream",
    "no_js_round_trips",
    "no_js_stream",
  ]) {
    py[name] = module[name];
  }
  await py.warm_up();
  log(`set up in ${(performance.now() - t0).toFixed(0)} ms; crossOriginIsolated=${crossOriginIsolated}`);
}

// ---- floors

async function postMessageFloor(count) {
  const channel = new MessageChannel();
  bridge.worker.postMessage({ kind: "bench/ping-port" }, [channel.port2]);
  const port = channel.port1;
  const ping = () =>
    new Promise((resolve) => {
      port.onmessage = resolve;
      port.postMessage(0);
    });
  await ping();
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await ping();
    times.push(performance.now() - t0);
  }
  port.close();
  return times;
}

/**
 * A Python task woken by JavaScript from a worker-message task (where chunks
 * and replies arrive): Pyodide's event loop runs the wake-up as a new task.
 * @param {number} count
 */
async function pythonWakeFloor(count) {
  const channel = new MessageChannel();
  bridge.worker.postMessage({ kind: "bench/ping-port" }, [channel.port2]);
  const port = channel.port1;
  const done = py.wake_floor(count);
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => {
      port.onmessage = () => {
        py.wake_put(now());
        resolve(undefined);
      };
      port.postMessage(0);
    });
  }
  port.close();
  return JSON.parse(await done);
}

// ---- non-streamed round trips: [total ms, engine ms] per call

/** @type {Record<string, (body: any, count: number) => Promise<number[][]>>} */
const ROUND_TRIP = {
  "js-webllm": async (request, count) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const t0 = now();
      const completion = await webllm.chat.completions.create({ ...request, stream: false });
      const t1 = now();
      out.push([t1 - t0, completion.x_bench.t_out - completion.x_bench.t_in]);
    }
    return out;
  },
  "js-bridge": async (request, count) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const t0 = now();
      const completion = await bridge.complete(request);
      const t1 = now();
      out.push([t1 - t0, completion.x_bench.t_out - completion.x_bench.t_in]);
    }
    return out;
  },
  "py-bridge": async (request, count) => JSON.parse(await py.round_trips("py-bridge", JSON.stringify(request), count)),
  "py-provider": async (request, count) =>
    JSON.parse(await py.round_trips("py-provider", JSON.stringify(request), count)),
  "py-provider-nojs": async (request, count) => {
    const completion = await bridge.complete(request);
    return JSON.parse(await py.no_js_round_trips(JSON.stringify(request), JSON.stringify(completion), count));
  },
  "js-guide": async (request, count) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const t0 = now();
      const completion = await guide.complete(request);
      const t1 = now();
      out.push([t1 - t0, completion.x_bench.t_out - completion.x_bench.t_in]);
    }
    return out;
  },
};

async function roundTrips() {
  const results = {};
  for (const [name, messages] of [
    ["short", SHORT],
    ["long20", LONG20],
  ]) {
    const request = body(messages);
    /** @type {Record<string, number[][]>} */
    const samples = {};
    for (const [layer, run] of Object.entries(ROUND_TRIP)) {
      await run(request, COUNTS.roundTripWarmup);
      samples[layer] = [];
    }
    // Interleaved in blocks, so drift over the run affects every layer alike.
    const blocks = 10;
    const perBlock = Math.max(1, Math.round(COUNTS.roundTrips / blocks));
    for (let b = 0; b < blocks; b++) {
      for (const [layer, run] of Object.entries(ROUND_TRIP)) samples[layer].push(...(await run(request, perBlock)));
      await forget();
    }
    results[name] = Object.fromEntries(
      Object.entries(samples).map(([layer, pairs]) => [
        layer,
        {
          overhead: pairs.map(([total, engine]) => total - engine),
          engine: pairs.map(([, engine]) => engine),
          total: pairs.map(([total]) => total),
        },
      ]),
    );
    log(
      `round trip ${name}: ` +
        Object.entries(results[name])
          .map(([layer, r]) => `${layer} p50 ${percentile(r.overhead, 50).toFixed(3)} ms`)
          .join(", "),
    );
  }
  return results;
}

// ---- streams: {t0, t1, chunks: [[t_pull, t_yield, t_received]]}

/** @type {Record<string, (request: any) => Promise<{t0: number, t1: number, chunks: number[][]}>>} */
const STREAM = {
  "js-webllm": async (request) => {
    const chunks = [];
    const t0 = now();
    const stream = await webllm.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) chunks.push([chunk.x_bench.t_pull, chunk.x_bench.t_yield, now()]);
    }
    return { t0, t1: now(), chunks };
  },
  "js-bridge": async (request) => {
    const chunks = [];
    const t0 = now();
    await bridge.stream(request, (/** @type {any} */ chunk) => {
      if (chunk.choices[0]?.delta?.content) chunks.push([chunk.x_bench.t_pull, chunk.x_bench.t_yield, now()]);
    });
    return { t0, t1: now(), chunks };
  },
  "py-bridge": async (request) => JSON.parse(await py.stream("py-bridge", JSON.stringify(request))),
  "py-provider": async (request) => JSON.parse(await py.stream("py-provider", JSON.stringify(request))),
  "js-guide": async (request) => {
    const chunks = [];
    const t0 = now();
    for await (const chunk of guide.completeStreaming(request)) {
      if (chunk.choices[0]?.delta?.content) chunks.push([chunk.x_bench.t_pull, chunk.x_bench.t_yield, now()]);
    }
    return { t0, t1: now(), chunks };
  },
  "py-guide": async (request) => JSON.parse(await py.stream("py-guide", JSON.stringify(request))),
};

/** @param {string} layer @param {any} reply */
async function push(layer, reply) {
  if (layer.endsWith("guide")) await guide.push([reply]);
  else await control(layer === "js-webllm" ? webllmWorker : bridge, { action: "push", replies: [reply] });
}

/** The engines' records of what they received would grow with every benchmark request. */
async function forget() {
  await control(bridge, { action: "forget" });
  await control(webllmWorker, { action: "forget" });
}

/**
 * Every layer streams the same scripted reply, `reps` times, interleaved.
 * @param {{tokens: number, reps: number}} counts
 * @param {number | undefined} rate tokens per second, or as fast as possible
 */
async function streams(counts, rate) {
  const reply = { tokens: tokens(counts.tokens), ...(rate ? { tokens_per_second: rate } : {}) };
  const request = body([{ role: "user", content: "Go" }]);
  /** @type {Record<string, any[]>} */
  const runs = {};
  for (const layer of Object.keys(STREAM)) {
    runs[layer] = [];
    await push(layer, { tokens: tokens(5) }); // warm-up
    await STREAM[layer](request);
  }
  /** @type {any} */
  const engine = [];
  for (let rep = 0; rep < counts.reps; rep++) {
    for (const [layer, run] of Object.entries(STREAM)) {
      await push(layer, reply);
      const result = await run(request);
      if (result.chunks.length !== counts.tokens) {
        throw new Error(`${layer}: ${result.chunks.length} chunks, expected ${counts.tokens}`);
      }
      runs[layer].push(result);
    }
    // The engine on its own, consumed inside the worker, in the same rounds.
    engine.push(await control(bridge, { action: "engineRate", reply }));
    await forget();
  }
  // The provider's own Python work per chunk, from memory (no JavaScript).
  await control(bridge, { action: "push", replies: [{ tokens: tokens(counts.tokens) }] });
  const recorded = [];
  await bridge.stream(request, (/** @type {any} */ chunk) => void recorded.push(JSON.stringify(chunk)));
  const noJs = JSON.parse(await py.no_js_stream(JSON.stringify(request), JSON.stringify(recorded), counts.reps));
  return { runs, engine, noJs };
}

/** Per layer: what one set of stream runs says. */
function streamMetrics(/** @type {any} */ { runs, engine, noJs }) {
  const layers = {};
  for (const [layer, list] of Object.entries(runs)) {
    const latency = [];
    const ttftAdded = [];
    const tokensPerSecond = [];
    const chunksPerSecond = [];
    const enginePace = [];
    for (const { t0, chunks } of list) {
      for (const [, yielded, received] of chunks) latency.push(received - yielded);
      const [pull0, yield0, received0] = chunks[0];
      ttftAdded.push(received0 - t0 - (yield0 - pull0));
      const last = chunks[chunks.length - 1][2];
      tokensPerSecond.push((chunks.length / (last - t0)) * 1000);
      chunksPerSecond.push(((chunks.length - 1) / (last - received0)) * 1000);
      // How fast the engine itself yielded while this layer consumed.
      enginePace.push(((chunks.length - 1) / (chunks[chunks.length - 1][1] - yield0)) * 1000);
    }
    layers[layer] = { latency, ttftAdded, tokensPerSecond, chunksPerSecond, enginePace };
  }
  return {
    layers,
    engine: {
      tokensPerSecond: engine.map((/** @type {any} */ e) => ((e.tokens - 1) / e.ms) * 1000),
      chunksPerSecond: engine.map((/** @type {any} */ e) => (e.chunks / e.ms) * 1000),
    },
    providerNoJsChunksPerSecond: noJs,
  };
}

// ---- the run

async function main() {
  await setUp();
  const results = { meta: { smoke: SMOKE, counts: COUNTS, rate: RATE, crossOriginIsolated, userAgent: navigator.userAgent } };

  if (wanted("floors")) {
    log("floors");
    results.floors = {
      postMessage: await postMessageFloor(COUNTS.floor),
      pyAwaitJs: JSON.parse(await py.echo_floor("x".repeat(100), COUNTS.floor)),
      pyWake: await pythonWakeFloor(Math.min(COUNTS.floor, 500)),
    };
  }
  if (wanted("roundTrips")) {
    log("non-streamed round trips");
    results.roundTrips = await roundTrips();
  }
  if (wanted("paced")) {
    log(`streams at ${RATE} tokens/s`);
    results.paced = streamMetrics(await streams(COUNTS.paced, RATE));
  }
  if (wanted("fast")) {
    log("streams as fast as possible");
    results.fast = streamMetrics(await streams(COUNTS.fast, undefined));
  }
  state.results = results;
  if (!ONLY) state.chart = drawChart(results, summary);
  state.done = true;
}

main().catch((error) => {
  console.error(error);
  state.error = `${error?.name ?? "Error"}: ${error?.message ?? error}\n${error?.stack ?? ""}`;
  state.done = true;
});
