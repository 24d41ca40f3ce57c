// js/queue.js: one job at a time, first in first out; a caller can be answered
// before its slot is free; failAll frees the slot at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SerialQueue } from "../../js/queue.js";

/** A promise with its resolve and reject outside. */
function deferred() {
  /** @type {(value?: any) => void} */
  let resolve = () => {};
  /** @type {(error: any) => void} */
  let reject = () => {};
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise run its callbacks. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A queue whose tasks wait on a gate each; `log` says when each started and ended.
 * @param {SerialQueue} queue
 * @param {string[]} log
 */
function gatedTask(queue, log) {
  /** @param {string} id */
  return (id) => {
    const gate = deferred();
    const result = queue.push(id, async () => {
      log.push(`start ${id}`);
      try {
        return await gate.promise;
      } finally {
        log.push(`end ${id}`);
      }
    });
    return { result, gate };
  };
}

test("jobs run one at a time, in the order they were pushed", async () => {
  const queue = new SerialQueue();
  /** @type {string[]} */
  const log = [];
  const push = gatedTask(queue, log);
  const a = push("a");
  const b = push("b");
  const c = push("c");
  await settle();
  assert.deepEqual(log, ["start a"]);
  assert.equal(queue.running?.id, "a");
  assert.ok(queue.has("b") && queue.has("c") && !queue.has("d"));

  c.gate.resolve("C"); // a later job being ready changes nothing
  await settle();
  assert.deepEqual(log, ["start a"]);

  a.gate.resolve("A");
  assert.equal(await a.result, "A");
  await settle();
  assert.deepEqual(log, ["start a", "end a", "start b"]);
  b.gate.resolve("B");
  assert.deepEqual(await Promise.all([b.result, c.result]), ["B", "C"]);
  assert.deepEqual(log, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  await settle();
  assert.equal(queue.running, null);
});

test("a failing job rejects its caller and the next job still runs", async () => {
  const queue = new SerialQueue();
  const failing = queue.push("bad", async () => {
    throw new RangeError("no such thing");
  });
  const next = queue.push("good", async () => "fine");
  await assert.rejects(failing, { name: "RangeError", message: "no such thing" });
  assert.equal(await next, "fine");
});

test("cancel removes a waiting job: its caller rejects and its task never runs", async () => {
  const queue = new SerialQueue();
  /** @type {string[]} */
  const log = [];
  const push = gatedTask(queue, log);
  const a = push("a");
  const b = push("b");
  const c = push("c");
  await settle();
  const abort = Object.assign(new Error("stopped"), { name: "AbortError" });
  assert.equal(queue.cancel("b", abort), true);
  assert.equal(queue.cancel("b", abort), false, "only once");
  assert.equal(queue.cancel("a", abort), false, "a running job is not cancelled");
  await assert.rejects(b.result, { name: "AbortError" });
  assert.ok(!queue.has("b"));
  a.gate.resolve(1);
  c.gate.resolve(3);
  assert.equal(await c.result, 3);
  assert.deepEqual(log, ["start a", "end a", "start c", "end c"]);
});

test("a running job answered early keeps its slot until its task really ends", async () => {
  const queue = new SerialQueue();
  /** @type {string[]} */
  const log = [];
  const push = gatedTask(queue, log);
  const loading = push("load");
  const next = push("next");
  await settle();
  const job = queue.running;
  assert.ok(job);
  job.abortRequested = true;
  job.reject(Object.assign(new Error("stopped during the load"), { name: "AbortError" }));
  await assert.rejects(loading.result, { name: "AbortError" });
  await settle();
  assert.deepEqual(log, ["start load"], "the engine is still busy: the next job waits");

  loading.gate.resolve("loaded"); // the late result is ignored
  next.gate.resolve("next done");
  assert.equal(await next.result, "next done");
  assert.deepEqual(log, ["start load", "end load", "start next", "end next"]);
});

test("failAll rejects every caller and frees the slot without waiting for the running task", async () => {
  const queue = new SerialQueue();
  /** @type {string[]} */
  const log = [];
  const push = gatedTask(queue, log);
  const hung = push("hung"); // its engine is gone: the gate never opens
  const waiting = push("waiting");
  await settle();
  const lost = Object.assign(new Error("the worker died"), { name: "WorkerLostError" });
  queue.failAll(lost);
  await assert.rejects(hung.result, { name: "WorkerLostError" });
  await assert.rejects(waiting.result, { name: "WorkerLostError" });
  await settle();
  assert.equal(queue.running, null);

  const after = push("after");
  after.gate.resolve("works");
  assert.equal(await after.result, "works");
  assert.deepEqual(log, ["start hung", "start after", "end after"], "the waiting job never ran");
});
