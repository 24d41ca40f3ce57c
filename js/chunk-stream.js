/**
 * Streamed chunks pushed by the worker instead of fetched one by one.
 *
 * WebLLM's own worker protocol fetches every chunk with a round trip: the
 * page sends `completionStreamNextChunk`, the worker runs one decode step and
 * answers. The engine therefore sits idle while each chunk travels to the page
 * and the next request travels back, and everything the page does per chunk
 * (Python included) adds to the time between tokens. Measured with
 * bench/run.py (docs/bridge-protocol.md, "Streaming transport").
 *
 * Here the page opens one MessageChannel per stream and the worker pushes the
 * chunks through it as the engine yields them, up to STREAM_WINDOW chunks
 * ahead of what the page has consumed (credits flow back every
 * STREAM_CREDIT_EVERY chunks), so a slow consumer still slows the engine down.
 * Chunks that pile up while the page is busy travel together in one message.
 * Everything else is WebLLM's: the completion runs as the handler runs one
 * (webllm-handler.js, which holds what this relies on inside WebLLM), chunks
 * and errors are the same objects and "Name: message" strings its protocol
 * carries, and interrupting still goes through
 * `WebWorkerMLCEngine.interruptGenerate()`.
 *
 * The messages are protocol.js's: `{kind: WORKER_KINDS.stream, request,
 * modelId, chatOpts, window}` with a MessagePort, then `streamToWorker` and
 * `streamToPage` on the port.
 */

import { STREAM_CREDIT_EVERY, STREAM_WINDOW, WORKER_KINDS, streamToPage, streamToWorker } from "./protocol.js";
import { chatCompletion, expectedModel } from "./webllm-handler.js";

/**
 * Page side: an async iterator over a streamed chat completion, like the one
 * `WebWorkerMLCEngine.chat.completions.create({stream: true})` returns:
 * `next()` gives the chunks in order and rejects with the worker's
 * "Name: message" string if the generation fails; `return()` stops the
 * generation and resolves once the worker has closed it.
 *
 * @param {Worker | MessagePort} worker a worker served by engine-server.js, or a port it serves
 * @param {import("./webllm-handler.js").Client} engine WebLLM's page-side client (its loaded model)
 * @param {object} request a ChatCompletionRequest with `stream: true`
 * @returns {AsyncIterableIterator<any>}
 */
export function pushedChunks(worker, engine, request) {
  const channel = new MessageChannel();
  const port = channel.port1;
  /** @type {any[]} chunks received, not yet handed out */
  const chunks = [];
  /** @type {Exclude<import("./protocol.js").StreamToPage, {chunks: any[]}> | null} the worker's last message */
  let end = null;
  /** @type {(() => void) | null} */
  let wake = null;
  let handedOut = 0;
  let closed = false;

  port.onmessage = (/** @type {MessageEvent<import("./protocol.js").StreamToPage>} */ { data }) => {
    if ("chunks" in data) chunks.push(...data.chunks);
    else {
      end = data;
      port.close();
    }
    wake?.();
  };
  worker.postMessage(
    { kind: WORKER_KINDS.stream, request, ...expectedModel(engine), window: STREAM_WINDOW },
    [channel.port2],
  );

  const arrival = () => new Promise((resolve) => (wake = /** @type {() => void} */ (resolve)));

  return {
    [Symbol.asyncIterator]() {
      return this;
    },

    async next() {
      if (closed) return { done: true, value: undefined };
      // The consumer is done with the chunks handed out so far: credit the worker.
      if (handedOut >= STREAM_CREDIT_EVERY && !end) {
        port.postMessage(streamToWorker.credit(handedOut));
        handedOut = 0;
      }
      while (chunks.length === 0 && !end) await arrival();
      wake = null;
      if (chunks.length > 0) {
        handedOut += 1;
        return { done: false, value: chunks.shift() };
      }
      closed = true;
      if (end && "error" in end) throw end.error;
      return { done: true, value: undefined };
    },

    async return() {
      if (!closed) {
        closed = true;
        if (!end) {
          port.postMessage(streamToWorker.cancel());
          while (!end) await arrival();
        }
        chunks.length = 0;
      }
      return { done: true, value: undefined };
    },
  };
}

/**
 * Worker side: runs one streamed chat completion on WebLLM's handler and
 * pushes its chunks to the page.
 * @param {Pick<import("./webllm-handler.js").Handler, "engine" | "reloadIfUnmatched">} handler
 *   WebLLM's `WebWorkerMLCEngineHandler`
 * @param {MessagePort} port
 * @param {{request: any, modelId: any, chatOpts: any, window: number}} message
 * @param {AbortSignal} [signal] stops the stream as a cancel from the page would
 *   (a shared engine's client that is gone)
 */
export async function serveStream(handler, port, { request, modelId, chatOpts, window }, signal) {
  let cancelled = false;
  /** chunks posted to the page and not yet credited back */
  let unacked = 0;
  /** @type {any[]} chunks the engine yielded that are not posted yet */
  let held = [];
  /** @type {(() => void) | null} */
  let wake = null;
  const post = () => {
    if (held.length === 0) return;
    port.postMessage(streamToPage.chunks(held));
    unacked += held.length;
    held = [];
  };
  port.onmessage = (/** @type {MessageEvent<import("./protocol.js").StreamToWorker>} */ { data }) => {
    if ("cancel" in data) cancelled = true;
    else {
      unacked -= data.credit;
      post();
    }
    wake?.();
  };
  signal?.addEventListener("abort", () => {
    cancelled = true;
    wake?.();
  });

  /** @type {import("./protocol.js").StreamToPage} */
  let end;
  try {
    const stream = await chatCompletion(handler, { modelId, chatOpts }, request);
    for await (const chunk of stream) {
      if (cancelled) break;
      held.push(chunk);
      // A page that keeps up gets each chunk at once; one that lags behind
      // gets what piled up in one message, when it credits the last ones.
      if (unacked < STREAM_CREDIT_EVERY) post();
      while (unacked + held.length >= window && !cancelled) {
        await new Promise((resolve) => (wake = /** @type {() => void} */ (resolve)));
        wake = null;
      }
      if (cancelled) break; // before the engine decodes another token
    }
    post();
    end = cancelled ? streamToPage.cancelled() : streamToPage.done();
  } catch (error) {
    post();
    // WebLLM's handler reports failures as `err.toString()`; the page's
    // error handling (errors.js) reads that form.
    end = streamToPage.error(String(error));
  }
  port.postMessage(end);
  port.close();
}
