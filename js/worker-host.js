import { namedError } from "./errors.js";
import { serveStream } from "./chunk-stream.js";
import { workerScope } from "./engine-link.js";
import { holdLifeline, whenGone } from "./lifeline.js";
import { TURN_MESSAGES, WORKER_KINDS } from "./protocol.js";

/**
 * The message loop of a bridge worker, started as a dedicated Worker or as a
 * SharedWorker (the same script serves both; engine-link.js picks).
 *
 * WebLLM's handler gets every message of WebLLM's protocol; the bridge's own
 * kinds are answered first, because the handler would throw on them: the
 * lifeline (lifeline.js), streams whose chunks the worker pushes
 * (chunk-stream.js), control messages, which only a test worker understands,
 * and, on a shared engine, turns (engine-link.js).
 *
 * A dedicated worker serves its own scope, or the one port a Python worker's
 * link sends it. A shared worker serves one port per client, each with a
 * handler of its own (WebLLM's handler answers on one port), all around the
 * one engine and the one record of what it has loaded.
 */

/** `{kind: "scripted", action, ...}`: a control message, answered on the port sent with it. */
export const CONTROL_KIND = "scripted";

/**
 * @typedef {{onmessage(event: MessageEvent | object): void, postMessage(message: any): void, engine: any,
 *   modelId?: any, chatOpts?: any, reloadIfUnmatched(modelId: any, chatOpts: any): Promise<void>}} Handler
 *   WebLLM's `WebWorkerMLCEngineHandler`
 * @typedef {(message: {action: string, [key: string]: unknown}) => unknown} Control
 *   answers control messages; production workers have none
 */

/**
 * @param {Handler} handler
 * @param {Control} [control]
 */
export function serveWorker(handler, control) {
  if ("onconnect" in self) return serveShared(handler, control);
  const scope = workerScope();
  const serve = dispatcher(handler, control, null);
  scope.onmessage = (/** @type {MessageEvent} */ event) => {
    if (event.data?.kind !== WORKER_KINDS.connect) return serve(event);
    // A Python worker's link: from now on the handler answers there.
    const port = event.ports[0];
    handler.postMessage = (message) => port.postMessage(message);
    port.onmessage = serve;
  };
}

/**
 * @param {Handler} handler
 * @param {Control | undefined} control
 * @param {Connection | null} connection the shared engine's client, if any
 * @returns {(event: MessageEvent) => void}
 */
function dispatcher(handler, control, connection) {
  return (event) => {
    const message = event.data;
    if (message?.kind === WORKER_KINDS.lifeline) return holdLifeline(message.name, event.ports[0]);
    if (message?.kind === CONTROL_KIND) return void answerControl(event.ports[0], message, control);
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
 * @param {Control | undefined} control
 */
function serveShared(engineHandler, control) {
  /** @type {Set<Connection>} */
  const connections = new Set();
  const turns = new TurnQueue();
  // Load progress goes to every client: they all wait for the same model.
  engineHandler.postMessage = (message) => {
    for (const { port } of connections) port.postMessage(message);
  };
  const scope = /** @type {{onconnect: ((event: MessageEvent) => void) | null, close(): void}} */ (
    /** @type {unknown} */ (globalThis)
  );
  scope.onconnect = (/** @type {MessageEvent} */ { ports: [tabPort] }) => {
    tabPort.onmessage = (/** @type {MessageEvent} */ { data, ports }) => {
      if (data?.kind === WORKER_KINDS.exit) scope.close();
      else if (data?.kind === WORKER_KINDS.connect) connect(ports[0], data.client);
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
    const serve = dispatcher(handler, control, connection);
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
      if (running.length > 0) engineHandler.engine.interruptGenerate();
      void Promise.all(running.map((stream) => stream.served)).then(() => turns.forget(connection));
    });
  }
}

/**
 * A handler that answers on `port` and shares everything else with `base`:
 * the engine, and the loaded model WebLLM's handler compares requests with.
 * @param {Handler} base
 * @param {MessagePort} port
 * @returns {Handler}
 */
function clientHandler(base, port) {
  const handler = Object.create(base, {
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
  return handler;
}

/**
 * @param {Handler} handler
 * @param {{modelId: any, chatOpts?: any}} params a `reload` message's content
 */
function sameModel(handler, { modelId, chatOpts }) {
  return (
    handler.modelId !== undefined &&
    JSON.stringify(handler.modelId) === JSON.stringify(modelId) &&
    JSON.stringify(handler.chatOpts ?? null) === JSON.stringify(chatOpts ?? null)
  );
}

/** The shared engine's turns: first in, first out, across every client. */
export class TurnQueue {
  /** @type {{connection: Connection, port: MessagePort}[]} */
  #waiting = [];
  /** @type {{connection: Connection, port: MessagePort} | null} */
  #current = null;

  /**
   * @param {Connection} connection
   * @param {MessagePort} port answered TURN_MESSAGES.granted; the client answers TURN_MESSAGES.release
   */
  request(connection, port) {
    this.#waiting.push({ connection, port });
    this.#next();
  }

  /**
   * Drops a client that is gone: its waiting turns, and its current one.
   * @param {Connection} connection
   */
  forget(connection) {
    this.#waiting = this.#waiting.filter((turn) => turn.connection !== connection);
    if (this.#current?.connection === connection) this.#end(this.#current);
  }

  #next() {
    if (this.#current) return;
    const turn = this.#waiting.shift();
    if (!turn) return;
    this.#current = turn;
    turn.port.onmessage = () => this.#end(turn);
    turn.port.postMessage(TURN_MESSAGES.granted);
  }

  /** @param {{connection: Connection, port: MessagePort}} turn */
  #end(turn) {
    if (this.#current !== turn) return;
    turn.port.close();
    this.#current = null;
    this.#next();
  }
}

/**
 * @param {MessagePort} port
 * @param {{action: string}} message
 * @param {Control | undefined} control
 */
async function answerControl(port, message, control) {
  try {
    if (!control) {
      throw namedError(
        "UnsupportedControlError",
        "This worker runs the real WebLLM engine; control messages are for js/testing/scripted-worker.js.",
      );
    }
    port.postMessage({ ok: true, value: (await control(message)) ?? null });
  } catch (error) {
    const { name = "Error", message: text = String(error) } = /** @type {Error} */ (error);
    port.postMessage({ ok: false, error: { name, message: text } });
  }
  port.close();
}
