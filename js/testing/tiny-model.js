/**
 * The tiny model in tests/fixtures/tiny-model: a real WebLLM 0.2.86 model
 * (Llama architecture, 2 layers, random weights, 1,024-token vocabulary and
 * context) that loads in seconds on a CPU WebGPU adapter. build/dist serves
 * it under /models/, the gateway with `--app-config
 * tests/fixtures/tiny-model/app-config.json`; its README says how to serve
 * it elsewhere. Its AppConfig is that JSON file, read here.
 */

import fixture from "../../tests/fixtures/tiny-model/app-config.json" with { type: "json" };

export const TINY_MODEL_ID = fixture.model_list[0].model_id;

/**
 * The fixture's AppConfig with its relative URLs resolved against `modelsUrl`.
 * @param {string | URL} modelsUrl the folder that holds the library and the model folder
 * @returns {{model_list: any[], useIndexedDBCache: boolean}}
 */
export function tinyModelAppConfig(modelsUrl) {
  const folder = new URL(modelsUrl.toString().replace(/\/?$/, "/"));
  return {
    ...fixture,
    // WebLLM fetches a model's files from `${model}resolve/main/`.
    model_list: fixture.model_list.map((record) => ({
      ...record,
      model: new URL(record.model, folder).href,
      model_lib: new URL(record.model_lib, folder).href,
    })),
  };
}
