/**
 * Python for a page, in either placement, behind one interface:
 * - "worker" (the default): Pyodide, the provider and the app's agent run in
 *   a dedicated worker (python-worker.js), which talks to the WebLLM engine
 *   directly; the main thread only renders. Nothing Python does, Pyodide's
 *   boot included, blocks the page.
 * - "main": Pyodide on the page itself (simple pages, pytest-pyodide).
 * The Python code is the same in both: it imports `webllm_bridge` (the
 * provider finds it) and emits events with `webllm_page.emit(name, json)`.
 *
 * @example
 * const python = await startPython({
 *   indexURL: new URL("./", location.href).href,
 *   workerUrl: new URL("./webllm/webllm-worker.js", location.href),
 *   packages: ["webllm-provider"], files: {"agent.py": source},
 *   onEvent: (name, json) => render(name, JSON.parse(json)),
 * });
 * await python.bridge.load("Qwen2.5-1.5B-Instruct-q4f32_1-MLC");
 * await python.call("agent.start", "Hello");
 */
import { createBridge } from "./bridge.js";
import { checkPlacement, hostEngineLinks, placeEngine } from "./engine-link.js";
import { namedError } from "./errors.js";
import { watchLifeline } from "./lifeline.js";
import { callerOf } from "./python-rpc.js";
import { callPython, fetchedResources, preparePython } from "./python-runtime.js";

export { endSharedEngine } from "./engine-link.js";
// The models WebLLM takes native `tools` for (the app labels them; Python keeps the same list, tested equal),
// and WebLLM's catalog, for a page that adds models of its own to it (app-config.js's addModels).
export { functionCallingModelIds, prebuiltAppConfig } from "@mlc-ai/web-llm";
import { ERROR_NAMES, PYTHON_WORKER_KINDS as MESSAGES } from "./protocol.js";

/**
 * @typedef {object} PythonOptions
 * @property {"worker" | "main"} [placement] where Python runs (default "worker")
 * @property {string | URL} workerUrl the WebLLM engine's worker script
 * @property {string | URL} [pythonWorkerUrl] python-worker.js (default: next to this module)
 * @property {(name: string, json: string) => void} [onEvent] what Python emits
 * @property {(report: import("@mlc-ai/web-llm").InitProgressReport) => void} [onProgress] every load's progress
 */

/**
 * @typedef {object} EngineControls the bridge's calls a page makes (queued like Python's)
 * @property {() => Promise<any>} models
 * @property {(modelId: string) => Promise<void>} load
 * @property {(requestId: string) => void} abort
 * @property {import("./engine-link.js").Placement} placement where the engine was asked to run
 * @property {Promise<import("./engine-link.js").Placed>} placed where it runs (a shared engine falls back
 *   to a dedicated one where it cannot run, and says why)
 */

/**
 * @typedef {object} PythonHost
 * @property {"worker" | "main"} placement
 * @property {(target: string, ...args: unknown[]) => Promise<any>} call `module.function(*args)`, awaited, as JSON-able values
 * @property {EngineControls} bridge
 * @property {Worker | null} worker the Python worker ("worker" placement)
 * @property {() => Promise<string[]>} resources the URLs Python's realm fetched (Pyodide, wheels), to cache for offline use
 * @property {() => void} dispose
 */

/**
 * Starts Python and the engine; resolves when Python has booted and the
 * packages and files are in place. The engine starts at once, so a model
 * load may begin (`bridge.load`) before this resolves.
 * @param {PythonOptions & import("./python-runtime.js").BootOptions} options
 * @returns {{ready: Promise<PythonHost>, bridge: EngineControls}}
 */
export function startPython(options) {
  const placement = options.placement ?? "worker";
  checkPlacement(options.engine);
  if (placement === "main") return startOnPage(options);
  if (placement === "worker") return startInWorker(options);
  throw namedError("TypeError", `Unknown Python placement ${JSON.stringify(placement)}: "worker" or "main".`);
}

/** @param {PythonOptions & import("./python-runtime.js").BootOptions} options */
function startOnPage(options) {
  const bridge = createBridge({
    workerUrl: options.workerUrl,
    engine: options.engine,
    appConfig: options.appConfig,
    onProgress: options.onProgress,
  });
  const ready = (async () => {
    const { loadPyodide } = await import(new URL("pyodide.mjs", options.indexURL).href);
    const pyodide = await loadPyodide({ indexURL: options.indexURL });
    bridge.attach(pyodide);
    await preparePython(pyodide, options, (name, json) => options.onEvent?.(name, json));
    /** @type {PythonHost} */
    const host = {
      placement: "main",
      call: (target, ...args) => callPython(pyodide, target, args),
      bridge,
      worker: null,
      resources: async () => fetchedResources(),
      dispose: () => bridge.dispose(),
    };
    return host;
  })();
  return { ready, bridge };
}

/** @param {PythonOptions & import("./python-runtime.js").BootOptions} options */
function startInWorker(options) {
  const worker = new Worker(options.pythonWorkerUrl ?? new URL("./python-worker.js", import.meta.url), {
    type: "module",
  });
  const stopHosting = hostEngineLinks(worker, options.workerUrl);
  const { send, fail } = callerOf(worker);
  worker.addEventListener("message", ({ data }) => {
    if (data?.kind === MESSAGES.event) options.onEvent?.(data.name, data.json);
    else if (data?.kind === MESSAGES.progress) options.onProgress?.(data.report);
  });
  worker.addEventListener("error", (event) =>
    fail(namedError(ERROR_NAMES.worker, `The Python worker failed: ${event.message || "it could not start"}`)),
  );
  // A terminated or crashed worker fires no event: its Web Lock says it is gone.
  const stopWatching = watchLifeline(worker, () => fail(namedError(ERROR_NAMES.worker, "The Python worker stopped.")));

  /** @param {import("./protocol.js").PythonWorkerMethod} method @param {unknown[]} args */
  const bridgeCall = (method, args) => send(MESSAGES.bridge, { method, args });
  /** @type {EngineControls} */
  const bridge = {
    models: () => bridgeCall("models", []),
    load: (modelId) => bridgeCall("load", [modelId]),
    abort: (requestId) => void bridgeCall("abort", [requestId]),
    placement: checkPlacement(options.engine),
    placed: placeEngine(checkPlacement(options.engine), options.workerUrl),
  };
  const { indexURL, packages, files, path, engine, appConfig } = options;
  const ready = send(MESSAGES.boot, { indexURL, packages, files, path, engine, appConfig }).then(() => {
    /** @type {PythonHost} */
    const host = {
      placement: "worker",
      call: (target, ...args) => send(MESSAGES.call, { target, args }),
      bridge,
      worker,
      resources: () => send(MESSAGES.resources, {}),
      dispose: () => {
        fail(namedError(ERROR_NAMES.worker, "Python was disposed."));
        stopWatching();
        stopHosting();
        worker.terminate();
      },
    };
    return host;
  });
  return { ready, bridge };
}
