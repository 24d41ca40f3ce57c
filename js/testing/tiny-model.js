/**
 * The tiny model in tests/fixtures/tiny-model: a real WebLLM 0.2.86 model
 * (Llama architecture, 2 layers, random weights, 1,024-token vocabulary and
 * context) that loads in seconds on a CPU WebGPU adapter. build/dist serves
 * it under /models/; its README says how to serve it elsewhere.
 */

export const TINY_MODEL_ID = "tiny-llama-q0f32";

/**
 * A WebLLM appConfig with the tiny model alone.
 * @param {string | URL} modelsUrl the folder that holds the library and the model folder
 * @returns {{model_list: any[], useIndexedDBCache: boolean}}
 */
export function tinyModelAppConfig(modelsUrl) {
  const folder = new URL(modelsUrl.toString().replace(/\/?$/, "/"));
  return {
    useIndexedDBCache: false,
    model_list: [
      {
        model_id: TINY_MODEL_ID,
        // WebLLM fetches the files from `${model}resolve/main/`.
        model: new URL(`${TINY_MODEL_ID}-MLC/`, folder).href,
        model_lib: new URL(`${TINY_MODEL_ID}-webgpu.wasm`, folder).href,
        required_features: [],
        vram_required_MB: 16,
        low_resource_required: true,
        overrides: { context_window_size: 1024 },
      },
    ],
  };
}
