import { ModelType, postInitAndCheckFieldsChatCompletion, prebuiltAppConfig } from "@mlc-ai/web-llm";
import { modelNotFound, namedError } from "../errors.js";
import { chatCompletion, deltaChunk, finalChunk, unixSeconds, usageChunk } from "./completion-shapes.js";
import { Generation, countPromptTokens } from "./generation.js";
import { checkResponseFormat } from "./response-format.js";
import { defaultReply, prepareReply } from "./scripted-replies.js";
import { checkGenerationConfig, contextWindowExceeded, selectModel } from "./webllm-checks.js";

/** @typedef {import("@mlc-ai/web-llm").InitProgressReport} InitProgressReport */

// Real models take theirs from mlc-chat-config.json, which is never fetched
// here; WebLLM's prebuilt models mostly say 4096.
const DEFAULT_CONTEXT_WINDOW = 4096;

/**
 * ScriptedEngine: a stand-in for WebLLM's `MLCEngine` for tests and CI
 * machines without a GPU. It speaks `chatCompletion` exactly as WebLLM 0.2.86
 * does (object shapes, chunking, finish reasons, usage, tool calls, errors),
 * but what it "generates" is scripted. Put it behind WebLLM's real
 * `WebWorkerMLCEngineHandler` (see scripted-worker.js) so the page-side client
 * and the bridge run unchanged, or call it directly in JavaScript tests.
 *
 * @example
 * const engine = new ScriptedEngine();
 * await engine.reload("Qwen2.5-0.5B-Instruct-q4f32_1-MLC");
 * engine.push({ content: "Hello there", tokens_per_second: 20 });
 * const reply = await engine.chatCompletion({ messages: [{ role: "user", content: "Hi" }] });
 *
 * What matches WebLLM: request checks (WebLLM's own
 * `postInitAndCheckFieldsChatCompletion`, e.g. `tools` only on Hermes
 * function-calling models) and generation-config checks; model lookup in the
 * app config (`ModelNotFoundError`); one generation at a time; the first token
 * arriving with prefill; the stop token counted but textless (so a streamed
 * reply ends with an empty delta); stop strings; `max_tokens` -> "length";
 * `interruptGenerate()` -> "abort"; usage with `extra` timings (measured);
 * a final usage chunk with `choices: []` only with
 * `stream_options.include_usage`; KV-cache reuse, so a follow-up turn that
 * extends the previous conversation counts only its new message as prompt;
 * `ContextWindowSizeExceededError` when the prompt does not fit.
 *
 * What is simulated: prompt tokens are words plus 4 per message; a token is a
 * word with its leading whitespace; with nothing queued the reply is
 * "You said: <last user message>"; a reply that `response_format` would not
 * allow throws `ScriptedOutputRejectedError` (see response-format.js);
 * loading reports progress in WebLLM's format without fetching anything;
 * `getMaxStorageBufferBindingSize()` and `getGPUVendor()` answer without a GPU.
 */
export class ScriptedEngine {
  /** Requests as `chatCompletion` received them, before WebLLM's checks rewrote any. */
  received = /** @type {object[]} */ ([]);
  /** Chunks the streams have yielded, so a test sees how far the engine ran ahead of its consumer. */
  streamed = 0;

  /** @type {{model_list: any[]}} */
  #appConfig = prebuiltAppConfig;
  /** @type {((report: InitProgressReport) => void) | undefined} */
  #onProgress;
  /** @type {Map<string, {record: any, contextWindowSize: number}>} */
  #models = new Map();
  /** @type {import("./scripted-replies.js").Script[]} */
  #replies = [];
  /** @type {Error | null} */
  #loadFailure = null;
  #loadDelayMs = 0;
  // Bumped by unload(), so a reload still waiting out its delay gives up, as
  // WebLLM's reload does when unload() aborts its fetches.
  #loadEpoch = 0;
  #interrupted = false;
  /** @type {Promise<void>} */
  #lock = Promise.resolve();
  /** @type {Generation | null} */
  #last = null;
  // What the KV cache holds: the conversation so far and its length in tokens.
  #conversation = "";
  #filledTokens = 0;
  #stats = { prefillTokens: 0, prefillSeconds: 0, decodeTokens: 0, decodeSeconds: 0 };

