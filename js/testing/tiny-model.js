/**
 * The tiny model in tests/fixtures/tiny-model: a real WebLLM 0.2.86 model
 * (Llama architecture, 2 layers, 1,024-token vocabulary and context, trained
 * for small talk and two tools) that loads in seconds on a CPU WebGPU adapter. build/dist serves
 * it under /models/, the gateway with `--app-config
 * tests/fixtures/tiny-model/app-config.json`; its README says how to serve
 * it elsewhere. Its AppConfig is that JSON file, read here.
 *
 * The file registers the model twice: under its own id, and under one of
 * WebLLM's function-calling ids. WebLLM accepts `tools` only for the ids in
 * its `functionCallingModelIds`, and then runs its own Hermes tool path (its
 * system prompt, a JSON list of calls, tool results in the chat template's
 * `tool` role) on the same files.
 */

import fixture from "../../tests/fixtures/tiny-model/app-config.json" with { type: "json" };
import { resolveModelUrls } from "../app-config.js";

export const TINY_MODEL_ID = fixture.model_list[0].model_id;
export const TINY_HERMES_MODEL_ID = fixture.model_list[1].model_id;

/**
 * The fixture's AppConfig with its relative URLs resolved against `modelsUrl`.
 * @param {string | URL} modelsUrl the folder that holds the library and the model folder
 * @returns {{model_list: any[], useIndexedDBCache: boolean}}
 */
export function tinyModelAppConfig(modelsUrl) {
  return resolveModelUrls(fixture, modelsUrl);
}
