/**
 * Where the WebLLM engine runs, as the bridge that drives it sees it: a port
 * that speaks WebLLM's worker protocol (plus the bridge's own kinds, see
 * engine-server.js), a way to notice that the engine died, and, for an engine
 * shared by several tabs, a first-in first-out turn across all of them.
 *
 * Placements (docs/design.md):
 * - "dedicated": a Web Worker of this page's own (the default: isolation, and
 *   the engine dies with the tab);
 * - "shared": a SharedWorker, one per origin, which outlives any one tab, so
 *   a reload or a second tab finds the model loaded.
 *
 * A dedicated worker can start nested dedicated workers (Chromium, Firefox
 * and Safari; WebGPU is there too: a provider with no bridge installed starts
 * its engine that way inside a PyScript worker or a notebook kernel,
 * self-start.js, tests/hosts), but no SharedWorker. So when the bridge runs
 * in this project's Python worker (python-worker.js), that worker makes the
 * MessageChannel itself and asks the page to hand one end to the engine
 * (`remoteLink` there, `hostEngineLinks` on the page), which works for both
 * placements; after that, the Python worker and the engine talk directly,
 * never through the page.
 */
import { namedError } from "./errors.js";
import { holdLock, watchLifeline } from "./lifeline.js";
import { CLIENT_LOCK_PREFIX, LINK_ACTIONS, WORKER_KINDS } from "./protocol.js";
import { rejectWaiting, requestTurn } from "./turns.js";
import { workerScope } from "./worker-scope.js";

// The bridge's own message kinds (protocol.js, docs/bridge-protocol.md): `connect`
// hands an engine a port to serve WebLLM's protocol on; `exit` ends a shared engine
// whose GPU device was lost; `probe` asks a shared worker whether WebGPU finds an
// adapter there; `link` is between a Python worker and the page, about the engine
// links it asked for (`turn` is turns.js's).
const { connect: CONNECT_KIND, exit: EXIT_KIND, link: LINK_KIND, probe: PROBE_KIND } = WORKER_KINDS;

/** @typedef {"dedicated" | "shared"} Placement */

/**
 * Where the engine runs, asked for or not: "shared" falls back to "dedicated"
 * where the browser has no SharedWorker (Chrome on Android) or its
 * SharedWorker has no WebGPU, and `note` says so, for the app's status.
 * @typedef {{placement: Placement, note: string | null}} Placed
 */

/**
 * @typedef {object} EngineLink
 * @property {Worker | MessagePort} port WebLLM's client, chunk streams and control messages talk to this
 * @property {(onDeath: (message: string) => void) => () => void} watch calls `onDeath` once when the engine is gone; returns a stop function
 * @property {(() => import("./turns.js").Turn) | null} turn a shared engine's FIFO across tabs: a place in it, taken now
 * @property {() => void} close ends a dedicated engine; asks a shared one to end itself (its device was lost)
 */

/**
 * @typedef {object} LinkRequest what a Python worker sends the page to get an engine
 * @property {typeof LINK_KIND} kind
 * @property {typeof LINK_ACTIONS.open | typeof LINK_ACTIONS.close} action
 * @property {string} id
 * @property {string} [client] the lock the Python worker holds while alive
 */

/**
 * The page's own link (main-thread Python, or a JavaScript app).
 * @param {Placement} placement
 * @param {string | URL} url the engine worker's script (js/webllm-worker.js serves both placements)
 * @returns {EngineLink}
 */
export function pageLink(placement, url) {
  if (placement === "dedicated") {
    // The worker itself is the port: tests and benchmarks may terminate it or post to it.
    const worker = new Worker(url, { type: "module" });
    return {
      port: worker,
      watch: (onDeath) => watchEngine(startedEngine(worker, url), worker, onDeath),
      turn: null,
      close: () => worker.terminate(),
    };
  }
  const channel = new MessageChannel();
  const engine = startEngine(placement, url);
  const released = connectWhenHeld((message) => engine.connect(message, channel.port2));
  return clientLink(channel.port1, placement, released, { watch: engine.watchErrors, close: engine.close });
}

/**
 * A Python worker's link: the page starts (or joins) the engine and hands it
 * the other end of this link's channel.
 * @param {Placement} placement
 * @returns {EngineLink}
 */
export function remoteLink(placement) {
  const channel = new MessageChannel();
  const id = crypto.randomUUID();
  const released = connectWhenHeld(({ client }) => {
    /** @type {LinkRequest} */
    const request = { kind: LINK_KIND, action: LINK_ACTIONS.open, id, client };
    workerScope().postMessage({ ...request, placement }, [channel.port2]);
  });
  return clientLink(channel.port1, placement, released, {
    // The page forwards the engine worker's uncaught errors, which only it sees.
    watch: (onDeath) => {
      /** @param {MessageEvent} event */
      const listener = ({ data }) => {
        if (data?.kind === LINK_KIND && data.id === id && data.action === LINK_ACTIONS.error) onDeath(data.message);
      };
      workerScope().addEventListener("message", listener);
      return () => workerScope().removeEventListener("message", listener);
    },
    close: () => workerScope().postMessage(/** @type {LinkRequest} */ ({ kind: LINK_KIND, action: LINK_ACTIONS.close, id })),
  });
}

