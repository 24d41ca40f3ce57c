// js/engine-client.js's EngineClient over a real MessagePort, in Node: WebLLM's
// real page-side client and worker handler, the engine served by engine-server.js
// (the worker side, as a Python worker's link reaches it), ScriptedEngine in
// MLCEngine's place. Requests, streams, aborts, the queue and a dead engine.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { EngineClient } from "../../js/engine-client.js";
import { serveEngine } from "../../js/engine-server.js";
import { WORKER_KINDS } from "../../js/protocol.js";
import { replaceEngine } from "../../js/webllm-handler.js";

// The scripted engine checks grammars with xgrammar's UMD bundle, which in Node
// looks for CommonJS's require and __filename: give them, then load it.
const xgrammar = import.meta.resolve("@mlc-ai/web-xgrammar");
Object.assign(globalThis, { require: createRequire(xgrammar), __filename: fileURLToPath(xgrammar) });
const { ScriptedEngine } = await import("../../js/testing/scripted-engine.js");

const MODEL = "Qwen2.5-0.5B-Instruct-q4f32_1-MLC";
/** @returns {any} an OpenAI-style request */
const ask = (/** @type {string} */ text) => ({ messages: [{ role: "user", content: text }] });

/**
 * An engine behind WebLLM's handler, served on one end of a channel by
 * engine-server.js, and an EngineClient on the other end.
 */
function engineAndClient() {
  const engine = new ScriptedEngine();
  const handler = new WebWorkerMLCEngineHandler();
  replaceEngine(handler, engine);
  serveEngine(handler); // a dedicated worker's loop: its scope here is Node's globalThis
  const channel = new MessageChannel();
  // A Python worker's link: the engine serves the port it is handed.
  /** @type {any} */ (globalThis).onmessage({ data: { kind: WORKER_KINDS.connect }, ports: [channel.port2] });
  /** @type {((message: string) => void) | null} */
  let kill = null;
  const client = new EngineClient({
    workerUrl: "",
    link: () => ({
      port: channel.port1,
      watch: (onDeath) => {
        kill = onDeath;
        return () => (kill = null);
      },
      turn: null,
      close: () => {
        channel.port1.close();
        channel.port2.close();
      },
    }),
  });
  return { engine, client, die: (/** @type {string} */ message) => kill?.(message) };
}

/**
 * An engine and its client for one test, disposed after it.
 * @param {import("node:test").TestContext} t
 */
function forTest(t) {
  const made = engineAndClient();
  t.after(() => made.client.dispose());
  return made;
}

test("a completion loads its model first, then answers as WebLLM does", async (t) => {
  const { engine, client } = forTest(t);
  engine.push({ content: "Hello there" });
  const completion = await client.complete({ ...ask("Hi"), model: MODEL });
  assert.equal(completion.choices[0].message.content, "Hello there");
  assert.equal(completion.choices[0].finish_reason, "stop");
  assert.equal(client.loaded, MODEL);
  assert.deepEqual(engine.state().loaded, [MODEL]);
});

test("a stream's chunks are pushed in order and end with the usage chunk", async (t) => {
  const { engine, client } = forTest(t);
  await client.load(MODEL);
  engine.push({ content: "one two three" });
  /** @type {any[]} */
  const chunks = [];
  await client.stream(ask("count"), (chunk) => void chunks.push(chunk));
  const text = chunks.flatMap((c) => c.choices.map((/** @type {any} */ choice) => choice.delta.content ?? "")).join("");
  assert.equal(text, "one two three");
  assert.deepEqual(chunks.at(-1).choices, [], "the usage chunk last");
  assert.ok(chunks.at(-1).usage.completion_tokens > 0);
});

test("an aborted queued request rejects with AbortError; the running one ends with finish_reason abort", async (t) => {
  const { engine, client } = forTest(t);
  await client.load(MODEL);
  engine.push({ content: "a b c d e f g h", tokens_per_second: 20 }, { content: "never" });
  /** @type {any[]} */
  const chunks = [];
  const running = client.stream(ask("slow"), (chunk) => {
    chunks.push(chunk);
    if (chunks.length === 2) client.abort("first");
  }, { requestId: "first" });
  const queued = client.complete(ask("queued"), { requestId: "second" });
  client.abort("second");
  await assert.rejects(queued, { name: "AbortError" });
  await running;
  const finish = chunks.flatMap((c) => c.choices.map((/** @type {any} */ choice) => choice.finish_reason)).filter(Boolean);
  assert.deepEqual(finish, ["abort"]);
});

test("an unknown model is refused before the engine unloads the loaded one", async (t) => {
  const { engine, client } = forTest(t);
  await client.load(MODEL);
  await assert.rejects(client.complete({ ...ask("Hi"), model: "No-Such-Model-MLC" }), { name: "ModelNotFoundError" });
  assert.deepEqual(engine.state().loaded, [MODEL]);
});

test("a dead engine fails everything pending with WorkerError; the bridge disposed refuses later calls", async () => {
  const { engine, client, die } = engineAndClient();
  await client.load(MODEL);
  engine.push({ content: "a b c d e f", tokens_per_second: 5 });
  const pending = client.complete(ask("slow"));
  const queued = client.complete(ask("next"));
  await new Promise((resolve) => setTimeout(resolve, 50));
  die("The worker stopped (terminated or crashed).");
  await assert.rejects(pending, { name: "WorkerError" });
  await assert.rejects(queued, { name: "WorkerError" });
  client.dispose();
  await assert.rejects(client.complete(ask("after")), { name: "WorkerError", message: /disposed/ });
});
