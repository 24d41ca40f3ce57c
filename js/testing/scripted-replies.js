import { namedError } from "../errors.js";

/**
 * What a test tells the scripted engine to "generate", checked when it is
 * pushed so that a typo fails the test at the line that made it, not later as
 * a puzzling reply.
 */

/**
 * @typedef {object} ScriptedReply
 * @property {string} [content] the reply text, split into word/space tokens
 * @property {string[]} [tokens] explicit token (chunk) boundaries, instead of `content`
 * @property {{name: string, arguments: object | string}[]} [tool_calls] generated as
 *   the JSON text a Hermes model writes; WebLLM turns it into `tool_calls`
 *   when the request has `tools`
 * @property {{name: string, message: string}} [error] thrown instead of a token
 * @property {number} [error_after_tokens] tokens generated before `error` (default 0)
 * @property {"stop" | "length" | "abort"} [finish_reason] how the reply ends after its
 *   last token (default "stop": the model samples its stop token)
 * @property {number} [tokens_per_second] paces decoding; default: as fast as possible
 * @property {number} [prefill_ms] time before the first token
 */

/**
 * A reply ready to generate.
 * @typedef {object} Script
 * @property {string[]} pieces one per token
 * @property {Error | null} error
 * @property {number} errorAfter
 * @property {string | null} finishReason forced ending, or null for the stop token
 * @property {number} tokenDelayMs
 * @property {number} prefillMs
 * @property {boolean} scripted false for the default reply
 */

const KEYS = new Set([
  "content",
  "tokens",
  "tool_calls",
  "error",
  "error_after_tokens",
  "finish_reason",
  "tokens_per_second",
  "prefill_ms",
]);

/**
 * @param {ScriptedReply} reply
 * @returns {Script}
 */
export function prepareReply(reply) {
  const fail = (/** @type {string} */ why) =>
    namedError("ScriptedReplyError", `${why} in scripted reply ${JSON.stringify(reply)}`);
  if (typeof reply !== "object" || reply === null) throw fail("Expected an object");
  const unknown = Object.keys(reply).filter((key) => !KEYS.has(key));
  if (unknown.length) throw fail(`Unknown field(s) ${unknown.join(", ")}`);

  let pieces;
  if (reply.tool_calls !== undefined) {
    if (reply.content !== undefined || reply.tokens !== undefined) {
      throw fail("A Hermes model writes only the tool-call JSON: tool_calls excludes content and tokens");
    }
    pieces = tokenize(toolCallText(reply.tool_calls, fail));
  } else if (reply.tokens !== undefined) {
    if (!Array.isArray(reply.tokens) || !reply.tokens.every((token) => typeof token === "string")) {
      throw fail("tokens must be an array of strings");
    }
    if (reply.content !== undefined && reply.content !== reply.tokens.join("")) {
      throw fail("content differs from tokens joined");
    }
    pieces = [...reply.tokens];
  } else {
    if (reply.content !== undefined && typeof reply.content !== "string") throw fail("content must be a string");
    pieces = tokenize(reply.content ?? "");
  }

  let error = null;
  if (reply.error !== undefined) {
    if (typeof reply.error?.name !== "string" || typeof reply.error?.message !== "string") {
      throw fail("error needs a string name and message");
    }
    error = namedError(reply.error.name, reply.error.message);
  }
  const errorAfter = reply.error_after_tokens ?? 0;
  if (!Number.isInteger(errorAfter) || errorAfter < 0) throw fail("error_after_tokens must be an integer >= 0");
  if (reply.error_after_tokens !== undefined && !error) throw fail("error_after_tokens needs error");

  const finishReason = reply.finish_reason ?? null;
  if (finishReason !== null && !["stop", "length", "abort"].includes(finishReason)) {
    throw fail('finish_reason must be "stop", "length" or "abort"');
  }
  const rate = reply.tokens_per_second;
  if (rate !== undefined && !(rate > 0)) throw fail("tokens_per_second must be > 0");
  const prefillMs = reply.prefill_ms ?? 0;
  if (!(prefillMs >= 0)) throw fail("prefill_ms must be >= 0");

  return {
    pieces,
    error,
    errorAfter,
    finishReason: finishReason === "stop" ? null : finishReason,
    tokenDelayMs: rate === undefined ? 0 : 1000 / rate,
    prefillMs,
    scripted: true,
  };
}

/**
 * What the engine says when nothing is queued: deterministic, and visibly
 * tied to the request, so a test can tell replies apart.
 * @param {Record<string, any>} request with `messages`
 * @returns {Script}
 */
export function defaultReply(request) {
  /** @type {Array<{role: string, content?: unknown}>} */
  const messages = request.messages;
  const lastUser = [...messages].reverse().find((message) => message.role === "user");
  return {
    pieces: tokenize(`You said: ${lastUser ? messageText(lastUser) : ""}`),
    error: null,
    errorAfter: 0,
    finishReason: null,
    tokenDelayMs: 0,
    prefillMs: 0,
    scripted: false,
  };
}

/**
 * Word-like tokens that keep their leading whitespace, as BPE vocabularies
 * mostly do: "Hi  there" -> ["Hi", "  there"].
 * @param {string} text
 * @returns {string[]}
 */
export function tokenize(text) {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/**
 * The text of a message: its string content, its text parts, and the tool
 * calls an assistant message carries.
 * @param {{content?: unknown, tool_calls?: unknown}} message
 * @returns {string}
 */
export function messageText(message) {
  const { content } = message;
  const parts = [];
  if (typeof content === "string") parts.push(content);
  else if (Array.isArray(content)) {
    for (const part of content) if (part?.type === "text") parts.push(part.text);
  }
  if (message.tool_calls) parts.push(JSON.stringify(message.tool_calls));
  return parts.join(" ");
}

/**
 * The array Hermes models are prompted (and grammar-forced) to write,
 * spaced like Python's json.dumps so it streams as several tokens: each call's
 * `arguments` first, as WebLLM's officialHermes2FunctionCallSchema lists them
 * (its grammar keeps that order; webllm_provider/messages.py's native_calls
 * writes them back the same way).
 * @param {unknown} calls
 * @param {(why: string) => Error} fail
 */
function toolCallText(calls, fail) {
  if (!Array.isArray(calls)) throw fail("tool_calls must be an array");
  const written = calls.map((call) => {
    if (typeof call?.name !== "string") throw fail("each tool call needs a string name");
    let args = call.arguments ?? {};
    if (typeof args === "string") {
      try {
        args = JSON.parse(args);
      } catch {
        throw fail("tool call arguments given as a string must be JSON");
      }
    }
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      throw fail("tool call arguments must be a JSON object (the Hermes schema says so)");
    }
    return { arguments: args, name: call.name };
  });
  return spacedJson(written);
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function spacedJson(value) {
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const fields = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${spacedJson(item)}`);
    return `{${fields.join(", ")}}`;
  }
  return JSON.stringify(value);
}
