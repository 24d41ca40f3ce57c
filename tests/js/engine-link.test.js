// js/engine-link.js in Node, over real MessagePorts: a Python worker's link
// (remoteLink) asks its page for an engine, then talks to the engine directly;
// the page's error reports and the shared engine's turns reach it; closing it
// tells the page and fails the turns still waiting. The worker's scope is a
// MessagePort here, the page its other end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkPlacement, remoteLink } from "../../js/engine-link.js";
import { CLIENT_LOCK_PREFIX, LINK_ACTIONS, WORKER_KINDS } from "../../js/protocol.js";
import { TurnQueue } from "../../js/turns.js";

/**
 * This realm as a Python worker: what it posts goes to `page`, what `page`
 * posts it hears. `page.requests` records what the page received.
 */
function pythonWorker() {
  const channel = new MessageChannel();
  const scope = /** @type {any} */ (globalThis);
  scope.postMessage = (/** @type {any} */ message, /** @type {Transferable[]} */ transfer) =>
    channel.port1.postMessage(message, transfer);
  scope.addEventListener = (/** @type {string} */ type, /** @type {any} */ listener) =>
    channel.port1.addEventListener(type, listener);
  scope.removeEventListener = (/** @type {string} */ type, /** @type {any} */ listener) =>
    channel.port1.removeEventListener(type, listener);
  channel.port1.start();
  /** @type {{data: any, port: MessagePort | undefined}[]} */
  const requests = [];
  /** @type {(() => void)[]} */
  const waiters = [];
  channel.port2.onmessage = ({ data, ports }) => {
    requests.push({ data, port: ports[0] });
    for (const wake of waiters.splice(0)) wake();
  };
  /** Resolves once the page has received `count` messages. */
  const received = (/** @type {number} */ count) =>
    new Promise((resolve) => {
      const check = () => (requests.length >= count ? resolve(requests) : waiters.push(check));
      check();
    });
  const close = () => {
    channel.port1.close();
    channel.port2.close();
  };
  return { page: channel.port2, requests, received, close };
}

/**
 * A Python worker and its link for one test, both closed after it.
 * @param {import("node:test").TestContext} t
 * @param {"dedicated" | "shared"} placement
 */
function linkForTest(t, placement) {
  const worker = pythonWorker();
  const link = remoteLink(placement);
  t.after(() => {
    link.close();
    worker.close();
  });
  return { worker, link };
}

test("a Python worker's link asks its page for an engine, then reaches the engine directly", async (t) => {
  const { worker, link } = linkForTest(t, "dedicated");
  const [{ data, port }] = await worker.received(1);
  assert.equal(data.kind, WORKER_KINDS.link);
  assert.equal(data.action, LINK_ACTIONS.open);
  assert.equal(data.placement, "dedicated");
  assert.ok(data.client.startsWith(CLIENT_LOCK_PREFIX), "the lock the engine watches the client by");
  assert.equal(link.turn, null, "a dedicated engine has no turns");
  const engine = /** @type {MessagePort} */ (port);
  const heard = new Promise((resolve) => (engine.onmessage = ({ data }) => resolve(data)));
  link.port.postMessage({ kind: "reload", modelId: ["m"] });
  assert.deepEqual(await heard, { kind: "reload", modelId: ["m"] });
  engine.close();
});

test("the page's report of an engine failure is this link's death, once; another link's is not", async (t) => {
  const { worker, link } = linkForTest(t, "dedicated");
  const [{ data: open, port }] = await worker.received(1);
  /** @type {string[]} */
  const deaths = [];
  const stop = link.watch((message) => deaths.push(message));
  const report = (/** @type {string} */ id, /** @type {string} */ message) =>
    worker.page.postMessage({ kind: WORKER_KINDS.link, action: LINK_ACTIONS.error, id, message });
  report("another link", "not ours");
  report(open.id, "The worker failed: boom");
  report(open.id, "again");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(deaths, ["The worker failed: boom"]);
  stop();
  port?.close();
});

test("a shared engine's turns come in order; closing the link fails the waiting one and tells the page", async () => {
  const worker = pythonWorker();
  const link = remoteLink("shared");
  const [{ data: open, port }] = await worker.received(1);
  const engine = /** @type {MessagePort} */ (port);
  /** @type {TurnQueue<object>} */
  const queue = new TurnQueue();
  engine.onmessage = ({ data, ports }) => data.kind === WORKER_KINDS.turn && queue.request(link, ports[0]);
  assert.ok(link.turn);
  const first = link.turn();
  const second = link.turn();
  const end = await first.granted;
  let secondSettled = false;
  second.granted.finally(() => (secondSettled = true)).catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(secondSettled, false, "one turn at a time");
  link.close();
  await assert.rejects(second.granted, { name: "WorkerError", message: /link was closed/ });
  const [, { data: closed }] = await worker.received(2);
  assert.deepEqual(closed, { kind: WORKER_KINDS.link, action: LINK_ACTIONS.close, id: open.id });
  end();
  queue.forget(link);
  engine.close();
  worker.close();
});

test("a placement is dedicated or shared; anything else is a TypeError", () => {
  assert.equal(checkPlacement(undefined), "dedicated");
  assert.equal(checkPlacement("shared"), "shared");
  assert.throws(() => checkPlacement("remote"), { name: "TypeError", message: /Unknown engine placement "remote"/ });
});