/**
 * Page side of `remoteLink`: starts engines for a Python worker's requests.
 * @param {Worker} pythonWorker
 * @param {string | URL} url the engine worker's script
 * @returns {() => void} ends every engine started for it (dedicated ones) and stops listening
 */
export function hostEngineLinks(pythonWorker, url) {
  /** @type {Map<string, ReturnType<typeof startEngine>>} */
  const engines = new Map();
  /** @param {MessageEvent} event */
  const listener = ({ data, ports }) => {
    if (data?.kind !== LINK_KIND) return;
    if (data.action === LINK_ACTIONS.open) {
      const engine = startEngine(data.placement, url);
      engine.connect({ kind: CONNECT_KIND, client: data.client }, ports[0]);
      engines.set(data.id, engine);
      engine.watchErrors((message) =>
        pythonWorker.postMessage({ kind: LINK_KIND, action: LINK_ACTIONS.error, id: data.id, message }),
      );
    } else if (data.action === LINK_ACTIONS.close) {
      engines.get(data.id)?.close();
      engines.delete(data.id);
    }
  };
  pythonWorker.addEventListener("message", listener);
  return () => {
    pythonWorker.removeEventListener("message", listener);
    for (const engine of engines.values()) engine.terminate();
    engines.clear();
  };
}

/**
 * Ends the origin's shared engine (its model is unloaded; every tab using it
 * sees a WorkerError and starts a fresh one on its next request). Page only.
 * @param {string | URL} url the engine worker's script
 */
export function endSharedEngine(url) {
  if (typeof SharedWorker !== "function") return; // never started one
  const shared = new SharedWorker(url, SHARED_OPTIONS);
  shared.port.postMessage({ kind: EXIT_KIND });
  shared.port.close();
}

/**
 * One shared engine per origin and script (the name). `extendedLifetime`
 * (Chromium) keeps it running for a while after its last tab went away, so a
 * reload of the only tab finds it still there.
 */
const SHARED_OPTIONS = /** @type {WorkerOptions} */ ({ type: "module", name: "webllm-provider engine", extendedLifetime: true });

/** @type {Map<string, Promise<Placed>>} one answer per engine script, for the page's life */
const placements = new Map();

/**
 * Where an engine asked for in `placement` runs. For "shared", the answer
 * comes from the shared worker itself (does WebGPU find an adapter there?),
 * once per script.
 * @param {Placement} placement
 * @param {string | URL} url the engine worker's script
 * @returns {Promise<Placed>}
 */
export function placeEngine(placement, url) {
  if (placement === "dedicated") return Promise.resolve({ placement, note: null });
  const key = String(url);
  let placed = placements.get(key);
  if (!placed) {
    placed = probeSharedEngine(url);
    placements.set(key, placed);
  }
  return placed;
}

/**
 * @param {string | URL} url
 * @returns {Promise<Placed>}
 */
async function probeSharedEngine(url) {
  const dedicated = (/** @type {string} */ why) => ({
    placement: /** @type {const} */ ("dedicated"),
    note: `${why}, so the engine runs in this tab's own worker (the model is not kept across tabs and reloads).`,
  });
  if (typeof SharedWorker !== "function") return dedicated("This browser has no SharedWorker");
  const shared = new SharedWorker(url, SHARED_OPTIONS);
  const channel = new MessageChannel();
  const gpu = await new Promise((resolve) => {
    channel.port1.onmessage = ({ data }) => resolve(data.gpu);
    // A shared worker that cannot start at all fails later, where its errors are reported.
    shared.addEventListener("error", () => resolve(true));
    shared.port.postMessage({ kind: PROBE_KIND }, [channel.port2]);
  });
  channel.port1.close();
  shared.port.close();
  return gpu ? { placement: "shared", note: null } : dedicated("WebGPU finds no adapter in this browser's SharedWorker");
}

/**
 * Starts a dedicated engine worker, or joins the origin's shared one (a
 * dedicated one where the shared engine cannot run: `placeEngine`);
 * `connect` hands it a port (CONNECT_KIND).
 * @param {Placement} placement
 * @param {string | URL} url
 */
