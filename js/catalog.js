import { ModelType, prebuiltAppConfig } from "@mlc-ai/web-llm";

/**
 * WebLLM's own model catalog, reduced to what a model picker and the Python
 * provider need. Read from the app config rather than kept by hand, so a
 * WebLLM upgrade brings its models along.
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
 *
 * Which models take native `tools` is not a record field: it is WebLLM's
 * `functionCallingModelIds` (re-exported by pyodide-binding.js), so a bridge that hands
 * Python WebLLM's records as they are loses nothing.
 */

/**
 * @param {{model_list: any[]}} [appConfig]
 * @returns {ModelRecord[]}
 */
export function modelRecords(appConfig = prebuiltAppConfig) {
  return appConfig.model_list.map((record) => ({
    model_id: record.model_id,
    vram_required_MB: record.vram_required_MB ?? null,
    low_resource_required: Boolean(record.low_resource_required),
    required_features: requiredFeatures(record),
    buffer_size_required_bytes: record.buffer_size_required_bytes ?? null,
    context_window_size: record.overrides?.context_window_size ?? null,
    model_type: record.model_type ?? ModelType.LLM,
  }));
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
