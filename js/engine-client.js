import { WebWorkerMLCEngine, prebuiltAppConfig } from "@mlc-ai/web-llm";
import { missingFeatures, modelRecords } from "./catalog.js";
import { pushedChunks } from "./chunk-stream.js";
import { featureMissing, modelNotFound, namedError, normaliseError } from "./errors.js";
import { detectGpu } from "./gpu.js";
import { checkPlacement, pageLink, placeEngine } from "./engine-link.js";
import { ERROR_NAMES, STREAMED } from "./protocol.js";
import { SerialQueue } from "./queue.js";
import { expectedModel } from "./webllm-handler.js";

/**
 * The page side of the engine: one worker running WebLLM, driven through
 * WebLLM's own client, with the request ids, queue, aborts and failure
 * handling that Python (and JavaScript apps) need on top. Objects in,
 * objects out; bridge.js adds the JSON-string layer Pyodide uses.
 *
 * A worker that dies or throws rejects everything pending with `WorkerError`;
 * the next call starts a fresh worker and loads the model it needs again. A
 * lost GPU device (`DeviceLostError`) fails only the request it hit; the
 * worker is replaced the same way and the queue goes on.
 */

/**
 * @typedef {import("@mlc-ai/web-llm").InitProgressReport} InitProgressReport
 * @typedef {import("@mlc-ai/web-llm").ChatCompletionRequest} ChatCompletionRequest
 * @typedef {import("@mlc-ai/web-llm").ChatCompletion} ChatCompletion
 * @typedef {import("@mlc-ai/web-llm").ChatCompletionChunk} ChatCompletionChunk
 */

/**
 * @typedef {object} ClientOptions
 * @property {string | URL} workerUrl js/webllm-worker.js, or a test worker
 * @property {import("./engine-link.js").Placement} [engine] "dedicated" (default): a worker of this
 *   page's own; "shared": one SharedWorker for every tab of the origin, which keeps the model
 *   loaded across reloads (engine-link.js)
 * @property {() => import("./engine-link.js").EngineLink} [link] how to reach the engine;
 *   overrides `engine` (a Python worker's bridge uses engine-link.js's `remoteLink`)
 * @property {(report: InitProgressReport) => void} [onProgress] every load's progress
 * @property {{model_list: any[]}} [appConfig] WebLLM app config; default `prebuiltAppConfig`
 */

/**
 * @typedef {object} RequestOptions
 * @property {string} [requestId] the id `abort()` takes; generated when absent
 */

export class EngineClient {
  /** @type {ClientOptions} */
  #options;
  #queue = new SerialQueue();
  /** @type {{link: import("./engine-link.js").EngineLink, engine: WebWorkerMLCEngine, stopWatching: () => void} | null} */
  #current = null;
  /** @type {string | null} the model the worker holds now */
  #loaded = null;
  /** @type {string | null} the last model loaded successfully: requests without `model` use it */
  #wanted = null;
  /** @type {((report: InitProgressReport) => void) | null} */
  #loadProgress = null;
  #disposed = false;

  /** @param {ClientOptions} options */
  constructor(options) {
    checkPlacement(options.engine);
    this.#options = options;
  }

  /**
   * The dedicated worker in use, or the port to the engine, started if there
   * is none. Tests terminate the worker to simulate a crash, and steer a
   * test engine through it (js/testing/control.js).
   */
  get worker() {
    return this.#start().link.port;
  }

  /**
   * Starts the engine now rather than on the first call, so that its script
   * loads while the caller is still busy. Nothing is sent to it.
   * @returns {this}
   */
  start() {
    this.#start();
    return this;
  }

