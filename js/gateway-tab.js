/**
 * A browser tab as the gateway's engine (webllm_provider.gateway): connects
 * back to the gateway over a WebSocket and runs each request it is given on
 * the project's own EngineClient (engine-client.js), with the same queue, abort,
 * load progress and typed errors as in-page use. Reconnects by itself when
 * the gateway goes away, until the gateway closes the session.
 * Messages are protocol.js's TO_TAB and TO_GATEWAY (docs/gateway.md, "Tab protocol").
 */

import { EngineClient } from "./engine-client.js";
import { normaliseError } from "./errors.js";
import { CLOSED_BY_GATEWAY, GATEWAY_SUBPROTOCOL, GATEWAY_TOKEN_PREFIX, TO_GATEWAY, TO_TAB } from "./protocol.js";

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

/**
 * @typedef {object} TabOptions
 * @property {string | URL} socketUrl ws://host:port/tab
 * @property {string} token the gateway's token
 * @property {string | URL} workerUrl js/webllm-worker.js (or the scripted worker in tests)
 * @property {{model_list: any[]}} [appConfig] WebLLM's AppConfig of custom models; default its prebuilt catalog
 * @property {(status: string, detail?: string) => void} [onStatus] connection and model changes, as text
 */

/**
 * @param {TabOptions} options
 */
export function connectTab({ socketUrl, token, workerUrl, appConfig, onStatus = () => {} }) {
  /** @type {string | null} the job running now: the gateway sends one at a time */
  let current = null;
  const bridge = new EngineClient({
    workerUrl,
    appConfig,
    // Every load reports progress, whether a load job or a request naming another model asked for it.
    onProgress: (report) => {
      send({ type: TO_GATEWAY.progress, id: current, report });
      onStatus("loading", report.text);
    },
  });
  /** @type {Set<string>} requests of the current connection still running */
  const running = new Set();
  /** @type {WebSocket | null} */
  let socket = null;
  let retryMs = RETRY_FIRST_MS;
  let stopped = false;
  /** @type {Map<string, object[]>} chunks not sent yet, per request */
  const unsent = new Map();

  /** @param {object} message */
  const send = (message) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };

  /**
   * Chunks that arrive together (the worker pushes piled-up chunks in one
   * message) leave in one WebSocket message, sent once this task is over.
   * @param {string} id
   * @param {object} chunk
   */
  const queueChunk = (id, chunk) => {
    const chunks = unsent.get(id);
    if (chunks) return void chunks.push(chunk);
    unsent.set(id, [chunk]);
    setTimeout(() => flush(id), 0);
  };

  /** @param {string} id */
  const flush = (id) => {
    const chunks = unsent.get(id);
    unsent.delete(id);
    if (chunks) send({ type: TO_GATEWAY.chunks, id, chunks });
  };

  /**
   * Runs one job to its end and reports that end, whatever happens.
   * @param {string} id
   * @param {() => Promise<object>} work resolves with the terminal message
   */
  const run = async (id, work) => {
    running.add(id);
    current = id;
    try {
      const end = await work();
      flush(id);
      send({ ...end, id, loaded: bridge.loaded });
    } catch (error) {
      flush(id);
      const { name, message } = normaliseError(error);
      send({ type: TO_GATEWAY.error, id, error: { name, message }, loaded: bridge.loaded });
    } finally {
      running.delete(id);
      if (current === id) current = null;
      onStatus(running.size ? "working" : "connected", bridge.loaded ?? undefined);
    }
  };

  /** @param {any} message */
  const handle = (message) => {
    const { id } = message;
    switch (message.type) {
      case TO_TAB.generate:
        onStatus("working", bridge.loaded ?? undefined);
        return run(id, async () => {
          if (!message.stream) return { type: TO_GATEWAY.result, completion: await bridge.complete(message.request, { requestId: id }) };
          await bridge.stream(message.request, (chunk) => queueChunk(id, chunk), { requestId: id });
          return { type: TO_GATEWAY.done };
        });
      case TO_TAB.load:
        return run(id, async () => {
          await bridge.load(message.model);
          return { type: TO_GATEWAY.done };
        });
      case TO_TAB.abort:
        return bridge.abort(id);
      case TO_TAB.close:
        stopped = true;
        return undefined;
      default:
        return undefined;
    }
  };

  const open = () => {
    const opened = new WebSocket(socketUrl, [GATEWAY_SUBPROTOCOL, GATEWAY_TOKEN_PREFIX + token]);
    socket = opened;
    opened.onopen = async () => {
      retryMs = RETRY_FIRST_MS;
      const { models, gpu, loaded } = await bridge.models();
      send({ type: TO_GATEWAY.hello, models, gpu, loaded });
      onStatus("connected", loaded ?? undefined);
    };
    opened.onmessage = (event) => handle(JSON.parse(event.data));
    opened.onclose = (event) => {
      // The gateway has failed whatever this connection was running: stop it here too.
      for (const id of running) bridge.abort(id);
      if (stopped || event.code === CLOSED_BY_GATEWAY) {
        stopped = true;
        onStatus("closed", event.reason);
        return;
      }
      onStatus("reconnecting");
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };
  };
  open();

  return {
    bridge,
    /** Ends the session: no reconnecting; the worker is disposed. */
    close() {
      stopped = true;
      socket?.close(1000, "the tab closed the session");
      bridge.dispose();
    },
  };
}
