/**
 * Start-up to interactive, model load excluded (bench/startup.html?mode=serial|parallel).
 * One page load is one sample; bench/run.py loads the page several times.
 * Times are performance.now(), i.e. milliseconds since navigation start.
 *
 * Interactive means: Pyodide is ready, the provider's wheel is installed and
 * imported, the bridge is installed and its worker has answered a message, and
 * Python holds a WebLLMProvider wired to it. The model load that would follow
 * (a scripted one here, near instant) is timed separately and not counted.
 *
 * serial:   Pyodide, then the wheel, then the bridge module, then the worker.
 * parallel: the bridge module, then Pyodide and the wheel on the main thread
 *           while the worker boots on its own: createBridge() starts the
 *           worker, attach(pyodide) registers it once Pyodide is ready (as
 *           examples/browser-app/app.js does).
 * pyodide:  Pyodide's own boot alone (loadPyodide), the yardstick the others are
 *           compared with in the same run.
 * self-start: no bridge from the page: Python imports the provider, and the
 *           provider starts its own bridge and engine from the files its wheel
 *           carries (js/self-start.js, the wheel's own engine from a `blob:` URL,
 *           as a Python-only user gets it). "bridge_module" is the bridge imported
 *           and registered, "worker" the engine serving: the page cannot reach an
 *           engine Python started, so it watches the Worker constructor and asks
 *           the new worker for a lifeline (lifeline.js), which an engine answers
 *           once it serves. No model load follows: that engine is WebLLM's real one.
 * self-start-packages: self-start, with the wheel in loadPyodide's `packages`
 *           (a plain page's one line of JavaScript), so Pyodide fetches it while it boots.
 * self-start-unpack: self-start, with the wheel fetched while Pyodide boots and
 *           unpacked as in parallel-unpack (README.md's fastest plain page).
 * micropip: Pyodide, then micropip.install(<the wheel's URL>) from the local
 *           folder (how Python-only users install it); "wheel" is that install.
 * parallel-unpack: parallel, but the wheel is fetched while Pyodide boots and
 *           unpacked with pyodide.unpackArchive(buffer, "wheel") instead of
 *           pyodide.loadPackage, which costs about 0.3 s more here (it skips
 *           the lock's sha256 check; the wheel comes from the same origin as
 *           the page's own code).
 */
import { LIFELINE_HELD, WORKER_KINDS } from "../../js/protocol.js";

const MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC";
const WORKER = "/bench/bench-worker.js";
const params = new URLSearchParams(location.search);
const mode = params.get("mode") ?? "serial";
const state = /** @type {any} */ (window).__startup = { done: false, error: null, mode, stages: {} };
const mark = (/** @type {string} */ name) => (state.stages[name] = performance.now());

/**
 * Resolves when the first worker started from now on serves: it holds a lifeline the page asked for
 * (the engine server answers that kind before WebLLM's protocol, on the page's own port).
 * @returns {Promise<void>}
 */
function nextWorkerServing() {
  const Started = globalThis.Worker;
  return new Promise((serving) => {
    globalThis.Worker = class extends Started {
      /** @param {string | URL} url @param {WorkerOptions} [options] */
      constructor(url, options) {
        super(url, options);
        globalThis.Worker = Started;
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => event.data === LIFELINE_HELD && serving(channel.port1.close());
        this.postMessage({ kind: WORKER_KINDS.lifeline, name: `bench/${crypto.randomUUID()}` }, [channel.port2]);
      }
    };
  });
}

/**
 * @param {Promise<ArrayBuffer>} [wheel] the provider's wheel, fetched meanwhile:
 *   unpacked into site-packages instead of installed by loadPackage
 */
async function python(wheel) {
  const { loadPyodide } = await import("/pyodide.mjs");
  const pyodide = await loadPyodide({ indexURL: "/" });
  mark("pyodide");
  if (wheel) pyodide.unpackArchive(await wheel, "wheel");
  else await pyodide.loadPackage("webllm-provider");
  mark("installed");
  await pyodide.runPythonAsync("import webllm_provider");
  mark("wheel");
  return pyodide;
}

async function bridgeModule() {
  // The test engine's control module too: the worker's first answer is to a control message.
  const [module, { control }] = await Promise.all([
    import("/webllm/bridge.js"),
    import("/webllm/testing/control.js"),
  ]);
  mark("bridge_module");
  return { ...module, control };
}