  /** @returns {import("./engine-link.js").Placement} where the engine was asked to run */
  get placement() {
    return checkPlacement(this.#options.engine);
  }

  /**
   * Where the engine runs: a shared engine falls back to a dedicated one where
   * it cannot run, and says why (engine-link.js's `placeEngine`).
   * @returns {Promise<import("./engine-link.js").Placed>}
   */
  get placed() {
    if (this.#options.link) return Promise.resolve({ placement: this.placement, note: null });
    return placeEngine(this.placement, this.#options.workerUrl);
  }

  /** @returns {string | null} */
  get loaded() {
    return this.#loaded;
  }

  /**
   * A ChatCompletion for an OpenAI-style request. Loads `request.model` first
   * when it is not the loaded one.
   * @param {ChatCompletionRequest} request
   * @param {RequestOptions} [options]
   * @returns {Promise<ChatCompletion>}
   */
  complete(request, { requestId } = {}) {
    return this.#enqueue(requestId, async (job, engine) => {
      await this.#ensureModel(request.model, job);
      if (job.abortRequested) throw aborted(job.id); // the caller has had this answer already
      job.phase = "generating";
      return engine.chat.completions.create({ ...request, stream: false });
    });
  }

  /**
   * Streams chunks to `onChunk` as WebLLM yields them, ending with the usage
   * chunk (`choices: []`). Resolves after the last chunk was delivered; if
   * `onChunk` returns a promise, the next chunk waits for it.
   * @param {ChatCompletionRequest} request
   * @param {(chunk: ChatCompletionChunk) => unknown} onChunk
   * @param {RequestOptions} [options]
   * @returns {Promise<void>}
   */
  stream(request, onChunk, { requestId } = {}) {
    return this.#enqueue(requestId, async (job, engine, port) => {
      await this.#ensureModel(request.model, job);
      if (job.abortRequested) throw aborted(job.id); // the caller has had this answer already
      job.phase = "generating";
      /** @type {import("@mlc-ai/web-llm").ChatCompletionRequestStreaming} */
      const streamed = { ...request, ...STREAMED };
      // The worker pushes the chunks (chunk-stream.js) rather than WebLLM's
      // client fetching each one; with no model loaded, WebLLM's client gives
      // its own WorkerEngineModelNotLoadedError.
      const chunks =
        expectedModel(engine).modelId === undefined
          ? await engine.chat.completions.create(streamed)
          : pushedChunks(port, engine, streamed);
      let ended = false;
      for await (const chunk of chunks) {
        ended ||= chunk.choices.length === 0 || chunk.choices[0].finish_reason != null;
        // An interrupt sent before WebLLM started this generation is lost
        // (a generation clears the flag when it starts): repeat it with every
        // chunk until the generation has stopped.
        if (job.abortRequested && !ended) engine.interruptGenerate();
        await onChunk(chunk);
      }
    });
  }

  /**
   * Stops a request. A queued one is removed and rejects with `AbortError`; one
   * still loading its model rejects with `AbortError` at once (the load goes on,
   * and the queue waits for it); a generating one is interrupted and ends
   * normally with `finish_reason: "abort"`. Unknown or finished ids are ignored.
   * @param {string} requestId
   */
  abort(requestId) {
    if (this.#queue.cancel(requestId, aborted(requestId))) return;
    const job = this.#queue.running;
    if (job?.id !== requestId) return;
    job.abortRequested = true;
    if (job.phase === "generating") this.#current?.engine.interruptGenerate();
    else job.reject(aborted(requestId));
  }

  /**
   * Loads (or switches to) a model, after the requests queued before it.
   * @param {string} modelId
   * @param {(report: InitProgressReport) => void} [onProgress]
   * @returns {Promise<void>}
   */
  load(modelId, onProgress) {
    return this.#enqueue(undefined, async (job) => {
      await this.#ensureModel(modelId, job, onProgress);
    });
  }

  /**
   * WebLLM's model catalog, what WebGPU offers here, and the loaded model.
   * @returns {Promise<{models: import("./catalog.js").ModelRecord[], gpu: import("./gpu.js").GpuInfo, loaded: string | null}>}
   */
  async models() {
    this.#ensureUsable();
    const gpu = await detectGpu();
    return {
      models: modelRecords(gpu, this.#options.appConfig ?? prebuiltAppConfig),
      gpu,
      loaded: this.#loaded,
    };
  }

  /**
   * Ends the worker and rejects everything pending with `WorkerError`. Later
   * calls reject the same way.
   */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#fail(namedError(ERROR_NAMES.worker, "The bridge was disposed."));
  }

  /**
   * @template T
   * @param {string | undefined} requestId
   * @param {(job: import("./queue.js").Job<T>, engine: WebWorkerMLCEngine, port: Worker | MessagePort) => Promise<T>} task
   * @returns {Promise<T>}
   */
  #enqueue(requestId, task) {
    try {
      this.#ensureUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    const id = requestId ?? crypto.randomUUID();
    if (this.#queue.has(id)) {
      return Promise.reject(namedError("TypeError", `Request id ${id} is already in use.`));
    }
    // A shared engine serves every tab's requests first in, first out: the
    // place in its queue is taken now, in this bridge's own order.
    const link = this.#start().link;
    const turn = link.turn?.() ?? null;
    let started = false;
    const result = this.#queue.push(id, async (job) => {
      started = true;
      /** @type {(() => void) | null} */
      let endTurn = null;
      try {
        const current = this.#start();
        if (current.link !== link) turn?.cancel(); // the engine was replaced meanwhile
        const place = current.link === link ? turn : (current.link.turn?.() ?? null);
        if (place) endTurn = await place.granted;
        return await task(job, current.engine, current.link.port);
      } catch (error) {
        const normalised = normaliseError(error);
        // A lost GPU device leaves WebLLM's engine unusable: drop the worker;
        // the next request starts a fresh one and loads its model again.
        if (normalised.name === ERROR_NAMES.deviceLost) this.#recycle();
        throw normalised;
      } finally {
        endTurn?.();
      }
    });
    // Answered before it started (aborted while queued, a dead worker): give the place up.
    result.catch(() => {
      if (!started) turn?.cancel();
    });
    return result;
  }

  /**
   * @param {string | null | undefined} modelId the model wanted; absent: the last one that loaded
   * @param {import("./queue.js").Job<any>} job
   * @param {(report: InitProgressReport) => void} [onProgress]
   */
  async #ensureModel(modelId, job, onProgress) {
    const target = modelId || this.#wanted;
    if (!target || target === this.#loaded) return;
    // WebLLM unloads the current model before it looks the new one up, so a
    // mistyped id would cost the loaded model; refuse it here instead.
    const { model_list } = this.#options.appConfig ?? prebuiltAppConfig;
    const record = model_list.find((/** @type {{model_id: string}} */ record) => record.model_id === target);
    if (!record) throw modelNotFound(target);
    job.phase = "loading";
    const current = this.#start();
    // WebLLM fetches the model's config and library before it looks at the GPU.
    // Ask its engine to find the GPU first (WebGPUNotAvailableError when there
    // is none), and check the features the model needs, so a browser that can
    // never run the model fails at once, with WebLLM's own errors.
    await current.engine.getMaxStorageBufferBindingSize();
    const [missing] = missingFeatures(record, await detectGpu());
    if (missing) throw featureMissing(missing);
    this.#loaded = null; // WebLLM unloads before it loads
    this.#loadProgress = onProgress ?? null;
    try {
      await current.engine.reload(target);
    } finally {
      this.#loadProgress = null;
    }
    if (this.#current === current) this.#loaded = target;
    this.#wanted = target;
  }

  #start() {
    this.#ensureUsable();
    if (this.#current) return this.#current;
    const link = this.#options.link?.() ?? pageLink(this.placement, this.#options.workerUrl);
    const engine = new WebWorkerMLCEngine(link.port, {
      appConfig: this.#options.appConfig,
      initProgressCallback: (/** @type {InitProgressReport} */ report) => {
        this.#options.onProgress?.(report);
        this.#loadProgress?.(report);
      },
    });
    const stopWatching = link.watch((message) => {
      if (this.#current?.link === link) this.#fail(namedError(ERROR_NAMES.worker, message));
    });
    this.#current = { link, engine, stopWatching };
    return this.#current;
  }

  /** @param {Error} error */
  #fail(error) {
    this.#recycle();
    this.#queue.failAll(error);
  }

  /** Ends the current worker, if any; the next call starts a new one. */
  #recycle() {
    const current = this.#current;
    this.#current = null;
    this.#loaded = null;
    if (current) {
      current.stopWatching();
      current.link.close();
    }
  }

  #ensureUsable() {
    if (this.#disposed) throw namedError(ERROR_NAMES.worker, "The bridge was disposed.");
  }
}

/** @param {string} requestId */
function aborted(requestId) {
  return namedError(ERROR_NAMES.abort, `Request ${requestId} was aborted.`);
}
