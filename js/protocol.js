/**
 * What crosses between Python and JavaScript, and between the page and its
 * workers, declared once. What both languages use, webllm_provider/protocol.py
 * declares for Python too, and tests/cpython/test_protocol.py fails when the two
 * disagree; what only JavaScript sends (between the page and its workers) is
 * declared here alone, with its meaning (MESSAGE_DOCS). tools/protocol_doc.py
 * writes the tables of docs/bridge-protocol.md from both. Every other module
 * imports these names instead of writing the strings.
 *
 * No imports: Node loads this module as it is (the parity test), and nothing
 * here may need a browser.
 */

// -- Python <-> page: the functions Python calls --------------------------------

/** The JavaScript module Python imports (`import webllm_bridge`), registered by bridge.js. */
export const PYTHON_MODULE = "webllm_bridge";

/** The functions in it, in the order the docs list them. */
export const BRIDGE_FUNCTIONS = /** @type {const} */ (["complete", "stream", "abort", "models", "loaded", "load"]);

/** @typedef {typeof BRIDGE_FUNCTIONS[number]} BridgeFunction */

/** The JavaScript module through which Python emits events to the page (`webllm_page.emit(name, json)`). */
export const PAGE_MODULE = "webllm_page";

/**
 * The fields that make a request streamed, set by the one transport that
 * talks to WebLLM (engine-client.js `stream()`), never by the caller: every
 * stream ends with the usage chunk (`choices: []`), which Python reads for
 * token counts and the gateway for its records. A request handed to
 * `complete()` or `stream()` carries neither field.
 */
export const STREAMED = /** @type {const} */ ({ stream: true, stream_options: { include_usage: true } });

// -- Page (or Python worker) <-> engine worker ----------------------------------

/** The `kind` of the bridge's own messages to an engine worker; everything else is WebLLM's protocol. */
export const WORKER_KINDS = /** @type {const} */ ({
  stream: "webllm-bridge/stream",
  connect: "webllm-bridge/connect",
  turn: "webllm-bridge/turn",
  exit: "webllm-bridge/exit",
  link: "webllm-bridge/link",
  lifeline: "webllm-bridge/lifeline",
  probe: "webllm-bridge/probe",
});

/** The `action` of a `link` message between a Python worker and its page. */
export const LINK_ACTIONS = /** @type {const} */ ({ open: "open", close: "close", error: "error" });

/** On a turn's port: the engine's answer, and the client's end of its turn. */
export const TURN_MESSAGES = /** @type {const} */ ({ granted: "granted", release: "release" });

/** On a lifeline's port: the watched side holds its lock. */
export const LIFELINE_HELD = "held";

/** The prefix of the lock a client of an engine holds while alive. */
export const CLIENT_LOCK_PREFIX = "webllm-bridge/client/";

// -- A stream's port (chunk-stream.js) ------------------------------------------

/** Chunks the worker may push beyond what the page has consumed. */
export const STREAM_WINDOW = 32;
/** The page returns credit after this many chunks. */
export const STREAM_CREDIT_EVERY = 4;

/** Page -> worker, on a stream's port. */
export const streamToWorker = {
  /** @param {number} chunks consumed since the last credit */
  credit: (chunks) => ({ credit: chunks }),
  /** the consumer stopped early */
  cancel: () => ({ cancel: /** @type {const} */ (true) }),
};

/** Worker -> page, on a stream's port: `chunks` any number of times, then one of the others. */
export const streamToPage = {
  /** @param {any[]} chunks */
  chunks: (chunks) => ({ chunks }),
  done: () => ({ done: /** @type {const} */ (true) }),
  /** @param {string} error WebLLM's "Name: message" */
  error: (error) => ({ error }),
  cancelled: () => ({ cancelled: /** @type {const} */ (true) }),
};

/** @typedef {ReturnType<typeof streamToWorker[keyof typeof streamToWorker]>} StreamToWorker */
/** @typedef {ReturnType<typeof streamToPage[keyof typeof streamToPage]>} StreamToPage */

// -- Page <-> Python worker (python-launcher.js, python-worker.js) -----------------

/** The `kind` of the messages between a page and its Python worker. */
export const PYTHON_WORKER_KINDS = /** @type {const} */ ({
  boot: "python/boot",
  call: "python/call",
  bridge: "python/bridge",
  resources: "python/resources",
  result: "python/result",
  event: "python/event",
  progress: "python/progress",
});

/** The bridge methods a page may call in its Python worker (`{kind: bridge, method}`). */
export const PYTHON_WORKER_METHODS = /** @type {const} */ (["models", "load", "abort"]);

/** @typedef {typeof PYTHON_WORKER_METHODS[number]} PythonWorkerMethod */

/**
 * What travels with each message above that only JavaScript sends, and what it
 * means: the words of docs/bridge-protocol.md, whose tables tools/protocol_doc.py
 * writes from these (no module imports them, so no bundle carries them).
 */