  // ---- scripting (tests call these; scripted-worker.js maps control messages to them)

  /**
   * Queues replies; each generation (each choice) takes the next one.
   * @param {...import("./scripted-replies.js").ScriptedReply} replies
   */
  push(...replies) {
    this.#replies.push(...replies.map(prepareReply));
  }

  /** The next load fails with this error, once. @param {{name: string, message: string}} error */
  failNextLoad(error) {
    this.#loadFailure = namedError(error.name, error.message);
  }

  /** How long a load takes, spread over its progress reports. @param {number} ms */
  setLoadDelay(ms) {
    this.#loadDelayMs = ms;
  }

  /** Forgets the script, recorded requests and settings, not the loaded model. */
  reset() {
    this.#replies = [];
    this.#loadFailure = null;
    this.#loadDelayMs = 0;
    this.received = [];
    this.streamed = 0;
  }

  /** @returns {{loaded: string[], queued: number, received: object[], streamed: number}} */
  state() {
    const { received, streamed } = this;
    return { loaded: [...this.#models.keys()], queued: this.#replies.length, received, streamed };
  }

  // ---- the MLCEngine interface WebWorkerMLCEngineHandler uses

  /** @param {{model_list: any[]}} appConfig */
  setAppConfig(appConfig) {
    this.#appConfig = appConfig;
  }

  /** @param {((report: InitProgressReport) => void) | undefined} callback */
  setInitProgressCallback(callback) {
    this.#onProgress = callback;
  }

  getInitProgressCallback() {
    return this.#onProgress;
  }

  /** Logit processors act on real logits; a script has none. */
  setLogitProcessorRegistry() {}

  /** Nothing here logs. */
  setLogLevel() {}

  /**
   * @param {string | string[]} modelId
   * @param {object | object[]} [chatOpts]
   */
  async reload(modelId, chatOpts) {
    await this.unload();
    const epoch = this.#loadEpoch;
    const ids = Array.isArray(modelId) ? modelId : [modelId];
    const opts = Array.isArray(chatOpts) ? chatOpts : [chatOpts];
    for (const [i, id] of ids.entries()) {
      const start = performance.now();
      const record = this.#appConfig.model_list.find((item) => item.model_id === id);
      if (!record) throw modelNotFound(id);
      if (this.#loadFailure) {
        const failure = this.#loadFailure;
        this.#loadFailure = null;
        throw failure;
      }
      if (!(await this.#reportLoading(record, start, epoch))) return;
      this.#models.set(id, {
        record,
        contextWindowSize: opts[i]?.context_window_size ?? record.overrides?.context_window_size ?? DEFAULT_CONTEXT_WINDOW,
      });
      this.#onProgress?.({
        progress: 1,
        timeElapsed: (performance.now() - start) / 1000,
        text: "Finish loading on WebGPU - scripted engine (no GPU)",
      });
    }
  }

  async unload() {
    this.#loadEpoch += 1;
    this.#models.clear();
    this.#conversation = "";
    this.#filledTokens = 0;
  }

  async interruptGenerate() {
    this.#interrupted = true;
  }

  /** @param {boolean} [keepStats] */
  async resetChat(keepStats = false) {
    this.#conversation = "";
    this.#filledTokens = 0;
    if (!keepStats) this.#stats = { prefillTokens: 0, prefillSeconds: 0, decodeTokens: 0, decodeSeconds: 0 };
  }

  /** @param {string} [modelId] */
  async getMessage(modelId) {
    this.#select("getMessage", modelId);
    return this.#last?.outputMessage ?? "";
  }

  /** @param {string} [modelId] */
  async runtimeStatsText(modelId) {
    this.#select("runtimeStatsText", modelId);
    const s = this.#stats;
    return (
      `prefill: ${(s.prefillTokens / s.prefillSeconds).toFixed(4)} tokens/sec, ` +
      `decoding: ${(s.decodeTokens / s.decodeSeconds).toFixed(4)} tokens/sec`
    );
  }

  /** WebLLM's own default requirement, reported as if the GPU met it. */
  async getMaxStorageBufferBindingSize() {
    return 1 << 30;
  }

  async getGPUVendor() {
    return "scripted";
  }

