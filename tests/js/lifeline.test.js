// js/lifeline.js in Node, over real MessagePorts. Node 20 has no Web Locks, so
// first what a page without them gets (no lifeline, never a false death), then
// the protocol with a lock manager that follows the Web Locks rules the
// lifeline relies on (exclusive, first come first served, held until the
// callback's promise settles, a request withdrawn by its signal, every lock of
// a holder that is gone released); the browsers' own run in the Chromium layers.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { holdLifeline, holdLock, watchLifeline, whenGone } from "../../js/lifeline.js";
import { LIFELINE_HELD, WORKER_KINDS } from "../../js/protocol.js";

const settle = (/** @type {number} */ ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** navigator.locks's rules, as far as the lifeline uses them. */
class Locks {
  /** @type {Map<string, {release: () => void} | null>} held locks */
  #held = new Map();
  /** @type {Map<string, (() => void)[]>} */
  #waiting = new Map();

  /**
   * @param {string} name
   * @param {any} options
   * @param {any} [callback]
   */
  request(name, options, callback) {
    const [signal, run] = callback ? [options.signal, callback] : [undefined, options];
    return new Promise((resolve, reject) => {
      const grant = () => {
        const done = Promise.resolve(run({ name }));
        const release = () => {
          if (this.#held.get(name) !== holder) return;
          this.#held.delete(name);
          this.#waiting.get(name)?.shift()?.();
        };
        const holder = { release };
        this.#held.set(name, holder);
        done.then(resolve, reject).finally(release);
      };
      if (!this.#held.has(name)) return grant();
      const queue = this.#waiting.get(name) ?? [];
      this.#waiting.set(name, queue);
      queue.push(grant);
      signal?.addEventListener("abort", () => {
        queue.splice(queue.indexOf(grant), 1);
        reject(new DOMException("aborted", "AbortError"));
      });
    });
  }

  /** The holder of `name` is gone: the browser releases its lock. */
  holderGone(/** @type {string} */ name) {
    this.#held.get(name)?.release();
  }
}

afterEach(() => {
  delete (/** @type {any} */ (globalThis).navigator);
});

/** @param {Locks} locks */
function withLocks(locks) {
  Object.defineProperty(globalThis, "navigator", { value: { locks }, configurable: true });
}

test("without Web Locks: a lock is held at once, and nobody is ever reported gone", async () => {
  const release = await holdLock("x");
  release();
  /** @type {string[]} */
  const deaths = [];
  const channel = new MessageChannel();
  /** @type {any[]} */
  const posted = [];
  channel.port2.onmessage = ({ data }) => posted.push(data);
  const stop = watchLifeline(channel.port1, () => deaths.push("gone"));
  const stopWaiting = whenGone("x", () => deaths.push("x gone"));
  await settle();
  assert.deepEqual(posted, [], "no lifeline asked for");
  assert.deepEqual(deaths, []);
  stop();
  stopWaiting();
  channel.port1.close();
});

/**
 * A worker that holds its lifeline, watched: what the watcher posts arrives at
 * the worker's end, answered as engine-server.js answers it.
 * @param {import("node:test").TestContext} t
 */
async function watchedWorker(t) {
  const locks = new Locks();
  withLocks(locks);
  const worker = new MessageChannel();
  t.after(() => worker.port1.close());
  /** @type {string[]} */
  const names = [];
  worker.port2.onmessage = ({ data, ports }) => {
    assert.equal(data.kind, WORKER_KINDS.lifeline);
    names.push(data.name);
    holdLifeline(data.name, ports[0]);
  };
  /** @type {string[]} */
  const deaths = [];
  const stop = watchLifeline(worker.port1, () => deaths.push("gone"));
  await settle();
  assert.equal(names.length, 1);
  return { deaths, stop, die: () => locks.holderGone(names[0]) };
}

test("the watched side holds its lock and says so; its death is reported once", async (t) => {
  const { deaths, die } = await watchedWorker(t);
  assert.deepEqual(deaths, [], "alive while it holds the lock");
  die();
  await settle();
  assert.deepEqual(deaths, ["gone"]);
});

test("a watcher that stops first hears nothing of the death", async (t) => {
  const { deaths, stop, die } = await watchedWorker(t);
  stop(); // terminating on purpose
  die();
  await settle();
  assert.deepEqual(deaths, []);
});

test("the held answer is the protocol's", async () => {
  withLocks(new Locks());
  const channel = new MessageChannel();
  const answer = new Promise((resolve) => (channel.port1.onmessage = ({ data }) => resolve(data)));
  holdLifeline("lifeline/test", channel.port2);
  assert.equal(await answer, LIFELINE_HELD);
  channel.port1.close();
});
