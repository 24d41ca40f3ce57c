/**
 * The tiny model in tests/fixtures/tiny-model: a real WebLLM 0.2.86 model
 * (Llama architecture, 2 layers, 1,024-token vocabulary and context) that
 * loads in seconds on a CPU WebGPU adapter (random weights, shaped so that
 * replies end soon: tools/tiny_model/weights.py). build/dist serves it under
 * /models/; its README says how to serve it elsewhere.
 */

export const TINY_MODEL_ID = "tiny-llama-q0f32";

/**
 * The same weights under one of WebLLM's function-calling model ids: WebLLM
 * accepts `tools` only for the ids in its `functionCallingModelIds`, and then
 * runs its own Hermes tool path (its system prompt, a JSON list of calls,
 * tool results in the chat template's `tool` role) on the tiny model.
 */
export const TINY_HERMES_MODEL_ID = "Hermes-3-Llama-3.1-8B-q4f32_1-MLC";

/**
 * A WebLLM appConfig with the tiny model, registered twice: as itself and
 * (unless `hermesAlias` is false) under TINY_HERMES_MODEL_ID.
 * @param {string | URL} modelsUrl the folder that holds the library and the model folder
 * @param {{hermesAlias?: boolean}} [options]
 * @returns {{model_list: any[], useIndexedDBCache: boolean}}
 */
export function tinyModelAppConfig(modelsUrl, { hermesAlias = true } = {}) {
  const folder = new URL(modelsUrl.toString().replace(/\/?$/, "/"));
  const record = (/** @type {string} */ modelId) => ({
    model_id: modelId,
    // WebLLM fetches the files from `${model}resolve/main/`.
    model: new URL(`${TINY_MODEL_ID}-MLC/`, folder).href,
    model_lib: new URL(`${TINY_MODEL_ID}-webgpu.wasm`, folder).href,
    required_features: [],
    vram_required_MB: 16,
    low_resource_required: true,
    overrides: { context_window_size: 1024 },
  });
  return {
    useIndexedDBCache: false,
    model_list: hermesAlias ? [record(TINY_MODEL_ID), record(TINY_HERMES_MODEL_ID)] : [record(TINY_MODEL_ID)],
  };
}
