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

/** @typedef {(message: object) => void} Send sends a message to the gateway, if connected */

/**
 * @param {TabOptions} options
 */
export function connectTab({ socketUrl, token, workerUrl, appConfig, onStatus = () => {} }) {
  /** @type {WebSocket | null} */
  let socket = null;
  /** @type {Send} */
  const send = (message) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const client = new EngineClient({
    workerUrl,
    appConfig,
    // Every load reports progress, whether a load job or a request naming another model asked for it.
    onProgress: (report) => {
      send({ type: TO_GATEWAY.progress, id: jobs.current, report });
      onStatus("loading", report.text);
    },
  });
  const jobs = jobRunner(client, send, onStatus);
  const connection = reconnecting({
    open: () => {
      const opened = new WebSocket(socketUrl, [GATEWAY_SUBPROTOCOL, GATEWAY_TOKEN_PREFIX + token]);
      socket = opened;
      return opened;
    },
    hello: async () => {
      const { models, gpu, loaded } = await client.models();
      send({ type: TO_GATEWAY.hello, models, gpu, loaded });
      onStatus("connected", loaded ?? undefined);
    },
    dispatch: (message) => dispatch(message, client, jobs, connection.stop, onStatus),
    // The gateway has failed whatever this connection was running: stop it here too.
    lost: () => jobs.abortAll(),
    onStatus,
  });

  return {
    bridge: client,
    /** Ends the session: no reconnecting; the worker is disposed. */
    close() {
      connection.stop();
      socket?.close(1000, "the tab closed the session");
      client.dispose();
    },
  };
}

/**
 * One gateway message, done.
 * @param {any} message
 * @param {EngineClient} client
 * @param {ReturnType<typeof jobRunner>} jobs
 * @param {() => void} stop ends the session (the gateway closed it)
 * @param {(status: string, detail?: string) => void} onStatus
 */
function dispatch(message, client, jobs, stop, onStatus) {
  const { id } = message;
  switch (message.type) {
    case TO_TAB.generate:
      onStatus("working", client.loaded ?? undefined);
      return jobs.run(id, async () => {
        if (!message.stream) {
          return { type: TO_GATEWAY.result, completion: await client.complete(message.request, { requestId: id }) };
        }
        await client.stream(message.request, (chunk) => jobs.queueChunk(id, chunk), { requestId: id });
        return { type: TO_GATEWAY.done };
      });
    case TO_TAB.load:
      return jobs.run(id, async () => {
        await client.load(message.model);
        return { type: TO_GATEWAY.done };
      });
    case TO_TAB.abort:
      return client.abort(id);
    case TO_TAB.close:
      return stop();
    default:
      return undefined;
  }
}

/**
 * The jobs of one tab: each runs to its end and reports that end, whatever
 * happens; a stream's chunks that arrive together (the worker pushes piled-up
 * chunks in one message) leave in one WebSocket message.
 * @param {EngineClient} client
 * @param {Send} send
 * @param {(status: string, detail?: string) => void} onStatus
 */
function jobRunner(client, send, onStatus) {
  /** @type {Set<string>} requests of the current connection still running */
  const running = new Set();
  /** @type {Map<string, object[]>} chunks not sent yet, per request */
  const unsent = new Map();

  /** @param {string} id */
  const flush = (id) => {
    const chunks = unsent.get(id);
    unsent.delete(id);
    if (chunks) send({ type: TO_GATEWAY.chunks, id, chunks });
  };

  return {
    /** @type {string | null} the job running now: the gateway sends one at a time */
    current: /** @type {string | null} */ (null),

    /**
     * @param {string} id
     * @param {object} chunk
     */
    queueChunk(id, chunk) {
      const chunks = unsent.get(id);
      if (chunks) return void chunks.push(chunk);
      unsent.set(id, [chunk]);
      setTimeout(() => flush(id), 0); // once this task is over
    },

    /**
     * @param {string} id
     * @param {() => Promise<object>} work resolves with the terminal message
     */
    async run(id, work) {
      running.add(id);
      this.current = id;
      try {
        const end = await work();
        flush(id);
        send({ ...end, id, loaded: client.loaded });
      } catch (error) {
        flush(id);
        const { name, message } = normaliseError(error);
        send({ type: TO_GATEWAY.error, id, error: { name, message }, loaded: client.loaded });
      } finally {
        running.delete(id);
        if (this.current === id) this.current = null;
        onStatus(running.size ? "working" : "connected", client.loaded ?? undefined);
      }
    },

    abortAll() {
      for (const id of running) client.abort(id);
    },
  };
}

/**
 * A WebSocket that is opened again, with back-off, whenever it closes, until
 * `stop()` or the gateway closes it for good.
 * @param {{open: () => WebSocket, hello: () => Promise<void>, dispatch: (message: any) => unknown,
 *   lost: () => void, onStatus: (status: string, detail?: string) => void}} hooks
 */
function reconnecting({ open, hello, dispatch, lost, onStatus }) {
  let retryMs = RETRY_FIRST_MS;
  let stopped = false;
  const connect = () => {
    const socket = open();
    socket.onopen = () => {
      retryMs = RETRY_FIRST_MS;
      void hello();
    };
    socket.onmessage = (event) => dispatch(JSON.parse(event.data));
    socket.onclose = (event) => {
      lost();
      if (stopped || event.code === CLOSED_BY_GATEWAY) {
        stopped = true;
        onStatus("closed", event.reason);
        return;
      }
      onStatus("reconnecting");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };
  };
  connect();
  return {
    stop: () => {
      stopped = true;
    },
  };
}
