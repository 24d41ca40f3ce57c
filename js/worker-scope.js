/**
 * The global scope of the worker this code runs in, typed: the project's
 * JavaScript is type-checked against the DOM library only, which has no
 * worker scope. Worker-side modules take it from here.
 */

/**
 * A dedicated worker's global scope, as far as this project uses it.
 * @typedef {object} WorkerScope
 * @property {((event: MessageEvent) => void) | null} onmessage
 * @property {(message: any, transfer?: Transferable[]) => void} postMessage
 * @property {(type: "message", listener: (event: MessageEvent) => void) => void} addEventListener
 * @property {(type: "message", listener: (event: MessageEvent) => void) => void} removeEventListener
 */

/** @returns {WorkerScope} this worker's scope */
export function workerScope() {
  return /** @type {WorkerScope} */ (/** @type {unknown} */ (globalThis));
}
