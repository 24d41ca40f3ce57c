/**
 * The engine the wheel carries (webllm_provider/_web/webllm-provider.js.gz,
 * gzipped, bundled with the whole of WebLLM's JavaScript into one minified file
 * by js/build.mjs; WebLLM's wasm is beside it, webllm-wasm.js), for a provider
 * that starts its own engine (self-start.js). The file plays both parts, so
 * that a page whose Content-Security-Policy forbids `blob:` scripts serves this
 * file (and the wasm) and names it as `worker_url`:
 * - run as a worker, it serves WebLLM's engine;
 * - imported, it offers self-start.js's `startBridge`, as the wheel's small
 *   webllm-bridge.js does (which Python imports when it can: WebLLM's
 *   engine is not compiled in Python's realm).
 */
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { serveEngine } from "./engine-server.js";

export { startBridge } from "./self-start.js";

// A worker's location is its script's URL (its fragment names WebLLM's wasm files: webllm-wasm.js);
// a realm that imports this file has another.
const withoutFragment = (/** @type {string} */ url) => url.split("#")[0];
if (withoutFragment(globalThis.location?.href ?? "") === withoutFragment(import.meta.url)) {
  serveEngine(new WebWorkerMLCEngineHandler());
}
