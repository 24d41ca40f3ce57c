/**
 * Everything the bridge relies on in WebLLM's worker protocol beyond its
 * documented use (`new WebWorkerMLCEngineHandler()`, `handler.onmessage`,
 * `new WebWorkerMLCEngine(worker)`), in one place. The shared engine, the
 * pushed chunk streams and the test workers need to reach inside WebLLM's
 * handler: WebLLM offers no public way to answer on another port, to share
 * one engine between several handlers, or to run a chat completion the way
 * the handler would without its pull-per-chunk protocol.
 *
 * What this module assumes of WebLLM (0.2.86, src/web_worker.ts); the
 * tripwire tests/js/webllm-handler.test.js runs each against the installed
 * WebLLM and names the version and the member when one no longer holds:
 * - `handler.postMessage(message)`: the handler sends every answer and load
 *   progress report through it, so an own property redirects them;
 * - `handler.engine`: the `MLCEngine` it drives (`chatCompletion`,
 *   `interruptGenerate`, `getInitProgressCallback`), replaceable;
 * - `handler.modelId` / `handler.chatOpts`: the loaded model as the handler
 *   records it, set by a `reload` message and compared by
 *   `handler.reloadIfUnmatched(modelId, chatOpts)`, which reloads when the
 *   page's record differs;
 * - the handler answers a failed task with `{kind: "throw", content}`, the
 *   error's `toString()` ("Name: message"), which errors.js parses;
 * - a handler's own state is `engine`, `streamIdToAsyncGenerator`,
 *   `modelId` and `chatOpts`, nothing else (a client's handler shares all but
 *   the streams);
 * - `client.modelId` / `client.chatOpts` on `WebWorkerMLCEngine`: the page
 *   client's record of what it loaded, which its own requests carry.
 */

/**
 * @typedef {{onmessage(event: MessageEvent | object, ...rest: any[]): void, postMessage(message: any): void,
 *   engine: any, modelId?: any, chatOpts?: any, reloadIfUnmatched(modelId: any, chatOpts: any): Promise<void>}} Handler
 *   WebLLM's `WebWorkerMLCEngineHandler`
 * @typedef {{modelId?: string[], chatOpts?: object[]}} Client WebLLM's page-side `WebWorkerMLCEngine`
 * @typedef {{modelId?: string[], chatOpts?: object[]}} ModelRecord what a client loaded, as WebLLM's messages carry it
 */

/**
 * The handler answers through `post` from now on (a port instead of the worker's scope).
 * @param {Handler} handler
 * @param {(message: any) => void} post
 */
export function answerThrough(handler, post) {
  handler.postMessage = post;
}

/**
 * Gives `handler` another engine (a test engine), with the callback that
 * forwards load progress to the page that the handler gave its own.
 * @param {Handler} handler
 * @param {{setInitProgressCallback(callback: any): void}} engine
 */
export function replaceEngine(handler, engine) {
  engine.setInitProgressCallback(handler.engine.getInitProgressCallback());
  handler.engine = engine;
}

/**
 * A handler that answers on `port` and shares everything else with `base`:
 * the engine, and the loaded model the handler compares requests with. Its
 * streams (WebLLM's pulled ones) are its own.
 * @param {Handler} base
 * @param {MessagePort} port
 * @returns {Handler}
 */
export function clientHandler(base, port) {
  return Object.create(base, {
    streamIdToAsyncGenerator: { value: new Map(), writable: true },
    postMessage: { value: (/** @type {any} */ message) => port.postMessage(message), writable: true },
    modelId: {
      get: () => base.modelId,
      set: (value) => {
        base.modelId = value;
      },
    },
    chatOpts: {
      get: () => base.chatOpts,
      set: (value) => {
        base.chatOpts = value;
      },
    },
  });
}

/**
 * Whether `handler` has exactly the model a `reload` message asks for.
 * @param {Handler} handler
 * @param {ModelRecord} params a `reload` message's content
 */
export function sameModel(handler, { modelId, chatOpts }) {
  return (
    handler.modelId !== undefined &&
    JSON.stringify(handler.modelId) === JSON.stringify(modelId) &&
    JSON.stringify(handler.chatOpts ?? null) === JSON.stringify(chatOpts ?? null)
  );
}

/**
 * A chat completion run as WebLLM's handler runs one: the model the page
 * expects is loaded first if the handler has another (a restarted worker).
 * @param {Pick<Handler, "engine" | "reloadIfUnmatched">} handler
 * @param {ModelRecord} expected the page client's record
 * @param {object} request
 * @returns {Promise<AsyncIterable<any>>} for a streaming request
 */
export async function chatCompletion(handler, { modelId, chatOpts }, request) {
  await handler.reloadIfUnmatched(/** @type {any} */ (modelId), chatOpts);
  return handler.engine.chatCompletion(request);
}

/**
 * Stops the generation running on the handler's engine.
 * @param {Handler} handler
 */
export function interruptGenerate(handler) {
  handler.engine.interruptGenerate();
}

/**
 * What the page client has loaded, as its own requests tell the handler.
 * @param {Client} client
 * @returns {ModelRecord}
 */
export function expectedModel(client) {
  return { modelId: client.modelId, chatOpts: client.chatOpts };
}
