/**
 * Noticing that a worker (or a tab) died, without polling. A worker that is
 * terminated, closes itself or is killed by the browser (out of memory) fires
 * no event on the page, and WebLLM's client would then wait forever. So the
 * party to be watched holds a Web Lock for its whole life; the watcher queues
 * a request for the same lock, and the browser grants it exactly when the
 * holder's locks are released, that is, when the holder is gone. Locks are
 * per origin, so this works across tabs and workers (a shared engine watches
 * its clients the same way).
 *
 * Web Locks exist only in secure contexts (https, localhost). Elsewhere the
 * bridge still sees `error` events, but not silent deaths.
 */

import { LIFELINE_HELD, WORKER_KINDS } from "./protocol.js";

/**
 * Takes the lock `name` until released (or until this worker or tab is gone).
 * @param {string} name
 * @returns {Promise<() => void>} resolves once the lock is held (at once where
 *   there are no Web Locks), with the function that gives it back
 */
export function holdLock(name) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return Promise.resolve(() => {});
  return new Promise((held) => {
    locks.request(name, () => new Promise((release) => held(() => release(undefined))));
  });
}

/**
 * Calls `onGone` once the holder of lock `name` is gone. Request it only after
 * the lock is held, or it is granted at once.
 * @param {string} name
 * @param {() => void} onGone
 * @returns {() => void} stops watching
 */
export function whenGone(name, onGone) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return () => {};
  const stop = new AbortController();
  locks
    .request(name, { signal: stop.signal }, () => {
      if (!stop.signal.aborted) onGone();
    })
    .catch(() => {}); // the AbortError of stop(): nothing to report
  return () => stop.abort();
}

/**
 * Watcher side: asks the worker (or a port the worker serves) to take a
 * lock, then waits for it.
 * @param {{postMessage(message: any, transfer: Transferable[]): void}} worker
 * @param {() => void} onDeath called once, when the worker is gone
 * @returns {() => void} stops watching (call it before terminating on purpose)
 */
export function watchLifeline(worker, onDeath) {
  if (!globalThis.navigator?.locks) return () => {};
  const name = `${WORKER_KINDS.lifeline}/${crypto.randomUUID()}`;
  const channel = new MessageChannel();
  let stopWatching = () => {};
  let stopped = false;
  channel.port1.onmessage = () => {
    channel.port1.close();
    if (!stopped) stopWatching = whenGone(name, onDeath);
  };
  worker.postMessage({ kind: WORKER_KINDS.lifeline, name }, [channel.port2]);
  return () => {
    stopped = true;
    stopWatching();
    channel.port1.close();
  };
}

/**
 * Worker side of watchLifeline.
 * @param {string} name
 * @param {MessagePort} port answered once the lock is held
 */
export function holdLifeline(name, port) {
  if (!globalThis.navigator?.locks) return;
  void holdLock(name).then(() => {
    port.postMessage(LIFELINE_HELD);
    port.close();
  });
}
