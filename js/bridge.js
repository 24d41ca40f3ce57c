/**
 * The module a page imports: starts the WebLLM worker and gives Python (in
 * Pyodide) the functions of docs/bridge-protocol.md. Everything that crosses
 * into Python is a JSON string, so no JavaScript proxy outlives a call.
 *
 * @example
 * import { installBridge } from "./bridge.js";
 * const bridge = await installBridge(pyodide, {
 *   workerUrl: new URL("./webllm-worker.js", import.meta.url),
 *   model: "Qwen2.5-0.5B-Instruct-q4f32_1-MLC",
 *   onProgress: (report) => console.log(report.text),
 * });
 * // Python: import webllm_bridge; await webllm_bridge.complete(json.dumps(request))
 * // JavaScript: await bridge.complete(request)
 */

import { EngineClient } from "./engine-client.js";
import { namedError } from "./errors.js";
import { PYTHON_MODULE } from "./protocol.js";

// For a JavaScript app that drives the engine without Python.
export { EngineClient } from "./engine-client.js";


/**
 * @typedef {import("./engine-client.js").ClientOptions & {model?: string}} InstallOptions
 *   `model`: loaded before the promise resolves; if that fails, the bridge is
 *   disposed and the promise rejects (install without `model` and call
 *   `bridge.load()` to keep the bridge after a failed load)
 */

/**
 * @param {any} pyodide the object `loadPyodide()` resolved with
 * @param {InstallOptions} options
 * @returns {Promise<EngineClient>}
 */
export async function installBridge(pyodide, options) {
  const bridge = createBridge(options).attach(pyodide);
  if (options.model) {
    try {
      await bridge.load(options.model);
    } catch (error) {
      bridge.dispose();
      throw error;
    }
  }
  return bridge;
}

/**
 * A bridge not yet registered in Pyodide: for a page that starts the worker
 * (and the model download) while Pyodide is still booting. Call
 * `attach(pyodide)` once it is ready, before Python uses the bridge.
 * The engine's worker starts at once, so its script (WebLLM, megabytes) loads
 * and compiles meanwhile rather than on the first call.
 * @param {import("./engine-client.js").ClientOptions} options
 * @returns {PyodideBridge}
 */
export function createBridge(options) {
  return new PyodideBridge(options).start();
}

/** @type {WeakMap<object, PyodideBridge>} Pyodide has one `webllm_bridge`, so one bridge each. */
const installed = new WeakMap();

/**
 * An EngineClient that registers its functions in Pyodide, and removes them on
 * dispose(). Installing a second one into the same Pyodide disposes the first.
 */
class PyodideBridge extends EngineClient {
  /** @type {any} */
  #pyodide = null;
  #functions = pythonFunctions(this);

  /**
   * Registers the functions in `pyodide`.
   * @param {any} pyodide
   * @returns {this}
   */
  attach(pyodide) {
    if (this.#pyodide) throw namedError("TypeError", "This bridge is already attached to a Pyodide.");
    installed.get(pyodide)?.dispose();
    installed.set(pyodide, this);
    this.#pyodide = pyodide;
    pyodide.registerJsModule(PYTHON_MODULE, this.#functions);
    return this;
  }

  dispose() {
    super.dispose();
    const pyodide = this.#pyodide;
    if (!pyodide) return;
    this.#pyodide = null;
    installed.delete(pyodide);
    pyodide.unregisterJsModule(PYTHON_MODULE);
    // An earlier `import webllm_bridge` would otherwise keep the dead functions.
    const sys = pyodide.pyimport("sys");
    const modules = sys.modules;
    modules.pop(PYTHON_MODULE, null);
    modules.destroy();
    sys.destroy();
  }
}

/**
 * The JSON-string layer over the EngineClient. Async (but abort), so that even a
 * malformed request reaches Python as a rejected awaitable, not a synchronous
 * exception.
 * @param {EngineClient} bridge
 * @returns {Record<import("./protocol.js").BridgeFunction, (...args: any[]) => unknown>}
 */
function pythonFunctions(bridge) {
  return {
    /** @param {string} requestJson @param {string} [requestId] */
    complete: async (requestJson, requestId) =>
      JSON.stringify(await bridge.complete(JSON.parse(requestJson), { requestId })),

    /** @param {string} requestJson @param {(chunkJson: string) => unknown} onChunk @param {string} [requestId] */
    stream: async (requestJson, onChunk, requestId) =>
      bridge.stream(JSON.parse(requestJson), (chunk) => deliver(onChunk, JSON.stringify(chunk)), { requestId }),

    /** @param {string} requestId */
    abort: (requestId) => bridge.abort(requestId),

    models: async () => JSON.stringify(await bridge.models()),

    // Synchronous: the one field, without the catalog and the GPU probe `models` makes.
    loaded: () => JSON.stringify(bridge.loaded),

    /** @param {string} modelId @param {(reportJson: string) => unknown} [onProgress] */
    load: async (modelId, onProgress) =>
      bridge.load(
        modelId,
        onProgress &&
          ((report) => {
            // A failing progress display must not fail the load.
            deliver(onProgress, JSON.stringify(report)).catch((error) => console.error(error));
          }),
      ),
  };
}

/**
 * Calls a Python callable. An `async def` callback returns a coroutine proxy,
 * which is awaited (so a slow consumer slows the stream down) and then freed.
 * @param {(json: string) => any} callback
 * @param {string} json
 */
async function deliver(callback, json) {
  const result = callback(json);
  try {
    await result;
  } finally {
    if (typeof result?.destroy === "function") result.destroy();
  }
}
