/**
 * The scripted engine's control channel, which only test workers open: the
 * product's worker host and client know nothing of it.
 *
 * A control message travels like any other message to the engine, over the
 * port the bridge talks to it on (`client.worker`), with a MessagePort of its
 * own for the answer. The test worker's handler answers it before WebLLM's
 * handler sees it (`answerControls`), so the same call works wherever the
 * engine runs: a dedicated worker, the shared engine (one handler per
 * client), behind a Python worker (scripted-python-worker.js relays it there
 * over that worker's own link) and from the gateway's tab.
 *
 * Tests: `await control(client, {action: "push", replies: [...]})`; the actions
 * are scripted-worker.js's.
 */
import { namedError, normaliseError } from "../errors.js";
import { watchLifeline } from "../lifeline.js";

/** `{kind, action, ...}` with a MessagePort: answered `{ok, value}` or `{ok: false, error: {name, message}}` on it. */
export const CONTROL_KIND = "webllm-testing/control";

/** A control call gives up after this long even if no death was noticed (no Web Locks, a dead engine behind a relay). */
const TIMEOUT_MS = 60_000;

/**
 * @typedef {{action: string, [key: string]: unknown}} ControlMessage
 * @typedef {{worker?: Worker | MessagePort | null, bridge?: object | null, ready?: Promise<ControlTarget> | null}} ControlTarget
 *   an EngineClient (its engine); a python-launcher.js PythonHost (its Python worker, or its bridge on the
 *   page); or what `startPython` returns (its bridge if that is on the page, else the PythonHost once ready)
 */

/**
 * Sends a control message to the engine behind `target` and resolves with its
 * answer. Rejects with the worker's error, with `WorkerError` when the worker
 * (or the client) is gone, or after a timeout; it never hangs.
 * @param {ControlTarget} target
 * @param {ControlMessage} message
 * @param {{timeoutMs?: number}} [options]
 * @returns {Promise<unknown>}
 */
export async function control(target, message, { timeoutMs = TIMEOUT_MS } = {}) {
  const port = await portOf(target);
  const channel = new MessageChannel();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let stopWatching = () => {};
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(
        () => reject(namedError("WorkerError", `No answer to control action ${message.action} in ${timeoutMs} ms.`)),
        timeoutMs,
      );
      stopWatching = onDeath(port, () =>
        reject(namedError("WorkerError", `The worker was gone before it answered control action ${message.action}.`)),
      );
      channel.port1.onmessage = ({ data }) => (data.ok ? resolve(data.value) : reject(normaliseError(data.error)));
      port.postMessage({ ...message, kind: CONTROL_KIND }, [channel.port2]);
    });
  } finally {
    clearTimeout(timer);
    stopWatching();
    channel.port1.close();
  }
}

/**
 * @param {ControlTarget} target
 * @returns {Promise<Worker | MessagePort>}
 */
async function portOf(target) {
  // An EngineClient's `worker` starts its engine, or throws WorkerError once it is disposed.
  if (target.worker) return target.worker;
  if (target.bridge && "worker" in target.bridge) return portOf(/** @type {ControlTarget} */ (target.bridge));
  if (target.ready) return portOf(await target.ready);
  throw namedError("TypeError", "control() takes an EngineClient, a PythonHost or what startPython returns.");
}

/** @type {WeakMap<object, Set<() => void>>} per port: the calls waiting on it, told when its worker is gone */
const watched = new WeakMap();

/**
 * Calls `callback` if the worker behind `port` dies; one lifeline
 * (lifeline.js) per port, however many control calls use it.
 * @param {Worker | MessagePort} port
 * @param {() => void} callback
 * @returns {() => void} stops
 */
function onDeath(port, callback) {
  let waiting = watched.get(port);
  if (!waiting) {
    const calls = new Set();
    watchLifeline(port, () => {
      for (const call of calls) call();
    });
    watched.set(port, (waiting = calls));
  }
  waiting.add(callback);
  const added = waiting;
  return () => void added.delete(callback);
}

/**
 * Worker side: `handler` (WebLLM's, as engine-server.js serves it) answers
 * control messages with `answer(message)` and passes everything else on.
 * A shared engine's per-client handlers inherit this.
 * @param {{onmessage(event: any, ...rest: any[]): void}} handler
 * @param {(message: ControlMessage) => unknown} answer
 */
export function answerControls(handler, answer) {
  const onmessage = handler.onmessage;
  handler.onmessage = function (event, ...rest) {
    if (event?.data?.kind !== CONTROL_KIND) return onmessage.call(this, event, ...rest);
    reply(event.ports[0], () => answer(event.data));
  };
}

/**
 * Answers on `port` with what `run` gives, or the error it throws, then closes it.
 * @param {MessagePort} port
 * @param {() => unknown} run
 */
export async function reply(port, run) {
  try {
    port.postMessage({ ok: true, value: (await run()) ?? null });
  } catch (error) {
    const { name = "Error", message = String(error) } = /** @type {Error} */ (error);
    port.postMessage({ ok: false, error: { name, message } });
  }
  port.close();
}
