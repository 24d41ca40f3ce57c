/**
 * What both Python placements share (python-launcher.js): installing the app's
 * packages and files, the `webllm_page` module through which Python emits
 * events to the page, and calling a Python function by name with JSON-able
 * arguments. The same Python code therefore runs on the main thread and in
 * the Python worker.
 */

import { namedError } from "./errors.js";
import { PAGE_MODULE } from "./protocol.js";

/** @returns {string[]} the URLs this realm fetched (a page caches them for offline use) */
export function fetchedResources() {
  return performance.getEntriesByType("resource").map((entry) => entry.name);
}

/**
 * @typedef {object} BootOptions
 * @property {string} indexURL the folder with pyodide.mjs and pyodide-lock.json (absolute URL)
 * @property {string[]} [packages] loaded with `loadPackage` (from the lock: the wheel is listed there)
 * @property {Record<string, string>} [files] path (relative to `path`) -> text, written before import
 * @property {string} [path] a folder put on `sys.path`, where `files` go
 * @property {import("./engine-link.js").Placement} [engine] where the WebLLM engine runs
 * @property {{model_list: any[]}} [appConfig] WebLLM app config
 */

/**
 * @param {any} pyodide
 * @param {BootOptions} options
 * @param {(name: string, json: string) => void} emit
 */
export async function preparePython(pyodide, options, emit) {
  // What Python imports to emit events: `from webllm_page import emit; emit(name, json)`.
  pyodide.registerJsModule(PAGE_MODULE, { emit });
  if (options.packages?.length) await pyodide.loadPackage(options.packages, { messageCallback: () => {} });
  const folder = options.path ?? "/home/pyodide";
  for (const [path, text] of Object.entries(options.files ?? {})) {
    const file = `${folder}/${path}`;
    pyodide.FS.mkdirTree(file.slice(0, file.lastIndexOf("/")));
    pyodide.FS.writeFile(file, text);
  }
  const sys = pyodide.pyimport("sys");
  if (!sys.path.includes(folder)) sys.path.insert(0, folder);
  sys.destroy();
}

/**
 * Calls `module.function` (the last dot splits them) with `args`, awaits its
 * result if it is awaitable, and returns it as JSON-able JavaScript.
 * @param {any} pyodide
 * @param {string} target
 * @param {unknown[]} [args]
 * @returns {Promise<unknown>}
 */
export async function callPython(pyodide, target, args = []) {
  const dot = target.lastIndexOf(".");
  if (dot <= 0) throw new TypeError(`Call a Python function as "module.function", not ${JSON.stringify(target)}.`);
  const module = pyodide.pyimport(target.slice(0, dot));
  const pyArgs = args.map((arg) => pyodide.toPy(arg));
  try {
    const func = module[target.slice(dot + 1)];
    if (typeof func !== "function") throw namedError("TypeError", `${target} is not a Python function.`);
    let result = func(...pyArgs);
    if (result && typeof result.then === "function") {
      const awaitable = result;
      try {
        result = await awaitable;
      } finally {
        awaitable.destroy?.();
      }
    }
    if (result && typeof result.toJs === "function") {
      const proxy = result;
      try {
        return proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
      } finally {
        proxy.destroy();
      }
    }
    return result;
  } finally {
    for (const arg of pyArgs) arg?.destroy?.();
    module.destroy();
  }
}
