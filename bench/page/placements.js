/**
 * One page load of the placement benchmark (bench/placements.py):
 * `placements.html?python=worker|main&engine=dedicated|shared&step=...`.
 *
 * - step "session": navigation to a working session (Python booted, the model
 *   loaded), then a model load (scripted, `loadMs`), a streamed reply rendered
 *   into the page, and a tool run (Python busy for `toolMs`); the page's long
 *   tasks are reported per phase.
 * - step "ready": navigation to ready only (the reload-to-ready figure); with a
 *   shared engine that already holds the model, no load happens.
 * - step "chunks": tokens/s Python sees at 200 tokens/s and chunks/s as fast as
 *   the engine goes, against the engine alone.
 *
 * Results go to `window.benchResult` (or `window.benchError`).
 */
import { startPython } from "/webllm/python-launcher.js";
import { control } from "/webllm/testing/control.js";

const params = new URLSearchParams(location.search);
const MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC";
const OTHER_MODEL = "Qwen2.5-1.5B-Instruct-q4f32_1-MLC";
const loadMs = Number(params.get("loadMs") ?? 1500);

/** @type {Record<string, number>} phase boundaries, ms since navigation */
const marks = {};
const mark = (/** @type {string} */ name) => (marks[name] = performance.now());

async function main() {
  const reply = /** @type {HTMLElement} */ (document.getElementById("reply"));
  const source = await (await fetch("/bench/placements_agent.py")).text();
  const started = startPython({
    placement: params.get("python") === "main" ? "main" : "worker",
    engine: params.get("engine") === "shared" ? "shared" : "dedicated",
    indexURL: new URL("/", location.href).href,
    workerUrl: "/webllm/testing/scripted-worker.js",
    pythonWorkerUrl: "/webllm/testing/scripted-python-worker.js", // relays control messages
    packages: ["webllm-provider"],
    files: { "placements_agent.py": source },
    // The page renders every delta, as a chat page does.
    onEvent: (name, text) => {
      if (name === "delta") reply.append(text);
    },
  });
  // A model load stands in for a real one: it takes loadMs in the engine
  // (a shared engine that holds the model already answers at once).
  const state = /** @type {{loaded: string[]}} */ (await control(started, { action: "state" }));
  if (!state.loaded.includes(MODEL)) await control(started, { action: "setLoadDelay", ms: loadMs });
  const [python] = await Promise.all([started.ready, started.bridge.load(MODEL)]);
  await python.call("placements_agent.ping");
  mark("ready");
  const step = params.get("step");
  if (step === "ready") return { ready: marks.ready };
  if (step === "chunks") return chunkFigures(python);

  await control(started, { action: "setLoadDelay", ms: loadMs });
  mark("loadStart");
  await started.bridge.load(OTHER_MODEL);
  mark("loadEnd");
  await control(started, { action: "push", replies: [{ tokens: words(200), tokens_per_second: 200 }] });
  mark("replyStart");
  await python.call("placements_agent.reply", "Tell me a story");
  mark("replyEnd");
  mark("toolStart");
  await python.call("placements_agent.tool_run", Number(params.get("toolMs") ?? 300));
  mark("toolEnd");
  return { marks, longTasks: /** @type {any} */ (window).longTasks };
}

/** @param {import("/webllm/python-launcher.js").PythonHost} python */
async function chunkFigures(python) {
  /** @param {number} tokens @param {number} [rate] */
  const push = (tokens, rate) =>
    control(python, { action: "push", replies: [{ tokens: words(tokens), ...(rate ? { tokens_per_second: rate } : {}) }] });
  await push(50, 200);
  await python.call("placements_agent.reply", "warm-up");
  await push(200, 200);
  const paced = await python.call("placements_agent.reply", "paced");
  await push(2000);
  const fast = await python.call("placements_agent.reply", "fast");
  return { paced, fast };
}

/** @param {number} count @returns {string[]} that many tokens */
function words(count) {
  return Array.from({ length: count }, (_, i) => `w${i} `);
}

main().then(
  (result) => (/** @type {any} */ (window).benchResult = result),
  (error) => (/** @type {any} */ (window).benchError = `${error?.name}: ${error?.message ?? error}`),
);
