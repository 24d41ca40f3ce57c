/**
 * The WebLLM/Amplifier guide's page-side worker manager ("main.js - WebLLM
 * worker manager"), as written there; only the worker URL is a parameter.
 * Its completeStreaming() checks for new chunks every 10 ms. Benchmarked for
 * comparison only; the product streams through js/bridge.js.
 */
export class WebLLMWorkerManager {
  /** @param {string | URL} workerUrl */
  constructor(workerUrl) {
    this.worker = new Worker(workerUrl, { type: "module" });
    this.pending = new Map();
    this.nextId = 0;

    this.worker.onmessage = (event) => {
      const { type, id, payload } = event.data;
      const handler = this.pending.get(id);

      if (handler) {
        handler(type, payload);
      }
    };
  }

  /** @param {string} modelId @param {(p: any) => void} [onProgress] */
  async init(modelId, onProgress) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;

      this.pending.set(id, (/** @type {string} */ type, /** @type {any} */ payload) => {
        if (type === "progress") {
          onProgress?.(payload);
        } else if (type === "init_complete") {
          this.pending.delete(id);
          resolve(undefined);
        } else if (type === "error") {
          this.pending.delete(id);
          reject(new Error(payload.message));
        }
      });

      this.worker.postMessage({ type: "init", id, payload: { modelId } });
    });
  }

  /** Not in the guide: queues scripted replies in the bench's guide worker. @param {any[]} replies */
  async push(replies) {
    return this.#call("bench_push", { replies });
  }

  /** @param {any} request */
  async complete(request) {
    return this.#call("complete", request);
  }

  /** @param {string} type @param {any} payload */
  #call(type, payload) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;

      this.pending.set(id, (/** @type {string} */ kind, /** @type {any} */ result) => {
        if (kind === "complete_result") {
          this.pending.delete(id);
          resolve(result);
        } else if (kind === "error") {
          this.pending.delete(id);
          reject(new Error(result.message));
        }
      });

      this.worker.postMessage({ type, id, payload });
    });
  }

  /** @param {any} request */
  async *completeStreaming(request) {
    const id = this.nextId++;
    /** @type {any[]} */
    const chunks = [];
    let done = false;
    /** @type {Error | null} */
    let error = null;

    this.pending.set(id, (/** @type {string} */ type, /** @type {any} */ payload) => {
      if (type === "stream_chunk") {
        chunks.push(payload);
      } else if (type === "stream_end") {
        done = true;
        this.pending.delete(id);
      } else if (type === "error") {
        error = new Error(payload.message);
        this.pending.delete(id);
      }
    });

    this.worker.postMessage({ type: "complete_streaming", id, payload: request });

    // Yield chunks as they arrive
    while (!done && !error) {
      while (chunks.length > 0) {
        yield chunks.shift();
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    // (The guide's loop stops as soon as `done` is seen; chunks that arrived in
    // the same 10 ms as stream_end would be dropped. Deliver them, so both
    // consumers see every chunk.)
    while (chunks.length > 0) {
      yield chunks.shift();
    }

    if (error) throw error;
  }

  terminate() {
    this.worker.terminate();
  }
}
