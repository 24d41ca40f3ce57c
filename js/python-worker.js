/**
 * A dedicated worker for Python: Pyodide, the provider and the app's agent
 * run here, off the page's main thread. Its bridge talks to the WebLLM engine
 * directly, over a MessageChannel the page hands the engine once
 * (engine-link.js); the page only renders what Python emits and sends calls.
 * Start it through python-launcher.js (`startPython({placement: "worker"})`).
 *
 * The messages are protocol.js's PYTHON_WORKER_KINDS (docs/bridge-protocol.md,
 * "Page and Python worker"): `boot` once, then `call`, `bridge` and
 * `resources`, each answered by a `result`; `event` and `progress` as they come.
 */
import { createBridge } from "./bridge.js";
import { remoteLink } from "./engine-link.js";
import { holdLifeline } from "./lifeline.js";
import { PYTHON_WORKER_KINDS as MESSAGES, PYTHON_WORKER_METHODS, WORKER_KINDS } from "./protocol.js";
import { answer } from "./python-rpc.js";
import { callPython, fetchedResources, preparePython } from "./python-runtime.js";
import { workerScope } from "./worker-scope.js";

const scope = workerScope();

/** @type {Promise<{pyodide: any, bridge: import("./engine-client.js").EngineClient}> | null} */
let booted = null;

scope.addEventListener("message", (/** @type {MessageEvent} */ { data, ports }) => {
  if (data?.kind === WORKER_KINDS.lifeline) {
    holdLifeline(data.name, ports[0]); // the page notices this worker's death (python-launcher.js)
  } else if (data?.kind === MESSAGES.boot) {
    booted ??= boot(data);
    answer(scope, data.id, booted.then(() => null));
  } else if (data?.kind === MESSAGES.call) {
    answer(scope, data.id, ready().then(({ pyodide }) => callPython(pyodide, data.target, data.args)));
  } else if (data?.kind === MESSAGES.resources) {
    answer(scope, data.id, Promise.resolve(fetchedResources()));
  } else if (data?.kind === MESSAGES.bridge) {
    answer(
      scope,
      data.id,
      ready().then(({ bridge }) => {
        const method = /** @type {import("./protocol.js").PythonWorkerMethod} */ (data.method);
        if (!PYTHON_WORKER_METHODS.includes(method)) throw new TypeError(`No bridge method ${method}`);
        return /** @type {(...args: any[]) => unknown} */ (bridge[method]).apply(bridge, data.args);
      }),
    );
  }
});

/**
 * The booted Python's bridge (an EngineClient), for worker scripts that build
 * on this one; rejects until the page has sent the boot message.
 * @returns {Promise<import("./engine-client.js").EngineClient>}
 */
export function bootedBridge() {
  return ready().then(({ bridge }) => bridge);
}

function ready() {
  if (!booted) return Promise.reject(new TypeError("Python has not been booted (send the boot message first)."));
  return booted;
}

/**
 * @param {import("./python-runtime.js").BootOptions} options
 */
async function boot(options) {
  const bridge = createBridge({
    workerUrl: "",
    appConfig: options.appConfig,
    link: () => remoteLink(options.engine ?? "dedicated"),
    onProgress: (report) => scope.postMessage({ kind: MESSAGES.progress, report }),
  });
  const { loadPyodide } = await import(new URL("pyodide.mjs", options.indexURL).href);
  const pyodide = await loadPyodide({ indexURL: options.indexURL });
  bridge.attach(pyodide);
  await preparePython(pyodide, options, (name, json) => scope.postMessage({ kind: MESSAGES.event, name, json }));
  return { pyodide, bridge };
}