export const MESSAGE_DOCS = /** @type {const} */ ({
  /** `kind` -> [what travels with it, meaning] */
  workerKinds: {
    stream: [
      "`request, modelId, chatOpts, window` and a MessagePort",
      "a streamed completion whose chunks the worker pushes through the port (see below)",
    ],
    connect: [
      "`client` and a MessagePort",
      "serve WebLLM's protocol on that port; `client` names a Web Lock the client holds while alive " +
        "(a shared engine waits on it to notice the client is gone)",
    ],
    turn: [
      "a MessagePort",
      'a place in the shared engine\'s FIFO; answered `"granted"`, ended by the client\'s `"release"` (or its death)',
    ],
    exit: ["", "a shared engine whose device was lost ends itself"],
    link: [
      '`action: "open" | "close" | "error", id, ...`, a MessagePort (open)',
      "between a Python worker and its page: start (or join) an engine for this port, end it, or an " +
        "engine worker's uncaught error",
    ],
    lifeline: [
      "`name` and a MessagePort",
      'take the Web Lock `name` for life and answer `"held"`: the sender notices the worker\'s death',
    ],
    probe: [
      "a MessagePort",
      "to a shared engine: answer `{gpu}`, whether WebGPU finds an adapter there (else the page starts a " +
        "dedicated engine instead)",
    ],
  },
  /** message -> [its shape, meaning] */
  streamToWorker: {
    credit: ["{credit: n}", "the page consumed n more chunks"],
    cancel: ["{cancel: true}", "the consumer stopped early"],
  },
  streamToPage: {
    chunks: ["{chunks: [chunk, ...]}", "chunks, any number of times (those that piled up travel together)"],
    done: ["{done: true}", "the end"],
    error: ['{error: "Name: message"}', "the generation failed (WebLLM's `err.toString()`)"],
    cancelled: ["{cancelled: true}", "after a cancel: the engine's generator is closed"],
  },
  /** `kind` -> [direction, fields] */
  pythonWorkerKinds: {
    boot: ["page → worker", "`id, indexURL, packages, files, path, engine, appConfig`: start Python"],
    call: ["page → worker", '`id, target: "module.function", args`'],
    bridge: ["page → worker", "`id, method, args`: one of the bridge methods below"],
    resources: ["page → worker", "`id`: the URLs the worker fetched"],
    result: ["worker → page", "`id, ok, value | error: {name, message}`: the answer to any of the above"],
    event: ["worker → page", "`name, json`: Python's `webllm_page.emit`"],
    progress: ["worker → page", "`report`: every model load's progress"],
  },
});

// -- Gateway <-> tab (gateway-tab.js, webllm_provider/gateway/tab_socket.py) --------

/** The WebSocket subprotocol the gateway accepts; the token travels as a second one, after this prefix. */
export const GATEWAY_SUBPROTOCOL = "webllm-gateway";
export const GATEWAY_TOKEN_PREFIX = "token.";
/** The close code with which the gateway ends a session for good: the tab does not reconnect. */
export const CLOSED_BY_GATEWAY = 4000;

/** The `type` of the gateway's messages to a tab. */
export const TO_TAB = /** @type {const} */ ({
  welcome: "welcome",
  generate: "generate",
  load: "load",
  abort: "abort",
  close: "close",
});

/** The `type` of a tab's messages to the gateway. */
export const TO_GATEWAY = /** @type {const} */ ({
  hello: "hello",
  chunks: "chunks",
  progress: "progress",
  result: "result",
  done: "done",
  error: "error",
});

// -- Records -----------------------------------------------------------------------

/**
 * The fields of a ModelRecord (catalog.js), in order. A new field goes into
 * catalog.js's records, here and into protocol.py's `ModelRecord`; the parity
 * test checks all three, and `python tools/protocol_doc.py` documents it.
 */
export const MODEL_RECORD_FIELDS = /** @type {const} */ ([
  "model_id",
  "vram_required_MB",
  "low_resource_required",
  "required_features",
  "buffer_size_required_bytes",
  "context_window_size",
  "model_type",
  // This GPU's verdict, decided by catalog.js alone.
  "missing_features",
  "fits",
  "unfit_reason",
  "large",
  "recommended",
  "label",
]);

/**
 * The browsers with WebGPU on by default, as users are told (Python's errors, the
 * app's advice). Safari has it from 26 (macOS 26, iOS 26); before, only behind a flag.
 */
export const WEBGPU_BROWSERS = "Chrome or Edge 113+, or Safari 26+";

/** WebLLM's `ModelType` numbers, as records carry them (tests/js/catalog.test.js checks them against WebLLM's enum). */
export const MODEL_TYPES = /** @type {const} */ ({ llm: 0, embedding: 1, vlm: 2 });

/** The fields of a GpuInfo (gpu.js), in order. */
export const GPU_INFO_FIELDS = /** @type {const} */ ([
  "available",
  "features",
  "limits",
  "vendor",
  "architecture",
  "description",
  "fallback",
  "error",
]);

/** The fields of `models()`'s answer. */
export const MODELS_FIELDS = /** @type {const} */ (["models", "gpu", "loaded"]);

// -- Errors ------------------------------------------------------------------------

/**
 * The error names the bridge itself gives a rejection: its own, and WebLLM's
 * where the bridge raises WebLLM's error before WebLLM would. Which typed
 * error each becomes, and the names of browser errors that have no class of
 * their own (a failed fetch), are Python's (webllm_provider/errors.py).
 */
export const ERROR_NAMES = /** @type {const} */ ({
  abort: "AbortError",
  worker: "WorkerError",
  deviceLost: "DeviceLostError",
  modelNotFound: "ModelNotFoundError",
  shaderF16: "ShaderF16SupportError",
  featureSupport: "FeatureSupportError",
});