/** @param {any} bridge @param {typeof import("../../js/testing/control.js").control} control */
async function workerReady(bridge, control) {
  await control(bridge, { action: "state" });
  mark("worker");
}

/** @param {any} pyodide */
async function providerReady(pyodide) {
  await pyodide.runPythonAsync(`
from webllm_provider import WebLLMProvider
provider = WebLLMProvider()
provider.bridge
`);
  mark("interactive");
}

async function main() {
  mark("start");
  let pyodide;
  let bridge;
  if (mode === "serial") {
    pyodide = await python();
    const { installBridge, control } = await bridgeModule();
    bridge = await installBridge(pyodide, { workerUrl: WORKER });
    await workerReady(bridge, control);
    await providerReady(pyodide);
  } else if (mode === "parallel" || mode === "parallel-unpack") {
    // The bridge module first (its evaluation would otherwise wait behind
    // Pyodide's long main-thread tasks), then Pyodide, with the worker booting
    // on its own thread meanwhile.
    const wheel = mode === "parallel-unpack" ? fetch(`/${params.get("wheel")}`).then((r) => r.arrayBuffer()) : undefined;
    const { createBridge, control } = await bridgeModule();
    const pythonReady = python(wheel);
    bridge = createBridge({ workerUrl: WORKER });
    const attached = pythonReady.then((py) => bridge.attach(py) && py);
    [pyodide] = await Promise.all([attached, workerReady(bridge, control)]);
    await providerReady(pyodide);
  } else if (mode === "pyodide") {
    const { loadPyodide } = await import("/pyodide.mjs");
    await loadPyodide({ indexURL: "/" });
    mark("pyodide");
    mark("interactive");
    state.done = true;
    return;
  } else if (mode.startsWith("self-start") || mode === "micropip") {
    const wheel = mode === "self-start-unpack" ? fetch(`/${params.get("wheel")}`).then((r) => r.arrayBuffer()) : null;
    const { loadPyodide } = await import("/pyodide.mjs");
    // self-start-packages: the wheel named in loadPyodide's `packages`, which Pyodide fetches
    // while it boots and installs before it resolves ("pyodide" and "installed" are then one mark).
    const packages = mode === "self-start-packages" ? ["webllm-provider"] : [];
    pyodide = await loadPyodide({ indexURL: "/", packages });
    mark("pyodide");
    if (mode === "micropip") {
      await pyodide.loadPackage("micropip");
      await pyodide.runPythonAsync(`import micropip\nawait micropip.install("${location.origin}/${params.get("wheel")}")`);
    } else if (wheel) {
      pyodide.unpackArchive(await wheel, "wheel");
    } else if (mode === "self-start") {
      await pyodide.loadPackage("webllm-provider");
    }
    mark("installed");
    await pyodide.runPythonAsync("import webllm_provider");
    mark("wheel");
    if (mode === "micropip") {
      state.done = true;
      return;
    }
    // The bridge's first call imports the packaged bridge and registers it, which starts the engine
    // worker (loaded_model() asks nothing else: no worker, no GPU).
    const engineServing = nextWorkerServing();
    await pyodide.runPythonAsync(`
from webllm_provider import WebLLMProvider
provider = WebLLMProvider()
await provider.bridge.loaded_model()
`);
    mark("bridge_module");
    await engineServing;
    mark("worker");
    mark("interactive");
    state.done = true;
    return;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // Not part of start-up: the (scripted) model load and a first reply.
  const t0 = performance.now();
  await bridge.load(MODEL);
  state.model_load_ms = performance.now() - t0;
  const t1 = performance.now();
  await pyodide.runPythonAsync(`
from webllm_provider import ChatRequest, Message
await provider.complete(ChatRequest(messages=[Message(role="user", content="Hi")]))
`);
  state.first_reply_ms = performance.now() - t1;
  state.crossOriginIsolated = crossOriginIsolated;
  // Where the time went: [start, end] of each file the page fetched (ms since navigation).
  state.resources = performance
    .getEntriesByType("resource")
    .map((e) => [e.name.replace(location.origin, ""), Math.round(e.startTime), Math.round(e.responseEnd)]);
  state.done = true;
}

main().catch((error) => {
  state.error = `${error?.name ?? "Error"}: ${error?.message ?? error}`;
  state.done = true;
});
