/**
 * The one script the wheel carries (webllm_provider/_web/webllm-provider.js,
 * bundled with WebLLM into a single minified file by js/build.mjs), for
 * Python whose host installed no bridge: a plain Pyodide, PyScript, a
 * JupyterLite kernel. The same file plays both parts:
 * - imported into Python's realm (a page, or a worker such as a PyScript
 *   worker or a notebook kernel), `startBridge` registers the bridge there,
 *   with a dedicated engine worker of its own (a nested worker when Python
 *   itself runs in one);
 * - run as that engine worker, it serves WebLLM's engine.
 * Python imports it from a `blob:` URL of the packaged bytes, or from
 * `worker_url` where a Content-Security-Policy forbids `blob:` scripts
 * (webllm_provider/self_start.py).
 */
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { createBridge } from "./bridge.js";
import { pageLink } from "./engine-link.js";
import { serveEngine } from "./engine-server.js";

// A worker's location is its script's URL; a realm that imports this file has another.
if (globalThis.location?.href === import.meta.url) serveEngine(new WebWorkerMLCEngineHandler());

/**
 * @typedef {object} StartOptions what Python's config says (JSON)
 * @property {string} [workerUrl] the engine worker's script (`worker_url`): default, this file
 * @property {{model_list: any[]}} [appConfig] WebLLM's AppConfig (`app_config`): default, WebLLM's prebuilt one
 */

/**
 * Registers a bridge with a dedicated engine of its own in this Pyodide
 * (`webllm_bridge`, as bridge.js registers it for a page), replacing
 * any bridge registered before.
 * @param {any} pyodide Pyodide's API (Python's `pyodide_js`)
 * @param {string} optionsJson {@link StartOptions}
 */
export function startBridge(pyodide, optionsJson) {
  /** @type {StartOptions} */
  const { workerUrl, appConfig } = JSON.parse(optionsJson);
  const url = workerUrl ?? import.meta.url;
  createBridge({ workerUrl: url, appConfig, link: () => engineLink(url) }).attach(pyodide);
}

/**
 * A dedicated engine. A Content-Security-Policy that forbids the `blob:`
 * worker makes it fail to start; the error then says what to do instead.
 * @param {string} url
 * @returns {import("./engine-link.js").EngineLink}
 */
function engineLink(url) {
  let blocked = false;
  /** @param {SecurityPolicyViolationEvent} event */
  const violation = (event) => {
    if (event.effectiveDirective === "worker-src" && event.blockedURI.startsWith("blob")) blocked = true;
  };
  // Reported to the realm that started the worker, before the worker's error event.
  globalThis.addEventListener("securitypolicyviolation", violation);
  const link = pageLink("dedicated", url);
  return {
    ...link,
    watch: (onDeath) => link.watch((message) => onDeath(blocked ? `${BLOB_WORKERS_FORBIDDEN} (${message})` : message)),
    close: () => {
      globalThis.removeEventListener("securitypolicyviolation", violation);
      link.close();
    },
  };
}

const BLOB_WORKERS_FORBIDDEN =
  "This page's Content-Security-Policy forbids blob: workers, so the provider cannot start its engine from the " +
  "file in its wheel. Serve that file (webllm_provider/_web/webllm-provider.js) from this origin and pass its URL " +
  'as "worker_url" in the provider\'s config.';