function startEngine(placement, url) {
  if (placement === "dedicated") return dedicatedEngine(url);
  const engine = placeEngine(placement, url).then((placed) =>
    placed.placement === "shared" ? sharedEngine(url) : dedicatedEngine(url),
  );
  return {
    /** @param {{kind: string, client: string}} message @param {MessagePort} port */
    connect: (message, port) => void engine.then((started) => started.connect(message, port)),
    /** @param {(message: string) => void} onError */
    watchErrors: (onError) => {
      let stopped = false;
      /** @type {() => void} */
      let stop = () => {};
      void engine.then((started) => {
        if (!stopped) stop = started.watchErrors(onError);
      });
      return () => {
        stopped = true;
        stop();
      };
    },
    close: () => void engine.then((started) => started.close()),
    terminate: () => void engine.then((started) => started.terminate()),
  };
}

/** @param {string | URL} url */
function sharedEngine(url) {
  const shared = new SharedWorker(url, SHARED_OPTIONS);
  return {
    /** @param {{kind: string, client: string}} message @param {MessagePort} port */
    connect: (message, port) => shared.port.postMessage(message, [port]),
    /** @param {(message: string) => void} onError */
    watchErrors: (onError) => {
      const listener = () => onError(`The shared engine worker failed to start (${url}).`);
      shared.addEventListener("error", listener);
      return () => shared.removeEventListener("error", listener);
    },
    close: () => shared.port.postMessage({ kind: EXIT_KIND }),
    terminate: () => shared.port.close(), // a shared engine outlives the tab
  };
}

/** @param {string | URL} url */
function dedicatedEngine(url) {
  const worker = new Worker(url, { type: "module" });
  return {
    /** @param {{kind: string, client: string}} message @param {MessagePort} port */
    connect: (message, port) => worker.postMessage(message, [port]),
    watchErrors: startedEngine(worker, url),
    close: () => worker.terminate(),
    terminate: () => worker.terminate(),
  };
}

/**
 * A dedicated worker's `error` and `messageerror` events, which only the page sees.
 * @param {Worker} worker
 * @param {string | URL} url
 * @returns {(onError: (message: string) => void) => () => void}
 */
function startedEngine(worker, url) {
  return (onError) => {
    /** @param {Event} event */
    const failed = (event) =>
      onError(
        event instanceof ErrorEvent && event.message
          ? `The worker failed: ${event.message}`
          : `The worker failed to start (${url}).`,
      );
    const undecodable = () => onError("A worker message could not be deserialised.");
    worker.addEventListener("error", failed);
    worker.addEventListener("messageerror", undecodable);
    return () => {
      worker.removeEventListener("error", failed);
      worker.removeEventListener("messageerror", undecodable);
    };
  };
}

/**
 * @param {(onError: (message: string) => void) => () => void} errors
 * @param {{postMessage(message: any, transfer: Transferable[]): void}} port
 * @param {(message: string) => void} onDeath
 */
function watchEngine(errors, port, onDeath) {
  let dead = false;
  const once = (/** @type {string} */ message) => {
    if (!dead) onDeath(message);
    dead = true;
  };
  const stopErrors = errors(once);
  const stopLifeline = watchLifeline(port, () => once("The worker stopped (terminated or crashed)."));
  return () => {
    dead = true;
    stopErrors();
    stopLifeline();
  };
}

/**
 * Takes a lock named after this client (so an engine can tell when the client
 * is gone), then connects.
 * @param {(message: {kind: string, client: string}) => void} connect
 * @returns {Promise<() => void>} the lock's release
 */
function connectWhenHeld(connect) {
  const client = `${CLIENT_LOCK_PREFIX}${crypto.randomUUID()}`;
  return holdLock(client).then((release) => {
    connect({ kind: CONNECT_KIND, client });
    return release;
  });
}

/**
 * @param {MessagePort} port
 * @param {Placement} placement
 * @param {Promise<() => void>} released the client lock's release
 * @param {{watch: (onError: (message: string) => void) => () => void, close: () => void}} engine
 * @returns {EngineLink}
 */
function clientLink(port, placement, released, engine) {
  let closed = false;
  /** @type {Set<(error: Error) => void>} turns not granted yet */
  const waiting = new Set();
  return {
    port,
    watch: (onDeath) => watchEngine(engine.watch, port, onDeath),
    turn: placement === "shared" ? () => requestTurn(port, waiting) : null,
    close: () => {
      if (closed) return;
      closed = true;
      rejectWaiting(waiting);
      engine.close();
      port.close();
      void released.then((release) => release());
    },
  };
}

/**
 * @param {unknown} placement
 * @returns {Placement}
 */
export function checkPlacement(placement) {
  if (placement === undefined || placement === "dedicated") return "dedicated";
  if (placement === "shared") return "shared";
  throw namedError("TypeError", `Unknown engine placement ${JSON.stringify(placement)}: "dedicated" or "shared".`);
}
