/**
 * The request/reply layer between a page and its Python worker, both halves.
 * The page sends `{kind, id, ...fields}` (protocol.js's PYTHON_WORKER_KINDS);
 * the worker answers each with one `{kind: result, id, ok, value | error}`.
 * Events and progress reports travel unasked, outside this layer.
 */
import { namedError } from "./errors.js";
import { PYTHON_WORKER_KINDS as MESSAGES } from "./protocol.js";

/**
 * @typedef {object} Caller
 * @property {(kind: string, fields: object) => Promise<any>} send a request; resolves with the worker's value
 * @property {(error: Error) => void} fail rejects every pending request, and every later one, with `error`
 */

/**
 * Page side: requests to `worker`, each settled by its result.
 * @param {Worker} worker
 * @returns {Caller}
 */
export function callerOf(worker) {
  /** @type {Map<string, {resolve: (value: any) => void, reject: (error: Error) => void}>} */
  const pending = new Map();
  let dead = /** @type {Error | null} */ (null);
  worker.addEventListener("message", ({ data }) => {
    if (data?.kind !== MESSAGES.result) return;
    const call = pending.get(data.id);
    pending.delete(data.id);
    if (data.ok) call?.resolve(data.value);
    else call?.reject(namedError(data.error.name, data.error.message));
  });
  return {
    send: (kind, fields) => {
      if (dead) return Promise.reject(dead);
      const id = crypto.randomUUID();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ ...fields, kind, id });
      });
    },
    fail: (error) => {
      dead ??= error;
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
    },
  };
}

/**
 * Worker side: answers request `id` with how `result` settles.
 * @param {{postMessage(message: any): void}} scope the worker's scope
 * @param {string} id
 * @param {Promise<unknown>} result
 */
export function answer(scope, id, result) {
  result.then(
    (value) => scope.postMessage({ kind: MESSAGES.result, id, ok: true, value: value ?? null }),
    (/** @type {any} */ error) =>
      scope.postMessage({
        kind: MESSAGES.result,
        id,
        ok: false,
        error: { name: error?.name ?? "Error", message: error?.message ?? String(error) },
      }),
  );
}
