// js/webllm-wasm.js in Node: where the wheel's engine fetches WebLLM's wasm from
// (a URL its worker's fragment names, else beside the script), and what it says
// when that fails. The whole way, WebLLM instantiating what it fetched, runs in
// Chromium (tests/hosts: the tiny model from the wheel's engine, from blob:
// URLs and from worker_url).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { afterEach, test } from "node:test";
import { gzipSync } from "node:zlib";
import { wasmBytes } from "../../js/webllm-wasm.js";

const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]; // "\0asm", version 1
const dataUrl = (/** @type {number[]} */ bytes) => `data:application/wasm;base64,${Buffer.from(bytes).toString("base64")}`;

afterEach(() => {
  delete (/** @type {any} */ (globalThis).location);
});

/** @param {string} hash */
function inWorkerAt(hash) {
  /** @type {any} */ (globalThis).location = { href: `blob:https://app.test/1234${hash}`, hash };
}

test("a worker's fragment names each module's URL", async () => {
  const params = new URLSearchParams({ "xgrammar.wasm": dataUrl(WASM_HEADER), "tokenizers.wasm": dataUrl([1, 2]) });
  inWorkerAt(`#${params}`);
  assert.deepEqual([...(await wasmBytes("xgrammar.wasm"))], WASM_HEADER);
  assert.deepEqual([...(await wasmBytes("tokenizers.wasm"))], [1, 2]);
});

test("without a fragment, the module is looked for beside the script, and the error says where and what to do", async () => {
  // The script is a file: here; Node's fetch has no file: scheme, so the fetch itself fails.
  await assert.rejects(wasmBytes("tokenizers.wasm"), (/** @type {Error} */ error) => {
    assert.match(error.message, /^WebLLM's tokenizers\.wasm could not be fetched from file:\/\/.*\/js\/tokenizers\.wasm: /);
    assert.ok(error.cause);
    return true;
  });
});

test("a module the server does not have: its URL and the status", async () => {
  const server = createServer((_, response) => response.writeHead(404).end());
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  try {
    inWorkerAt(`#${new URLSearchParams({ "xgrammar.wasm": `http://127.0.0.1:${port}/gone.wasm` })}`);
    await assert.rejects(wasmBytes("xgrammar.wasm"), {
      message: `WebLLM's xgrammar.wasm could not be fetched from http://127.0.0.1:${port}/gone.wasm (HTTP 404)`,
    });
  } finally {
    server.close();
  }
});

test("a gzipped module (the wheel keeps them so until a model loads) is inflated", async () => {
  const gzipped = [...gzipSync(Buffer.from(WASM_HEADER))];
  inWorkerAt(`#${new URLSearchParams({ "xgrammar.wasm": dataUrl(gzipped) })}`);
  assert.deepEqual([...(await wasmBytes("xgrammar.wasm"))], WASM_HEADER);
});

test("an engine started from a blob: URL that names no module says so, not 'Invalid URL'", async () => {
  await assert.rejects(wasmBytes("tokenizers.wasm", "blob:https://app.test/1234"), {
    message: "WebLLM's tokenizers.wasm has no URL: the engine's script blob:https://app.test/1234 names none, and nothing can be beside it",
  });
});