  /**
   * @param {Record<string, any>} request an OpenAI-style ChatCompletionRequest
   * @returns {Promise<object | AsyncGenerator<object, void>>} a ChatCompletion, or
   *   chunks when `request.stream`
   */
  async chatCompletion(request) {
    const timeReceived = Date.now();
    const modelId = this.#select("ChatCompletionRequest", request.model);
    this.received.push(structuredClone(request));
    const { record } = /** @type {{record: any}} */ (this.#models.get(modelId));
    postInitAndCheckFieldsChatCompletion(
      /** @type {import("@mlc-ai/web-llm").ChatCompletionRequest} */ (request),
      modelId,
      record.model_type ?? ModelType.LLM,
    );
    const genConfig = {
      frequency_penalty: request.frequency_penalty,
      presence_penalty: request.presence_penalty,
      repetition_penalty: request.repetition_penalty,
      max_tokens: request.max_tokens,
      stop: request.stop,
      top_p: request.top_p,
      temperature: request.temperature,
      logit_bias: request.logit_bias,
      logprobs: request.logprobs,
      top_logprobs: request.top_logprobs,
      response_format: request.response_format,
    };
    if (request.stream) return this.#stream(request, modelId, genConfig, timeReceived);

    const release = await this.#acquire();
    try {
      this.#interrupted = false;
      /** @type {Generation[]} */
      const generations = [];
      for (let i = 0; i < (request.n ?? 1); i++) {
        const generation = this.#interrupted
          ? interruptedBeforeStart()
          : await this.#generate(request, modelId, genConfig);
        generations.push(generation);
      }
      return chatCompletion(request, modelId, generations, timeReceived);
    } finally {
      release();
    }
  }

  // ---- generation

  /**
   * @param {Record<string, any>} request
   * @param {string} modelId
   * @param {Record<string, any>} genConfig
   * @param {number} timeReceived
   */
  async *#stream(request, modelId, genConfig, timeReceived) {
    // Like WebLLM, a stream takes the engine when its first chunk is asked for.
    const release = await this.#acquire();
    try {
      checkGenerationConfig(genConfig);
      const state = { id: crypto.randomUUID(), created: unixSeconds(), model: modelId };
      this.#interrupted = false;
      const generation = await this.#prefill(request, modelId, genConfig);
      let sent = 0;
      const delta = () => {
        const text = generation.outputMessage.slice(sent);
        sent = generation.outputMessage.length;
        this.streamed += 1;
        return deltaChunk(request, state, text, generation);
      };
      yield delta();
      while (!generation.stopped) {
        if (this.#interrupted) {
          generation.triggerStop();
          break;
        }
        await generation.decode();
        yield delta();
      }
      this.#finish(request, generation);
      this.streamed += 1;
      yield finalChunk(request, state, generation);
      if (request.stream_options?.include_usage !== true) return;
      this.streamed += 1;
      yield usageChunk(request, state, generation, timeReceived);
    } finally {
      release();
    }
  }

