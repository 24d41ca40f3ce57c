/**
 * Which of WebLLM's models this device can run, from WebLLM's own catalog
 * (`bridge.models().models`) and what the WebGPU adapter reports
 * (`bridge.models().gpu`). The same rules as the Python provider's
 * `webllm_provider.catalog.fits`, plus one WebLLM leaves implicit: its
 * `q?f16` builds need `shader-f16` even where the record does not list it.
 */

/** Models above this are never picked by default (the provider's default budget too). */
export const VRAM_BUDGET_MB = 3072;
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
 * @typedef {import("../../js/pyodide-binding.js").WorkerClient} WorkerClient
 * @typedef {{model_id: string, vram_required_MB: number | null, low_resource_required: boolean,
 *   required_features: string[], buffer_size_required_bytes: number | null,
 *   context_window_size: number | null, model_type: number}} ModelRecord
 * @typedef {{available: boolean, features: string[], limits: {maxBufferSize: number,
 *   maxStorageBufferBindingSize: number}, vendor: string, architecture: string,
 *   description: string, fallback: boolean, error: string | null}} GpuInfo
 * @typedef {{record: ModelRecord, fitsLimits: boolean, large: boolean, why: string}} Offer
 */

/** @param {ModelRecord} record */
export function requiredFeatures(record) {
  const features = new Set(record.required_features);
  if (/-q\d+f16/.test(record.model_id)) features.add("shader-f16");
  return [...features];
}

/**
 * Sorts the catalog for a model picker.
 * @param {ModelRecord[]} records
 * @param {GpuInfo} gpu
 * @returns {{offers: Offer[], hidden: Map<string, number>}} offers by VRAM; hidden: count per missing feature
 */
export function assessModels(records, gpu) {
  const features = new Set(gpu.features);
  const binding = gpu.limits.maxStorageBufferBindingSize;
  /** @type {Offer[]} */
  const offers = [];
  /** @type {Map<string, number>} */
  const hidden = new Map();
  for (const record of records) {
    if (record.model_type !== 0) continue; // a text chat: no embedding or vision models
    const missing = requiredFeatures(record).filter((feature) => !features.has(feature));
    if (missing.length) {
      for (const feature of missing) hidden.set(feature, (hidden.get(feature) ?? 0) + 1);
      continue;
    }
    let why = "";
    const needed = record.buffer_size_required_bytes ?? 0;
    if (needed > binding || needed > gpu.limits.maxBufferSize) {
      why = `needs ${formatBytes(needed)} GPU buffers; this GPU allows ${formatBytes(binding)}`;
    } else if (binding < FULL_BINDING && !record.low_resource_required) {
      why = `needs 1 GiB GPU buffers; this GPU allows ${formatBytes(binding)}`;
    }
    const large = (record.vram_required_MB ?? 0) > VRAM_BUDGET_MB;
    offers.push({ record, fitsLimits: !why, large, why });
  }
  offers.sort((a, b) => (a.record.vram_required_MB ?? 0) - (b.record.vram_required_MB ?? 0));
  return { offers, hidden };
}

/**
 * The model to load when the user has not chosen: the remembered one if it
 * still fits, else a good small one, else the largest within the budget.
 * @param {Offer[]} offers
 * @param {GpuInfo} gpu
 * @param {string | null} remembered
 * @returns {string | null}
 */
export function chooseDefault(offers, gpu, remembered) {
  const ok = offers.filter((offer) => offer.fitsLimits && !offer.large);
  const ids = new Set(ok.map((offer) => offer.record.model_id));
  if (remembered && offers.some((offer) => offer.record.model_id === remembered && offer.fitsLimits)) {
    return remembered;
  }
  for (const id of gpu.fallback ? PREFERRED_ON_CPU : PREFERRED) if (ids.has(id)) return id;
  return ok.length ? ok[ok.length - 1].record.model_id : null;
}

/**
 * "Qwen2.5 1.5B Instruct · q4f16_1 · 1.6 GB"
 * @param {ModelRecord} record
 * @param {boolean} nativeTools one of WebLLM's `functionCallingModelIds`
 */
export function modelLabel(record, nativeTools) {
  const match = /^(.*?)-(q\d+f\d+(?:_\d+)?)-MLC(?:-(\w+))?$/.exec(record.model_id);
  const name = (match ? match[1] : record.model_id.replace(/-MLC$/, "")).replace(/-/g, " ");
  const parts = [name];
  if (match) parts.push(match[2] + (match[3] ? ` ${match[3]} ctx` : ""));
  if (record.vram_required_MB) parts.push(`${formatMB(record.vram_required_MB)} VRAM`);
  if (nativeTools) parts.push("native tools");
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

/**
 * What to tell a user whose browser has no usable WebGPU.
 * @param {GpuInfo} gpu
 */
export function noGpuAdvice(gpu) {
  return (
    `${gpu.error ?? "WebGPU is not available."} ` +
    "This app runs the model on your GPU through WebGPU. Use a recent Chrome or Edge (113+), or Safari 26+; " +
    "turn on hardware acceleration in the browser's settings; on Linux, Chrome may need " +
    "chrome://flags/#enable-unsafe-webgpu and chrome://flags/#enable-vulkan. " +
    "Your saved conversation stays readable meanwhile."
  );
}
