// The tripwire for js/webllm-handler.js: every assumption it makes about
// WebLLM's worker handler and page client, checked against the installed
// WebLLM (its real WebWorkerMLCEngineHandler and WebWorkerMLCEngine, wired
// to each other in memory, with a recording engine in place of MLCEngine).
// A WebLLM upgrade that breaks one fails here, naming the version and member.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { WebWorkerMLCEngine, WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import {
  answerThrough,
  chatCompletion,
  clientHandler,
  expectedModel,
  interruptGenerate,
  replaceEngine,
  sameModel,
} from "../../js/webllm-handler.js";

const WEBLLM = JSON.parse(readFileSync(new URL("../package.json", import.meta.resolve("@mlc-ai/web-llm")), "utf8"));

/**
 * Fails loudly, naming WebLLM's version and the member that changed.
 * @param {string} member
 * @param {() => unknown} check may be async
 */
async function relyOn(member, check) {
  try {
    await check();
  } catch (error) {
    const detail = /** @type {Error} */ (error).message;
    assert.fail(
      `WebLLM ${WEBLLM.version} no longer behaves as js/webllm-handler.js assumes (written for 0.2.86): ` +
        `${member}. ${detail}`,
    );
  }
}

/** What MLCEngine's place holds: records every call, yields scripted chunks. */
function recordingEngine() {
  /** @type {any} */
  const engine = {
    reloads: /** @type {any[]} */ ([]),
    requests: /** @type {any[]} */ ([]),
    interrupted: 0,
    /** @type {any} */
    progress: undefined,
    /** @param {any} callback */
    setInitProgressCallback(callback) {
      engine.progress = callback;
    },
    getInitProgressCallback: () => engine.progress,
    /** @param {any} modelId @param {any} chatOpts */
    async reload(modelId, chatOpts) {
      engine.reloads.push({ modelId, chatOpts });
    },
    /** @param {any} request */
    async chatCompletion(request) {
      engine.requests.push(request);
      if (request.fail) throw Object.assign(new Error("too long"), { name: "ContextWindowSizeExceededError" });
      if (!request.stream) return { id: "done" };
      return (async function* () {
        yield { id: "c", choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] };
        yield { id: "c", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
      })();
    },
    interruptGenerate() {
      engine.interrupted += 1;
    },
  };
  return engine;
}

/** A real handler with the recording engine, answering into `posted`. */
function handlerWithEngine() {
  const handler = /** @type {any} */ (new WebWorkerMLCEngineHandler());
  const engine = recordingEngine();
  replaceEngine(handler, engine);
  /** @type {any[]} */
  const posted = [];
  answerThrough(handler, (message) => posted.push(message));
  return { handler, engine, posted };
}

/** Lets the handler's async tasks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const reloadMessage = (/** @type {string} */ uuid, /** @type {any} */ modelId, /** @type {any} */ chatOpts) => ({
  kind: "reload",
  uuid,
  content: { modelId, chatOpts },
});

test("a handler's own state is engine, streamIdToAsyncGenerator, modelId and chatOpts", async () => {
  const { handler } = handlerWithEngine();
  handler.onmessage(reloadMessage("u", ["m"], [{ temperature: 1 }]));
  await settle();
  const fields = Object.keys(handler).filter((key) => key !== "postMessage"); // answerThrough's own
  await relyOn("WebWorkerMLCEngineHandler's instance fields (clientHandler shares all but the streams)", () =>
    assert.deepEqual(fields.sort(), ["chatOpts", "engine", "modelId", "streamIdToAsyncGenerator"]),
  );
});

test("handler.postMessage carries every answer and progress report; handler.engine is replaceable", async () => {
  const { handler, engine, posted } = handlerWithEngine();
  await relyOn("handler.engine (replaced by a test engine)", () => assert.equal(handler.engine, engine));
  engine.progress({ progress: 0.5, text: "half", timeElapsed: 0 });
  handler.onmessage(reloadMessage("u1", ["m"], undefined));
  handler.onmessage({ kind: "chatCompletionNonStreaming", uuid: "u2", content: { request: { fail: true }, modelId: ["m"] } });
  await settle();
  await relyOn("handler.postMessage (answers and load progress go through it)", () =>
    assert.deepEqual(posted, [
      { kind: "initProgressCallback", uuid: "", content: { progress: 0.5, text: "half", timeElapsed: 0 } },
      { kind: "return", uuid: "u1", content: null },
      // errors as err.toString(): errors.js and chunk-stream.js read "Name: message"
      { kind: "throw", uuid: "u2", content: "ContextWindowSizeExceededError: too long" },
    ]),
  );
});

