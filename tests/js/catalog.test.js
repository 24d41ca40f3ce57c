// The catalog the bridge reports (js/catalog.js) with this GPU's verdicts, and
// the app's picker (examples/browser-app/models.js), which only reads them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ModelType, prebuiltAppConfig } from "@mlc-ai/web-llm";
import { VRAM_BUDGET_MB, missingFeatures, modelRecords, requiredFeatures } from "../../js/catalog.js";
import { MODEL_TYPES } from "../../js/protocol.js";
import { chooseModel, pickerModels } from "../../examples/browser-app/models.js";

const GIB = 2 ** 30;
/**
 * @param {{features?: string[], binding?: number, buffer?: number, fallback?: boolean}} [options]
 * @returns {import("../../js/gpu.js").GpuInfo}
 */
function gpu({ features = ["shader-f16"], binding = 2 * GIB, buffer = binding, fallback = false } = {}) {
  return {
    available: true,
    features,
    limits: { maxBufferSize: buffer, maxStorageBufferBindingSize: binding },
    vendor: "test",
    architecture: "",
    description: "",
    fallback,
    error: null,
  };
}
/** @type {import("../../js/gpu.js").GpuInfo} */
const NO_GPU = { ...gpu({ features: [], binding: 0 }), available: false, error: "WebGPU is present but no GPU adapter was found." };
const SWIFTSHADER = gpu({ features: [], binding: GIB, fallback: true });

/** @param {{model_list: any[]}} appConfig @param {import("../../js/gpu.js").GpuInfo} on */
const byId = (appConfig, on) => Object.fromEntries(modelRecords(on, appConfig).map((r) => [r.model_id, r]));

test("the model types are WebLLM's", () => {
  assert.deepEqual(MODEL_TYPES, { llm: ModelType.LLM, embedding: ModelType.embedding, vlm: ModelType.VLM });
});

test("every f16 build needs shader-f16, declared or not; f32 builds do not", () => {
  assert.deepEqual(requiredFeatures({ model_id: "Qwen2.5-1.5B-Instruct-q4f16_1-MLC" }), ["shader-f16"]);
  assert.deepEqual(requiredFeatures({ model_id: "Llama-3.2-1B-Instruct-q0f16-MLC" }), ["shader-f16"]);
  assert.deepEqual(requiredFeatures({ model_id: "Phi-3.5-mini-instruct-q4f16_1-MLC-1k" }), ["shader-f16"]);
  assert.deepEqual(requiredFeatures({ model_id: "Qwen2.5-1.5B-Instruct-q4f32_1-MLC" }), []);
  assert.deepEqual(
    requiredFeatures({ model_id: "X-q4f16_1-MLC", required_features: ["shader-f16", "subgroups"] }).sort(),
    ["shader-f16", "subgroups"],
    "declared features kept, none twice",
  );
  assert.deepEqual(requiredFeatures({ model_id: "notq4f16" }), [], "only a quantisation in the id counts");
  assert.deepEqual(missingFeatures({ model_id: "X-q4f16_1-MLC", required_features: ["subgroups"] }, gpu()), ["subgroups"]);
  assert.deepEqual(missingFeatures({ model_id: "X-q4f32_1-MLC" }, NO_GPU), [], "nothing required, nothing missing");
  assert.deepEqual(missingFeatures({ model_id: "X-q4f16_1-MLC" }, NO_GPU), ["shader-f16"]);
});

test("WebLLM's real catalog: every record complete, f16 ones marked, one recommended", () => {
  const records = modelRecords(gpu(), prebuiltAppConfig);
  assert.equal(records.length, prebuiltAppConfig.model_list.length);
  assert.ok(records.length > 50);
  for (const record of records) {
    assert.equal(typeof record.model_id, "string");
    assert.equal(record.required_features.includes("shader-f16"), /-q\d+f16/.test(record.model_id), record.model_id);
    assert.ok(Object.values(MODEL_TYPES).includes(/** @type {any} */ (record.model_type)), record.model_id);
  }
  assert.deepEqual(
    records.filter((r) => r.recommended).map((r) => r.model_id),
    ["Qwen2.5-1.5B-Instruct-q4f16_1-MLC"],
  );
});

test("a record's missing fields become nulls and false", () => {
  const [record] = modelRecords(gpu(), { model_list: [{ model_id: "Tiny-q4f32_1-MLC", overrides: { context_window_size: 2048 } }] });
  assert.deepEqual(record, {
    model_id: "Tiny-q4f32_1-MLC",
    vram_required_MB: null,
    low_resource_required: false,
    required_features: [],
    buffer_size_required_bytes: null,
    context_window_size: 2048,
    model_type: 0,
    missing_features: [],
    fits: true,
    unfit_reason: null,
    large: false,
    recommended: true,
    label: "Tiny · q4f32_1",
  });
});

test("a label reads the id: name, quantisation, context variant, VRAM", () => {
  const label = (/** @type {any} */ record) => modelRecords(gpu(), { model_list: [record] })[0].label;
  assert.equal(label({ model_id: "Qwen2.5-1.5B-Instruct-q4f16_1-MLC", vram_required_MB: 1629.75 }), "Qwen2.5 1.5B Instruct · q4f16_1 · 1.6 GB VRAM");
  assert.equal(label({ model_id: "Llama-3.2-1B-Instruct-q4f32_1-MLC-1k", vram_required_MB: 900 }), "Llama 3.2 1B Instruct · q4f32_1 1k ctx · 900 MB VRAM");
  assert.equal(label({ model_id: "snowflake-arctic-embed-m-MLC" }), "snowflake arctic embed m");
});

