// The catalog the bridge reports (js/catalog.js) and the app's verdicts on it
// (examples/browser-app/models.js): which models a GPU can run, and the default.
import assert from "node:assert/strict";
import { test } from "node:test";
import { prebuiltAppConfig } from "@mlc-ai/web-llm";
import { modelRecords, requiredFeatures } from "../../js/catalog.js";
import { VRAM_BUDGET_MB, assessModels, chooseDefault } from "../../examples/browser-app/models.js";

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
});

test("WebLLM's real catalog: every record complete, f16 ones marked", () => {
  const records = modelRecords();
  assert.equal(records.length, prebuiltAppConfig.model_list.length);
  assert.ok(records.length > 50);
  for (const record of records) {
    assert.equal(typeof record.model_id, "string");
    assert.equal(record.required_features.includes("shader-f16"), /-q\d+f16/.test(record.model_id), record.model_id);
    assert.ok([0, 1, 2].includes(record.model_type), record.model_id);
  }
});

test("a record's missing fields become nulls and false", () => {
  const [record] = modelRecords({ model_list: [{ model_id: "Tiny-q4f32_1-MLC", overrides: { context_window_size: 2048 } }] });
  assert.deepEqual(record, {
    model_id: "Tiny-q4f32_1-MLC",
    vram_required_MB: null,
    low_resource_required: false,
    required_features: [],
    buffer_size_required_bytes: null,
    context_window_size: 2048,
    model_type: 0,
  });
});

const GIB = 2 ** 30;
/** @returns {import("../../examples/browser-app/models.js").GpuInfo} */
function gpu({ features = ["shader-f16"], binding = 2 * GIB, fallback = false } = {}) {
  return {
    available: true,
    features,
    limits: { maxBufferSize: binding, maxStorageBufferBindingSize: binding },
    vendor: "test",
    architecture: "",
    description: "",
    fallback,
    error: null,
  };
}

test("a GPU without shader-f16 hides the f16 models and counts them", () => {
  const records = modelRecords();
  const { offers, hidden } = assessModels(records, gpu({ features: [] }));
  assert.ok(offers.length > 0);
  assert.ok(offers.every((o) => !o.record.required_features.includes("shader-f16")));
  const f16Chat = records.filter((r) => r.model_type === 0 && r.required_features.includes("shader-f16")).length;
  assert.equal(hidden.get("shader-f16"), f16Chat);
  const withF16 = assessModels(records, gpu());
  assert.equal(withF16.hidden.size, 0);
  assert.ok(withF16.offers.length > offers.length);
});

test("offers are chat models only, smallest first; large and over-limit ones are marked", () => {
  const small = { model_id: "Small-q4f32_1-MLC", vram_required_MB: 900, low_resource_required: true, buffer_size_required_bytes: 256 * 2 ** 20 };
  const big = { model_id: "Big-q4f32_1-MLC", vram_required_MB: VRAM_BUDGET_MB + 1, low_resource_required: false };
  const needsFullBinding = { model_id: "Mid-q4f32_1-MLC", vram_required_MB: 2000, low_resource_required: false };
  const embedding = { model_id: "Embed-q4f32_1-MLC", vram_required_MB: 100, model_type: 1 };
  const records = modelRecords({ model_list: [big, needsFullBinding, small, embedding] });

  const roomy = assessModels(records, gpu());
  assert.deepEqual(roomy.offers.map((o) => [o.record.model_id, o.fitsLimits, o.large]), [
    ["Small-q4f32_1-MLC", true, false],
    ["Mid-q4f32_1-MLC", true, false],
    ["Big-q4f32_1-MLC", true, true],
  ]);

  const tight = assessModels(records, gpu({ binding: 128 * 2 ** 20 }));
  const verdicts = Object.fromEntries(tight.offers.map((o) => [o.record.model_id, o.why]));
  assert.match(verdicts["Small-q4f32_1-MLC"], /needs 256 MiB GPU buffers; this GPU allows 128 MiB/);
  assert.match(verdicts["Mid-q4f32_1-MLC"], /needs 1 GiB GPU buffers/);
  const lowOnly = assessModels(records, gpu({ binding: 512 * 2 ** 20 }));
  assert.equal(lowOnly.offers.find((o) => o.record.model_id === "Small-q4f32_1-MLC")?.fitsLimits, true);
  assert.equal(lowOnly.offers.find((o) => o.record.model_id === "Mid-q4f32_1-MLC")?.fitsLimits, false);
});

test("the default: the remembered model if it fits, else a preferred small one, else the largest within budget", () => {
  const records = modelRecords();
  const { offers } = assessModels(records, gpu());
  assert.equal(chooseDefault(offers, gpu(), null), "Qwen2.5-1.5B-Instruct-q4f16_1-MLC");
  const swiftshader = gpu({ features: [], fallback: true });
  const cpuOffers = assessModels(records, swiftshader).offers;
  assert.equal(chooseDefault(cpuOffers, swiftshader, null), "Qwen2.5-0.5B-Instruct-q4f32_1-MLC", "on the CPU, the smallest useful one");
  const remembered = offers.find((o) => o.large && o.fitsLimits)?.record.model_id;
  assert.ok(remembered);
  assert.equal(chooseDefault(offers, gpu(), remembered), remembered, "a remembered choice stands even when large");
  assert.equal(chooseDefault(cpuOffers, swiftshader, "Qwen2.5-1.5B-Instruct-q4f16_1-MLC"), "Qwen2.5-0.5B-Instruct-q4f32_1-MLC", "not when it cannot run");

  const unknown = modelRecords({
    model_list: [
      { model_id: "A-q4f32_1-MLC", vram_required_MB: 500, low_resource_required: true },
      { model_id: "B-q4f32_1-MLC", vram_required_MB: 1500, low_resource_required: true },
      { model_id: "C-q4f32_1-MLC", vram_required_MB: VRAM_BUDGET_MB + 500 },
    ],
  });
  assert.equal(chooseDefault(assessModels(unknown, gpu()).offers, gpu(), null), "B-q4f32_1-MLC");
  assert.equal(chooseDefault([], gpu(), null), null);
});