  /**
   * WebLLM's `_generate`: prefill, then decode until stopped or interrupted.
   * @param {Record<string, any>} request
   * @param {string} modelId
   * @param {Record<string, any>} genConfig
   */
  async #generate(request, modelId, genConfig) {
    this.#interrupted = false;
    checkGenerationConfig(genConfig);
    const generation = await this.#prefill(request, modelId, genConfig);
    while (!generation.stopped) {
      if (this.#interrupted) {
        generation.triggerStop();
        break;
      }
      await generation.decode();
    }
    this.#finish(request, generation);
    return generation;
  }

  /**
   * @param {Record<string, any>} request
   * @param {string} modelId
   * @param {Record<string, any>} genConfig
   */
  async #prefill(request, modelId, genConfig) {
    const script = this.#replies.shift() ?? defaultReply(request);
    await checkResponseFormat(script.pieces.join(""), request.response_format, script.scripted);
    const generation = new Generation(script, genConfig);
    this.#last = generation;

    // WebLLM keeps the KV cache when the request continues the conversation it
    // holds and the last reply ended normally; then only the new message is prefilled.
    const earlier = JSON.stringify(request.messages.slice(0, -1).map(conversationEntry));
    const reuse = this.#conversation !== "" && earlier === this.#conversation;
    if (!reuse) this.#filledTokens = 0;
    const prompt = countPromptTokens(reuse ? request.messages.slice(-1) : request.messages);
    const { contextWindowSize } = /** @type {{contextWindowSize: number}} */ (this.#models.get(modelId));
    if (prompt + this.#filledTokens > contextWindowSize) throw contextWindowExceeded(prompt, contextWindowSize);
    this.#conversation = "";

    await generation.prefill(prompt);
    return generation;
  }

  /**
   * Records what the KV cache now holds, and the runtime stats.
   * @param {Record<string, any>} request
   * @param {Generation} generation
   */
  #finish(request, generation) {
    this.#filledTokens += generation.promptTokens + generation.completionTokens;
    // An interrupted or truncated reply cannot be continued in place (engine.ts).
    if (generation.finishReason === "stop") {
      const assistant = { role: "assistant", content: generation.outputMessage };
      this.#conversation = JSON.stringify([...request.messages, assistant].map(conversationEntry));
    }
    this.#stats.prefillTokens += generation.promptTokens;
    this.#stats.prefillSeconds += generation.prefillSeconds;
    this.#stats.decodeTokens += generation.decodeTokens;
    this.#stats.decodeSeconds += generation.reportedDecodeSeconds;
  }

  /** @returns {Promise<() => void>} */
  async #acquire() {
    /** @type {() => void} */
    let release = () => {};
    const previous = this.#lock;
    this.#lock = new Promise((resolve) => (release = resolve));
    await previous;
    return release;
  }

  /**
   * @param {string} requestName
   * @param {string | null | undefined} modelId
   */
  #select(requestName, modelId) {
    const loaded = [...this.#models.keys()];
    const isEmbedding = (/** @type {string} */ id) => this.#models.get(id)?.record.model_type === ModelType.embedding;
    return selectModel(loaded, modelId, isEmbedding, requestName);
  }

  /**
   * Progress in WebLLM's words, in its two phases, spread over the configured
   * load delay: the weights (tvmjs `fetchTensorCache`), 0 to 1, then the
   * shaders (tvmjs `asyncLoadWebGPUPipelines`), 0 to 1 again.
   * @param {any} record
   * @param {number} start
   * @param {number} epoch
   * @returns {Promise<boolean>} false when unload() cancelled the load
   */
  async #reportLoading(record, start, epoch) {
    const steps = 4;
    const totalMB = Math.ceil(record.vram_required_MB ?? 100);
    const phases = [
      (/** @type {number} */ step, /** @type {number} */ elapsed) =>
        `Loading model from cache[${step}/${steps}]: ${Math.ceil((totalMB * step) / steps)}MB loaded. ` +
        `${Math.floor((step * 100) / steps)}% completed, ${elapsed} secs elapsed.`,
      (/** @type {number} */ step, /** @type {number} */ elapsed) =>
        `Loading GPU shader modules[${step}/${steps}]: ${Math.floor((step * 100) / steps)}% completed, ` +
        `${elapsed} secs elapsed.`,
    ];
    this.#onProgress?.({ progress: 0, timeElapsed: 0, text: "Start to fetch params" });
    for (const text of phases) {
      for (let step = 1; step <= steps; step++) {
        if (this.#loadDelayMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.#loadDelayMs / (steps * phases.length)));
        }
        if (epoch !== this.#loadEpoch) return false;
        const elapsed = Math.round((performance.now() - start) / 1000);
        this.#onProgress?.({ progress: step / steps, timeElapsed: elapsed, text: text(step, elapsed) });
      }
    }
    return true;
  }
}

/**
 * What WebLLM compares to decide whether a request continues the cached conversation.
 * @param {{role: string, content?: unknown, tool_calls?: unknown}} message
 */
function conversationEntry(message) {
  return [message.role, message.content ?? null, message.tool_calls ?? null];
}

/** A choice after the first, when an interrupt already stopped the request (engine.ts). */
function interruptedBeforeStart() {
  const generation = new Generation(
    { pieces: [], error: null, errorAfter: 0, finishReason: null, tokenDelayMs: 0, prefillMs: 0, scripted: false },
    {},
  );
  generation.triggerStop();
  return generation;
}
