// js/chunk-stream.js, both ends over real MessagePorts (node's MessageChannel
// is the browser's): the page's iterator (pushedChunks) and the worker's
// pusher (serveStream) on a handler whose engine yields scripted chunks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pushedChunks, serveStream } from "../../js/chunk-stream.js";
import { STREAM_CREDIT_EVERY as ACK_EVERY, STREAM_WINDOW as WINDOW, WORKER_KINDS } from "../../js/protocol.js";

/**
 * An engine whose chatCompletion yields `count` chunks (or forever), then
 * throws `failAfter`'s error if given; it records what it was asked and how
 * far the consumer pulled.
 * @param {{count?: number, failWith?: Error}} [options]
 */
function scriptedHandler({ count = Infinity, failWith } = {}) {
  const seen = { pulled: 0, closed: false, reloads: /** @type {any[]} */ ([]), requests: /** @type {any[]} */ ([]) };
  /** @type {(() => void)[]} */
  const pullWaiters = [];
  const handler = {
    async reloadIfUnmatched(/** @type {any} */ modelId, /** @type {any} */ chatOpts) {
      seen.reloads.push({ modelId, chatOpts });
    },
    engine: {
      async chatCompletion(/** @type {any} */ request) {
        seen.requests.push(request);
        return (async function* () {
          try {
            for (let i = 0; i < count; i++) {
              seen.pulled = i + 1;
              for (const wake of pullWaiters.splice(0)) wake();
              yield { id: "c", choices: [{ index: 0, delta: { content: `t${i}` }, finish_reason: null }] };
            }
            if (failWith) throw failWith;
          } finally {
            seen.closed = true;
          }
        })();
      },
    },
  };
  /** Resolves once the engine has been pulled `n` times. */
  const pulled = (/** @type {number} */ n) =>
    new Promise((resolve) => {
      const check = () => (seen.pulled >= n ? resolve(undefined) : pullWaiters.push(check));
      check();
    });
  return { handler, seen, pulled };
}

/**
 * A stand-in for the Worker: what the page posts goes to serveStream, as in
 * engine-server.js. `batches` records the size of every chunk message the worker posts.
 * @param {ReturnType<typeof scriptedHandler>["handler"]} handler
 */
function fakeWorker(handler) {
  /** @type {number[]} */
  const batches = [];
  /** @type {Promise<void>[]} */
  const served = [];
  const worker = {
    /** @param {any} message @param {MessagePort[]} transfer */
    postMessage(message, [port]) {
      assert.equal(message.kind, WORKER_KINDS.stream);
      const post = port.postMessage.bind(port);
      port.postMessage = (/** @type {any} */ data) => {
        if (data.chunks) batches.push(data.chunks.length);
        post(data);
      };
      served.push(serveStream(handler, port, message));
    },
  };
  return { worker: /** @type {Worker} */ (/** @type {unknown} */ (worker)), batches, served };
}

const ENGINE = { modelId: ["Qwen2.5-0.5B-Instruct-q4f32_1-MLC"], chatOpts: [{ temperature: 0 }] };
const REQUEST = { messages: [{ role: "user", content: "hi" }], stream: true };

/** Lets messages between the two ports be delivered. */
const turns = async (/** @type {number} */ n) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** @param {AsyncIterableIterator<any>} chunks */
async function texts(chunks) {
  const out = [];
  for await (const chunk of chunks) out.push(chunk.choices[0].delta.content);
  return out;
}

test("every chunk arrives once, in order, and the stream ends", async () => {
  const { handler, seen } = scriptedHandler({ count: 100 });
  const { worker, served } = fakeWorker(handler);
  const got = await texts(pushedChunks(worker, ENGINE, REQUEST));
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => `t${i}`));
  await Promise.all(served);
  assert.deepEqual(seen.requests, [REQUEST]);
  assert.deepEqual(seen.reloads, [{ modelId: ENGINE.modelId, chatOpts: ENGINE.chatOpts }], "the page's model, checked first");
});

