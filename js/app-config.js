/**
 * Custom models for WebLLM's AppConfig. A folder of model files is described
 * by a JSON AppConfig whose `model` and `model_lib` URLs are relative to that
 * folder (tests/fixtures/tiny-model/app-config.json, the gateway's
 * `--app-config FILE`, build/dist's models/app-config.json); WebLLM needs them
 * absolute. Nothing here imports WebLLM, so a page can bundle it without it.
 */

/**
 * @template {{model_list: any[]}} T
 * @param {T} appConfig records with URLs relative to `folder`
 * @param {string | URL} folder where the model folders and libraries are served
 * @returns {T} a copy with absolute URLs
 */
export function resolveModelUrls(appConfig, folder) {
  const base = new URL(folder.toString().replace(/\/?$/, "/"));
  return {
    ...appConfig,
    model_list: appConfig.model_list.map((record) => ({
      ...record,
      model: new URL(record.model, base).href,
      model_lib: new URL(record.model_lib, base).href,
    })),
  };
}

/**
 * A catalog with custom models added after its own. An id the catalog already
 * has keeps the catalog's record: the custom one is left out, not put in its place.
 * @template {{model_list: any[]}} T
 * @param {T} catalog e.g. WebLLM's `prebuiltAppConfig`
 * @param {{model_id: string}[]} records the custom models
 * @returns {{appConfig: T, added: string[]}} the catalog, and the ids of the records it took
 */
export function addModels(catalog, records) {
  const known = new Set(catalog.model_list.map((/** @type {{model_id: string}} */ record) => record.model_id));
  const taken = records.filter((record) => !known.has(record.model_id));
  return {
    appConfig: { ...catalog, model_list: [...catalog.model_list, ...taken] },
    added: taken.map((record) => record.model_id),
  };
}
