import { MODEL_TYPES, WEBGPU_BROWSERS } from "../../js/protocol.js";

/**
 * The model picker's view of WebLLM's catalog. Whether a model fits this GPU,
 * whether it is large and which one to recommend are the catalog's verdicts
 * (js/catalog.js, carried on each record of `bridge.models().models`); this
 * module only groups, orders and words them.
 */

export { VRAM_BUDGET_MB, formatMB } from "../../js/catalog.js";

/**
 * @typedef {import("../../js/catalog.js").ModelRecord} ModelRecord
 * @typedef {import("../../js/gpu.js").GpuInfo} GpuInfo
 */

/**
 * The text models a picker offers, smallest first, and how many it hides
 * because this GPU lacks a feature they need.
 * @param {ModelRecord[]} records
 * @returns {{offers: ModelRecord[], hidden: Map<string, number>}} hidden: count per missing feature
 */
export function pickerModels(records) {
  /** @type {Map<string, number>} */
  const hidden = new Map();
  const offers = [];
  for (const record of records) {
    if (record.model_type !== MODEL_TYPES.llm) continue; // a text chat: no embedding or vision models
    for (const feature of record.missing_features) hidden.set(feature, (hidden.get(feature) ?? 0) + 1);
    if (!record.missing_features.length) offers.push(record);
  }
  offers.sort((a, b) => (a.vram_required_MB ?? 0) - (b.vram_required_MB ?? 0));
  return { offers, hidden };
}

/**
 * The model to load when the user has not chosen now: the remembered one if
 * it still fits (even a large one: the user chose it), else the recommended one.
 * @param {ModelRecord[]} records
 * @param {string | null} remembered
 * @returns {string | null}
 */
export function chooseModel(records, remembered) {
  const fitting = records.find((record) => record.model_id === remembered && record.fits);
  return (fitting ?? records.find((record) => record.recommended))?.model_id ?? null;
}

/*
 * The offline demo model (the tiny model build/dist serves under models/) in
 * the page's words: what it is, and what not to expect of it.
 */
const DEMO_MODEL_LABEL = "Tiny offline demo model · no download · arithmetic only";
export const DEMO_MODEL_NOTE =
  "The offline demo model comes with this page: nothing is downloaded. It is tiny, " +
  "trained to use the calculator and little else, so it gets the calculator only: ask it for arithmetic.";
export const OFFLINE_OFFER =
  "Models cannot be downloaded right now. The offline demo model comes with this page " +
  "and needs no download: a tiny model that shows the whole tool loop, though it only knows arithmetic.";

/**
 * The picker's label: the catalog's, with whether WebLLM takes native tools
 * for the model; the demo model says what it is instead.
 * @param {ModelRecord} record
 * @param {{nativeTools?: boolean, demo?: boolean}} kind nativeTools: one of WebLLM's
 *   `functionCallingModelIds`; demo: the offline demo model
 */
export function modelLabel(record, { nativeTools = false, demo = false }) {
  if (demo) return DEMO_MODEL_LABEL;
  return nativeTools ? `${record.label} · native tools` : record.label;
}

/**
 * What to tell a user whose browser has no usable WebGPU.
 * @param {GpuInfo} gpu
 */
export function noGpuAdvice(gpu) {
  return (
    `${gpu.error ?? "WebGPU is not available."} ` +
    `This app runs the model on your GPU through WebGPU. Use ${WEBGPU_BROWSERS}; ` +
    "turn on hardware acceleration in the browser's settings; on Linux, Chrome may need " +
    "chrome://flags/#enable-unsafe-webgpu and chrome://flags/#enable-vulkan. " +
    "Your saved conversation stays readable meanwhile."
  );
}
