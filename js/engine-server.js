import { serveStream } from "./chunk-stream.js";
import { detectGpu } from "./gpu.js";
import { holdLifeline, whenGone } from "./lifeline.js";
import { WORKER_KINDS } from "./protocol.js";
import { TurnQueue } from "./turns.js";
import { answerThrough, clientHandler, interruptGenerate, sameModel } from "./webllm-handler.js";
import { workerScope } from "./worker-scope.js";

/**
 * The message loop of a bridge worker, started as a dedicated Worker or as a
 * SharedWorker (the same script serves both; engine-link.js picks).
 *
 * WebLLM's handler gets every message of WebLLM's protocol; the bridge's own
 * kinds are answered first, because the handler would throw on them: the
 * lifeline (lifeline.js), streams whose chunks the worker pushes
 * (chunk-stream.js) and, on a shared engine, turns (turns.js). A test
 * worker's handler answers kinds of its own (js/testing/control.js).
 *
 * A dedicated worker serves its own scope, or the one port a Python worker's
 * link sends it. A shared worker serves one port per client, each with a
 * handler of its own (WebLLM's handler answers on one port), all around the
 * one engine and the one record of what it has loaded.
 */

/** @typedef {import("./webllm-handler.js").Handler} Handler */

/**
 * @param {Handler} handler
 */
export function serveEngine(handler) {
  if ("onconnect" in globalThis) return serveShared(handler);
  const scope = workerScope();
  const serve = dispatcher(handler, null);
  scope.onmessage = (/** @type {MessageEvent} */ event) => {
    if (event.data?.kind !== WORKER_KINDS.connect) return serve(event);
    // A Python worker's link, or a shared engine's that fell back to this
    // dedicated one (engine-link.js): from now on the handler answers there,
    // and the link's turns are granted in order (it is the only client).
    const port = event.ports[0];
    const turns = new TurnQueue();
    const client = { streams: new Set(), port };
    answerThrough(handler, (message) => port.postMessage(message));
    port.onmessage = (event) =>
      event.data?.kind === WORKER_KINDS.turn ? turns.request(client, event.ports[0]) : serve(event);
  };
}

/**
 * @param {Handler} handler
 * @param {Connection | null} connection the shared engine's client, if any
 * @returns {(event: MessageEvent) => void}
 */
function dispatcher(handler, connection) {
  return (event) => {
    const message = event.data;
    if (message?.kind === WORKER_KINDS.lifeline) return holdLifeline(message.name, event.ports[0]);
    if (message?.kind === WORKER_KINDS.stream) {
      if (!connection) return void serveStream(handler, event.ports[0], message);
      const stop = new AbortController();
      const served = serveStream(handler, event.ports[0], message, stop.signal);
      const entry = { stop: () => stop.abort(), served };
      connection.streams.add(entry);
      void served.then(() => connection.streams.delete(entry));
      return;
    }
    handler.onmessage(event);
  };
}

/**
 * @typedef {object} Connection
 * @property {Set<{stop: () => void, served: Promise<void>}>} streams running streams
 * @property {MessagePort} port
 */

/**
 * One engine for every tab of the origin.
 * @param {Handler} engineHandler the handler that owns the engine and the record of its loaded model
 */
function serveShared(engineHandler) {
  /** @type {Set<Connection>} */
  const connections = new Set();
  /** @type {TurnQueue<Connection>} */
  const turns = new TurnQueue();
  // Load progress goes to every client: they all wait for the same model.
  answerThrough(engineHandler, (message) => {
    for (const { port } of connections) port.postMessage(message);
  });
  const scope = /** @type {{onconnect: ((event: MessageEvent) => void) | null, close(): void}} */ (
    /** @type {unknown} */ (globalThis)
  );
  scope.onconnect = (/** @type {MessageEvent} */ { ports: [tabPort] }) => {
    tabPort.onmessage = (/** @type {MessageEvent} */ { data, ports }) => {
      if (data?.kind === WORKER_KINDS.exit) scope.close();
      else if (data?.kind === WORKER_KINDS.connect) connect(ports[0], data.client);
      else if (data?.kind === WORKER_KINDS.probe) void detectGpu().then((gpu) => ports[0].postMessage({ gpu: gpu.available }));
    };
  };

  /**
   * @param {MessagePort} port
   * @param {string} client the lock the client holds while alive
   */
  function connect(port, client) {
    /** @type {Connection} */
    const connection = { streams: new Set(), port };
    const handler = clientHandler(engineHandler, port);
    const serve = dispatcher(handler, connection);
    connections.add(connection);
    port.onmessage = (event) => {
      if (event.data?.kind === WORKER_KINDS.turn) return turns.request(connection, event.ports[0]);
      if (event.data?.kind === "reload" && sameModel(engineHandler, event.data.content)) {
        // Already loaded for another client (or before a reload of the page): nothing to do.
        return port.postMessage({ kind: "return", uuid: event.data.uuid, content: null });
      }
      serve(event);
    };
    whenGone(client, () => {
      // The tab (or its Python worker) is gone, maybe mid-stream: stop what it
      // started, then give its turn to the next client.
      connections.delete(connection);
      port.close();
      const running = [...connection.streams];
      for (const stream of running) stream.stop();
      if (running.length > 0) interruptGenerate(engineHandler);
      void Promise.all(running.map((stream) => stream.served)).then(() => turns.forget(connection));
    });
  }
}