const SMALL = { model_id: "Small-q4f32_1-MLC", vram_required_MB: 900, low_resource_required: true, buffer_size_required_bytes: 256 * 2 ** 20 };
const MID = { model_id: "Mid-q4f32_1-MLC", vram_required_MB: 2000, low_resource_required: false };
const BIG = { model_id: "Big-q4f32_1-MLC", vram_required_MB: VRAM_BUDGET_MB + 1, low_resource_required: false };
const F16 = { model_id: "Half-q4f16_1-MLC", vram_required_MB: 2500, low_resource_required: false };
const EMBEDDING = { model_id: "Embed-q4f32_1-MLC", vram_required_MB: 100, model_type: 1 };
const CATALOG = { model_list: [BIG, MID, SMALL, F16, EMBEDDING] };

test("a roomy GPU with shader-f16 runs everything; over the budget is large, never recommended", () => {
  const records = byId(CATALOG, gpu());
  assert.ok(Object.values(records).every((r) => r.fits && r.unfit_reason === null && r.missing_features.length === 0));
  assert.deepEqual(Object.values(records).filter((r) => r.large).map((r) => r.model_id), ["Big-q4f32_1-MLC"]);
  assert.equal(records["Half-q4f16_1-MLC"].recommended, true, "with no preferred model, the largest text model within budget");
  assert.equal(records["Embed-q4f32_1-MLC"].recommended, false);
});

test("without shader-f16 the f16 builds do not fit, and say why", () => {
  const half = byId(CATALOG, gpu({ features: [] }))["Half-q4f16_1-MLC"];
  assert.deepEqual([half.fits, half.missing_features, half.unfit_reason], [false, ["shader-f16"], "needs shader-f16, which this GPU lacks"]);
  assert.equal(byId(CATALOG, gpu({ features: [] }))["Mid-q4f32_1-MLC"].recommended, true);
});

test("WebLLM's buffer limits: the buffer a model needs, and the 1 GiB binding only low-resource models do without", () => {
  const tight = byId(CATALOG, gpu({ binding: 128 * 2 ** 20 }));
  assert.equal(tight["Small-q4f32_1-MLC"].unfit_reason, "needs 256 MiB GPU buffers; this GPU allows 128 MiB");
  assert.equal(tight["Mid-q4f32_1-MLC"].unfit_reason, "needs 1 GiB GPU buffers; this GPU allows 128 MiB");
  assert.ok(Object.values(tight).every((r) => !r.recommended), "nothing fits, nothing recommended");
  const lowOnly = byId(CATALOG, gpu({ binding: 512 * 2 ** 20 }));
  assert.deepEqual([lowOnly["Small-q4f32_1-MLC"].fits, lowOnly["Mid-q4f32_1-MLC"].fits], [true, false]);
  assert.equal(lowOnly["Small-q4f32_1-MLC"].recommended, true);
  const smallBuffers = byId(CATALOG, gpu({ buffer: 128 * 2 ** 20 }));
  assert.equal(smallBuffers["Small-q4f32_1-MLC"].fits, false, "maxBufferSize counts too");
});

test("no GPU: nothing fits, each record says why, nothing is recommended", () => {
  const records = Object.values(byId(CATALOG, NO_GPU));
  assert.ok(records.every((r) => !r.fits && !r.recommended && r.unfit_reason === NO_GPU.error));
});

test("the recommendation prefers a good small model; on a software adapter the smallest useful one", () => {
  assert.equal(modelRecords(gpu(), prebuiltAppConfig).find((r) => r.recommended)?.model_id, "Qwen2.5-1.5B-Instruct-q4f16_1-MLC");
  assert.equal(modelRecords(gpu({ features: [] }), prebuiltAppConfig).find((r) => r.recommended)?.model_id, "Qwen2.5-1.5B-Instruct-q4f32_1-MLC");
  assert.equal(modelRecords(SWIFTSHADER, prebuiltAppConfig).find((r) => r.recommended)?.model_id, "Qwen2.5-0.5B-Instruct-q4f32_1-MLC");
});

test("the picker: text models only, smallest first, the ones lacking a feature hidden and counted", () => {
  const records = modelRecords(gpu({ features: [] }), prebuiltAppConfig);
  const { offers, hidden } = pickerModels(records);
  assert.ok(offers.length > 0);
  assert.ok(offers.every((r) => r.model_type === MODEL_TYPES.llm && r.missing_features.length === 0));
  const sizes = offers.map((r) => r.vram_required_MB ?? 0);
  assert.deepEqual(sizes, [...sizes].sort((a, b) => a - b));
  const f16Chat = records.filter((r) => r.model_type === MODEL_TYPES.llm && r.required_features.includes("shader-f16")).length;
  assert.equal(hidden.get("shader-f16"), f16Chat);
  assert.equal(pickerModels(modelRecords(gpu(), prebuiltAppConfig)).hidden.size, 0);
});

test("the picker's choice: the remembered model while it fits, even a large one, else the recommended one", () => {
  const records = modelRecords(gpu(), prebuiltAppConfig);
  const large = records.find((r) => r.large && r.fits)?.model_id ?? null;
  assert.ok(large);
  assert.equal(chooseModel(records, large), large);
  assert.equal(chooseModel(records, null), "Qwen2.5-1.5B-Instruct-q4f16_1-MLC");
  const onCpu = modelRecords(SWIFTSHADER, prebuiltAppConfig);
  assert.equal(chooseModel(onCpu, "Qwen2.5-1.5B-Instruct-q4f16_1-MLC"), "Qwen2.5-0.5B-Instruct-q4f32_1-MLC", "not when it cannot run");
  assert.equal(chooseModel([], null), null);
});
