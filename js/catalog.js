import { MODEL_TYPES } from "./protocol.js";

/**
 * WebLLM's own model catalog, reduced to what a model picker and the Python
 * provider need, with this GPU's verdict on each model. Read from the app
 * config rather than kept by hand, so a WebLLM upgrade brings its models
 * along. The verdicts are decided here and only here: the app's picker needs
 * them before Python has booted, and Python reads them from the records.
 * Nothing here imports WebLLM, so the app can bundle these rules without it.
 */

/**
 * @typedef {object} ModelRecord
 * @property {string} model_id
 * @property {number | null} vram_required_MB
 * @property {boolean} low_resource_required
 * @property {string[]} required_features e.g. ["shader-f16"]
 * @property {number | null} buffer_size_required_bytes
 * @property {number | null} context_window_size from the record's overrides; null when the model's own config decides
 * @property {number} model_type WebLLM's `ModelType`: 0 LLM, 1 embedding, 2 VLM
 * @property {string[]} missing_features required features this GPU lacks (all of them with no GPU)
 * @property {boolean} fits this GPU can run it: an adapter, every required feature, WebLLM's buffer limits
 * @property {string | null} unfit_reason why it does not fit, in words; null when it fits
 * @property {boolean} large it needs more than VRAM_BUDGET_MB of GPU memory
 * @property {boolean} recommended the model to load when nobody chose one (at most one record)
 * @property {string} label how a person reads the id: "Qwen2.5 1.5B Instruct · q4f16_1 · 1.6 GB VRAM"
 *
 * Which models take native `tools` is not a record field: it is WebLLM's
 * `functionCallingModelIds` (re-exported by python-launcher.js), so a bridge that hands
 * Python WebLLM's records as they are loses nothing.
 */

/** What most laptops' GPUs spare: larger models are never recommended, and the app lists them apart. */
export const VRAM_BUDGET_MB = 3072;

// WebLLM treats a device whose storage-buffer binding limit is below 1 GiB as
// low-resource, and then runs only the models marked `low_resource_required`.
const FULL_BINDING = 2 ** 30;

// Good first models, best first: small downloads that still follow instructions and use tools.
const PREFERRED = [
  "Qwen2.5-1.5B-Instruct-q4f16_1-MLC",
  "Qwen2.5-1.5B-Instruct-q4f32_1-MLC",
  "Llama-3.2-1B-Instruct-q4f16_1-MLC",
  "Llama-3.2-1B-Instruct-q4f32_1-MLC",
  "Qwen2.5-0.5B-Instruct-q4f16_1-MLC",
  "Qwen2.5-0.5B-Instruct-q4f32_1-MLC",
];
// A software adapter (SwiftShader) runs on the CPU: the smallest useful model.
const PREFERRED_ON_CPU = ["Qwen2.5-0.5B-Instruct-q4f32_1-MLC", "SmolLM2-360M-Instruct-q4f32_1-MLC"];

/**
 * @param {import("./gpu.js").GpuInfo} gpu what this page's adapter offers
 * @param {{model_list: any[]}} appConfig WebLLM's app config (its `prebuiltAppConfig`, or an app's own)
 * @returns {ModelRecord[]}
 */
export function modelRecords(gpu, appConfig) {
  const records = appConfig.model_list.map((record) => {
    const missing = missingFeatures(record, gpu);
    const unfit = unfitReason(record, gpu, missing);
    return {
      model_id: record.model_id,
      vram_required_MB: record.vram_required_MB ?? null,
      low_resource_required: Boolean(record.low_resource_required),
      required_features: requiredFeatures(record),
      buffer_size_required_bytes: record.buffer_size_required_bytes ?? null,
      context_window_size: record.overrides?.context_window_size ?? null,
      model_type: record.model_type ?? MODEL_TYPES.llm,
      missing_features: missing,
      fits: unfit === null,
      unfit_reason: unfit,
      large: (record.vram_required_MB ?? 0) > VRAM_BUDGET_MB,
      recommended: false,
      label: modelLabel(record),
    };
  });
  const pick = recommend(records, gpu);
  if (pick) pick.recommended = true;
  return records;
}