test("a reload message sets handler.modelId/chatOpts, which reloadIfUnmatched compares", async () => {
  const { handler, engine } = handlerWithEngine();
  handler.onmessage(reloadMessage("u", ["m"], [{ temperature: 1 }]));
  await settle();
  await relyOn("handler.modelId / handler.chatOpts after a reload message", () => {
    assert.deepEqual(handler.modelId, ["m"]);
    assert.deepEqual(handler.chatOpts, [{ temperature: 1 }]);
  });
  assert.equal(sameModel(handler, { modelId: ["m"], chatOpts: [{ temperature: 1 }] }), true);
  assert.equal(sameModel(handler, { modelId: ["m"], chatOpts: [{ temperature: 0 }] }), false);

  await relyOn("handler.reloadIfUnmatched (no reload for the loaded model)", async () => {
    const same = await chatCompletion(handler, { modelId: ["m"], chatOpts: [{ temperature: 1 }] }, { stream: false });
    assert.deepEqual(engine.reloads, [{ modelId: ["m"], chatOpts: [{ temperature: 1 }] }]);
    assert.deepEqual(same, { id: "done" });
  });
  await relyOn("handler.reloadIfUnmatched (reloads another model and records it)", async () => {
    await chatCompletion(handler, { modelId: ["other"], chatOpts: undefined }, { stream: true });
    assert.deepEqual(engine.reloads.at(-1), { modelId: ["other"], chatOpts: undefined });
    assert.deepEqual(handler.modelId, ["other"]);
  });
  interruptGenerate(handler);
  await relyOn("handler.engine.interruptGenerate", () => assert.equal(engine.interrupted, 1));
});

test("a client's handler answers on its port, shares the loaded model and keeps its streams", async () => {
  const { handler: base, posted } = handlerWithEngine();
  /** @type {any[]} */
  const answers = [];
  const client = /** @type {any} */ (clientHandler(base, /** @type {any} */ ({ postMessage: (/** @type {any} */ m) => answers.push(m) })));
  client.onmessage(reloadMessage("u1", ["m"], undefined));
  await settle();
  const content = { request: { stream: true }, streamId: "s", modelId: ["m"] };
  client.onmessage({ kind: "chatCompletionStreamInit", uuid: "u2", content });
  await settle();
  client.onmessage({ kind: "completionStreamNextChunk", uuid: "u3", content: { streamId: "s" } });
  await settle();
  await relyOn("handler.postMessage / streamIdToAsyncGenerator per client, modelId shared with the engine's handler", () => {
    assert.deepEqual(posted, []);
    assert.deepEqual(
      answers.map((answer) => [answer.kind, answer.uuid]),
      [
        ["return", "u1"],
        ["return", "u2"],
        ["return", "u3"],
      ],
    );
    assert.equal(answers[2].content.choices[0].delta.content, "a");
    assert.deepEqual(base.modelId, ["m"]);
    assert.equal(base.streamIdToAsyncGenerator.size, 0);
  });
});

test("WebLLM's page client records what it loaded, and its requests carry that record", async () => {
  const { handler, engine } = handlerWithEngine();
  /** @type {any[]} */
  const sent = [];
  const worker = /** @type {any} */ ({
    onmessage: null,
    postMessage: (/** @type {any} */ message) => {
      sent.push(message);
      handler.onmessage(message);
    },
  });
  answerThrough(handler, (message) => worker.onmessage(message));
  const client = new WebWorkerMLCEngine(worker);
  await client.reload("m", { temperature: 1 });
  await relyOn("WebWorkerMLCEngine.modelId / chatOpts after reload", () =>
    assert.deepEqual(expectedModel(/** @type {any} */ (client)), { modelId: ["m"], chatOpts: [{ temperature: 1 }] }),
  );
  assert.equal(sameModel(handler, expectedModel(/** @type {any} */ (client))), true);
  const chunks = await client.chat.completions.create({ messages: [{ role: "user", content: "hi" }], stream: true });
  const received = [];
  for await (const chunk of chunks) received.push(chunk);
  assert.equal(received.length, 2);
  const init = sent.find((message) => message.kind === "chatCompletionStreamInit");
  await relyOn("the modelId/chatOpts WebLLM's own requests carry (chunk-stream.js sends the same)", () => {
    assert.deepEqual({ modelId: init.content.modelId, chatOpts: init.content.chatOpts }, expectedModel(/** @type {any} */ (client)));
    assert.equal(engine.reloads.length, 1); // the handler found it loaded
  });
});
