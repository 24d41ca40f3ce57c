/**
 * The bridge for Python whose host installed none (a plain Pyodide, PyScript,
 * a JupyterLite kernel), as the wheel carries it
 * (webllm_provider/_web/webllm-bridge.js, bundled by js/build.mjs into one
 * minified file with the part of WebLLM that drives an engine: its worker
 * client and catalog, not the engine). Python imports it into its own realm (a
 * page, or a worker such as a PyScript worker or a notebook kernel) from a
 * `blob:` URL of the packaged bytes (webllm_provider/self_start.py), and
 * `startBridge` registers the bridge there with a dedicated engine worker of
 * its own (a nested worker when Python itself runs in one), started from
 * self-start-engine.js's file.
 */
import { createBridge } from "./bridge.js";
import { pageLink } from "./engine-link.js";

/**
 * @typedef {object} StartOptions what Python's config says (JSON)
 * @property {string} workerUrl the engine worker's script: `worker_url`, or a `blob:` URL of the wheel's
 *   webllm-provider.js.gz, inflated (self-start-engine.js)
 * @property {{model_list: any[]}} [appConfig] WebLLM's AppConfig (`app_config`): default, WebLLM's prebuilt one
 */

/**
 * Registers a bridge with a dedicated engine of its own in this Pyodide
 * (`webllm_bridge`, as bridge.js registers it for a page), replacing
 * any bridge registered before. The engine starts at once (createBridge):
 * its script then loads on the worker's thread while Python goes on.
 * @param {any} pyodide Pyodide's API (Python's `pyodide_js`)
 * @param {string} optionsJson {@link StartOptions}
 * @param {string} withoutBlob what a page that forbids `blob:` workers does instead, in Python's words
 *   (webllm_provider/packaged.py, which knows where the wheel keeps the engine)
 */
export function startBridge(pyodide, optionsJson, withoutBlob) {
  /** @type {StartOptions} */
  const { workerUrl, appConfig } = JSON.parse(optionsJson);
  createBridge({ workerUrl, appConfig, link: () => engineLink(workerUrl, withoutBlob) }).attach(pyodide);
}

/**
 * A dedicated engine. A Content-Security-Policy that forbids the `blob:`
 * worker makes it fail to start; the error then says what to do instead.
 * @param {string} url
 * @param {string} withoutBlob
 * @returns {import("./engine-link.js").EngineLink}
 */
function engineLink(url, withoutBlob) {
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
    watch: (onDeath) =>
      link.watch((message) =>
        onDeath(
          blocked
            ? `This page's Content-Security-Policy forbids blob: workers, so the provider cannot start its engine ` +
                `from the file in its wheel: ${withoutBlob} (${message})`
            : message,
        ),
      ),
    close: () => {
      globalThis.removeEventListener("securitypolicyviolation", violation);
      link.close();
    },
  };
}