// The quantisation in an id, e.g. "q4f16_1" in "Qwen2.5-0.5B-Instruct-q4f16_1-MLC".
const F16_QUANTISATION = /-q\d+f16(?:_\d+)?(?:-|$)/;

/**
 * The GPU features a model needs. WebLLM declares shader-f16 on only some of
 * its f16 models (30 of 86 in 0.2.86), yet every model that computes in 16-bit
 * floats needs it, so it is added from the quantisation in the id.
 * @param {{model_id: string, required_features?: string[]}} record
 * @returns {string[]}
 */
export function requiredFeatures(record) {
  const features = new Set(record.required_features ?? []);
  if (F16_QUANTISATION.test(record.model_id)) features.add("shader-f16");
  return [...features];
}

/**
 * The features a model needs that this GPU lacks: all of them with no GPU.
 * @param {{model_id: string, required_features?: string[]}} record
 * @param {import("./gpu.js").GpuInfo} gpu
 */
export function missingFeatures(record, gpu) {
  const required = requiredFeatures(record);
  return gpu.available ? required.filter((feature) => !gpu.features.includes(feature)) : required;
}

/**
 * Why this GPU cannot run the model, by the checks WebLLM makes when it loads
 * one; null when it can.
 * @param {{low_resource_required?: boolean, buffer_size_required_bytes?: number}} record
 * @param {import("./gpu.js").GpuInfo} gpu
 * @param {string[]} missing
 * @returns {string | null}
 */
function unfitReason(record, gpu, missing) {
  if (!gpu.available) return gpu.error ?? "WebGPU is not available.";
  if (missing.length) return `needs ${missing.join(", ")}, which this GPU lacks`;
  const binding = gpu.limits.maxStorageBufferBindingSize;
  const needed = record.buffer_size_required_bytes ?? 0;
  if (needed > binding || needed > gpu.limits.maxBufferSize) {
    return `needs ${formatBytes(needed)} GPU buffers; this GPU allows ${formatBytes(Math.min(binding, gpu.limits.maxBufferSize))}`;
  }
  if (binding < FULL_BINDING && !record.low_resource_required) {
    return `needs 1 GiB GPU buffers; this GPU allows ${formatBytes(binding)}`;
  }
  return null;
}

/**
 * A good small text model that fits within the budget, else the largest such
 * one; none when nothing fits.
 * @param {ModelRecord[]} records
 * @param {import("./gpu.js").GpuInfo} gpu
 */
function recommend(records, gpu) {
  const candidates = records.filter((r) => r.model_type === MODEL_TYPES.llm && r.fits && !r.large);
  for (const id of gpu.fallback ? PREFERRED_ON_CPU : PREFERRED) {
    const preferred = candidates.find((r) => r.model_id === id);
    if (preferred) return preferred;
  }
  const bySize = candidates.sort((a, b) => (a.vram_required_MB ?? 0) - (b.vram_required_MB ?? 0));
  return bySize.at(-1) ?? null;
}

/**
 * "Qwen2.5 1.5B Instruct · q4f16_1 · 1.6 GB VRAM": the one rule for a model's
 * display name (the app's picker, Python's ModelInfo).
 * @param {{model_id: string, vram_required_MB?: number}} record
 */
function modelLabel(record) {
  const match = /^(.*?)-(q\d+f\d+(?:_\d+)?)-MLC(?:-(\w+))?$/.exec(record.model_id);
  const name = (match ? match[1] : record.model_id.replace(/-MLC$/, "")).replace(/-/g, " ");
  const parts = [name];
  if (match) parts.push(match[2] + (match[3] ? ` ${match[3]} ctx` : ""));
  if (record.vram_required_MB) parts.push(`${formatMB(record.vram_required_MB)} VRAM`);
  return parts.join(" · ");
}

/** @param {number} mb */
export function formatMB(mb) {
  return mb >= 1000 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

/** @param {number} bytes */
function formatBytes(bytes) {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
