// js/errors.js: whatever WebLLM rejects with becomes an Error whose name says what went wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { featureMissing, modelNotFound, namedError, normaliseError } from "../../js/errors.js";

/** @param {unknown} reason */
const named = (reason) => {
  const error = normaliseError(reason);
  assert.ok(error instanceof Error);
  return { name: error.name, message: error.message };
};

test("an Error keeps its name and message", () => {
  assert.deepEqual(named(new RangeError("too far")), { name: "RangeError", message: "too far" });
  assert.deepEqual(named(namedError("ContextWindowSizeExceededError", "prompt too long")), {
    name: "ContextWindowSizeExceededError",
    message: "prompt too long",
  });
});

test("error-likes from other realms (a DOMException, a plain object) keep theirs", () => {
  assert.deepEqual(named(new DOMException("stopped", "AbortError")), { name: "AbortError", message: "stopped" });
  assert.deepEqual(named({ name: "GPUPipelineError", message: "bad shader" }), { name: "GPUPipelineError", message: "bad shader" });
  assert.deepEqual(named({ name: "", message: 42 }), { name: "Error", message: "42" });
});

test("WebLLM's serialised 'Name: message' is split; the message keeps its colons and lines", () => {
  assert.deepEqual(named("ModelNotFoundError: Cannot find model record: x"), {
    name: "ModelNotFoundError",
    message: "Cannot find model record: x",
  });
  assert.deepEqual(named("DeviceLostError"), { name: "DeviceLostError", message: "" });
  assert.deepEqual(named("ToolCallOutputParseError: line 1\nline 2"), {
    name: "ToolCallOutputParseError",
    message: "line 1\nline 2",
  });
});

test("a string that is not 'Name: message' is all message", () => {
  assert.deepEqual(named("the worker said no"), { name: "Error", message: "the worker said no" });
  assert.deepEqual(named("3 apples: fine"), { name: "Error", message: "3 apples: fine" });
});

test("anything else becomes its string", () => {
  assert.deepEqual(named(undefined), { name: "Error", message: "undefined" });
  assert.deepEqual(named(7), { name: "Error", message: "7" });
});

test("browser errors keep the browser's name: Python alone renames them (webllm_provider/errors.py)", () => {
  // A failed fetch and tvmjs's "no adapter" reach Python as they are, so an app's own
  // js_llm_complete (which never passes through here) is read the same way.
  assert.deepEqual(named(new TypeError("Failed to fetch")), { name: "TypeError", message: "Failed to fetch" });
  assert.deepEqual(named("TypeError: Load failed"), { name: "TypeError", message: "Load failed" });
  assert.deepEqual(named(new Error("Unable to find a compatible GPU.")), {
    name: "Error",
    message: "Unable to find a compatible GPU.",
  });
});

test("WebLLM's own wording for a missing feature and an unknown model", () => {
  const f16 = featureMissing("shader-f16");
  assert.equal(f16.name, "ShaderF16SupportError");
  assert.match(f16.message, /requires WebGPU extension shader-f16/);
  const other = featureMissing("subgroups");
  assert.deepEqual({ name: other.name, message: other.message }, {
    name: "FeatureSupportError",
    message: "This model requires feature subgroups, which is not yet supported by this browser.",
  });
  const missing = modelNotFound("No-Such-Model");
  assert.equal(missing.name, "ModelNotFoundError");
  assert.match(missing.message, /^Cannot find model record in appConfig for No-Such-Model\./);
});

test("those copies still match WebLLM's source (an upgrade that rewords them fails here)", async () => {
  const { readFile } = await import("node:fs/promises");
  const webllm = await readFile(new URL("../../node_modules/@mlc-ai/web-llm/lib/index.js", import.meta.url), "utf8");
  // With the placeholder as argument, our message is WebLLM's template literal.
  assert.ok(webllm.includes(`super(\`${modelNotFound("${modelId}").message}\`)`));
  assert.ok(webllm.includes(`super(\`${featureMissing("${feature}").message}\`)`));
  for (const sentence of featureMissing("shader-f16").message.split(/(?<=\.) /)) {
    assert.ok(webllm.includes(sentence), sentence);
  }
});