test("a page that does not consume stops the engine after a window of chunks; credit lets it go on", async () => {
  const { handler, seen, pulled } = scriptedHandler({ count: 200 });
  const { worker } = fakeWorker(handler);
  const chunks = pushedChunks(worker, ENGINE, REQUEST);
  assert.equal((await chunks.next()).value.choices[0].delta.content, "t0");
  await pulled(WINDOW);
  await turns(50);
  assert.equal(seen.pulled, WINDOW, "the engine waits for the page instead of decoding ahead");

  // Consuming ACK_EVERY chunks returns credit, and the engine moves on by as many.
  for (let i = 1; i <= ACK_EVERY; i++) assert.equal((await chunks.next()).value.choices[0].delta.content, `t${i}`);
  await pulled(WINDOW + 1);
  await turns(50);
  assert.equal(seen.pulled, WINDOW + ACK_EVERY);
  await chunks.return?.();
});

test("chunks that pile up while the page is busy travel together when it credits", async () => {
  const { handler, pulled } = scriptedHandler({ count: 100 });
  const { worker, batches, served } = fakeWorker(handler);
  const chunks = pushedChunks(worker, ENGINE, REQUEST);
  await pulled(WINDOW); // the page reads nothing meanwhile
  await turns(20);
  assert.deepEqual(batches, [1, 1, 1, 1], "a page that keeps up gets each chunk at once; then the worker holds them");
  const got = await texts(chunks);
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => `t${i}`));
  await Promise.all(served);
  assert.equal(batches[ACK_EVERY], WINDOW - ACK_EVERY, "the held ones in one message, at the first credit");
  assert.equal(batches.reduce((a, b) => a + b), 100);
});

test("return() cancels: the engine's generator is closed and nothing more is decoded", async () => {
  const { handler, seen } = scriptedHandler(); // endless
  const { worker, served } = fakeWorker(handler);
  const chunks = pushedChunks(worker, ENGINE, REQUEST);
  for (let i = 0; i < 10; i++) await chunks.next();
  assert.deepEqual(await chunks.return?.(), { done: true, value: undefined });
  await Promise.all(served);
  assert.ok(seen.closed, "the generation was stopped");
  assert.ok(seen.pulled <= 10 + WINDOW, `decoded ${seen.pulled}`);
  const pulledAtCancel = seen.pulled;
  await turns(20);
  assert.equal(seen.pulled, pulledAtCancel);
  assert.deepEqual(await chunks.next(), { done: true, value: undefined }, "a closed stream stays closed");
});

test("an error mid-stream arrives after the chunks before it, as WebLLM's 'Name: message'", async () => {
  const failure = Object.assign(new Error("Device was lost"), { name: "DeviceLostError" });
  const { handler } = scriptedHandler({ count: 3, failWith: failure });
  const { worker } = fakeWorker(handler);
  const chunks = pushedChunks(worker, ENGINE, REQUEST);
  /** @type {string[]} */
  const got = [];
  await assert.rejects(
    async () => {
      for await (const chunk of chunks) got.push(chunk.choices[0].delta.content);
    },
    (/** @type {unknown} */ error) => error === "DeviceLostError: Device was lost",
  );
  assert.deepEqual(got, ["t0", "t1", "t2"]);
});

test("a model that will not load fails the stream before any chunk", async () => {
  const { handler, seen } = scriptedHandler({ count: 5 });
  handler.reloadIfUnmatched = async () => {
    throw Object.assign(new Error("Cannot find model record"), { name: "ModelNotFoundError" });
  };
  const { worker } = fakeWorker(handler);
  await assert.rejects(texts(pushedChunks(worker, ENGINE, REQUEST)), (/** @type {unknown} */ error) =>
    String(error).startsWith("ModelNotFoundError: Cannot find model record"),
  );
  assert.equal(seen.requests.length, 0, "nothing was generated");
});
