/**
 * Every rejection that leaves the bridge is an `Error` whose `name` says what
 * went wrong (WebLLM's class name, one of the bridge's own, or the browser's)
 * and whose `message` is the original text, because Python maps errors by
 * `name`. Only Python maps: which typed error a name is, and the names of
 * browser errors that have no class of their own (a failed fetch), live in
 * webllm_provider/errors.py; here a rejection is only named faithfully.
 * See docs/bridge-protocol.md, "Errors".
 */

import { ERROR_NAMES } from "./protocol.js";

/**
 * @param {string} name
 * @param {string} message
 * @returns {Error}
 */
export function namedError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * WebLLM's error for a model that needs a GPU feature the adapter lacks
 * (ShaderF16SupportError and FeatureSupportError in WebLLM). The texts are
 * WebLLM's (tests/js/errors.test.js checks them against its source), except
 * that WebLLM 0.2.86's ShaderF16SupportError hands its text to
 * FeatureSupportError as the feature name, so its own message reads "This
 * model requires feature This model requires WebGPU extension shader-f16, …":
 * here it is the sentence it meant.
 * @param {string} feature
 */
export function featureMissing(feature) {
  return feature === "shader-f16"
    ? namedError(
        ERROR_NAMES.shaderF16,
        "This model requires WebGPU extension shader-f16, which is not enabled in this browser. " +
          'You can try to launch Chrome Canary in command line with flag "--enable-dawn-features=allow_unsafe_apis".',
      )
    : namedError(ERROR_NAMES.featureSupport, `This model requires feature ${feature}, which is not yet supported by this browser.`);
}

/**
 * WebLLM's error for a model id its app config lacks, word for word.
 * @param {string} modelId
 */
export function modelNotFound(modelId) {
  return namedError(
    ERROR_NAMES.modelNotFound,
    `Cannot find model record in appConfig for ${modelId}. Please check if the model ID is correct and included in the model_list configuration.`,
  );
}

// WebLLM's worker handler rejects with `err.toString()`, i.e. "Name: message"
// (or just "Name" when the message was empty); the name is an identifier.
const SERIALISED = /^([A-Za-z_$][\w$]*)(?:: ([\s\S]*))?$/;

/**
 * Turns whatever a WebLLM call rejected with into a named `Error`.
 *
 * @param {unknown} reason an Error, a serialised "Name: message" string, or anything else
 * @returns {Error}
 */
export function normaliseError(reason) {
  if (reason instanceof Error || isErrorLike(reason)) {
    const error = /** @type {{name?: unknown, message?: unknown}} */ (reason);
    const name = typeof error.name === "string" && error.name ? error.name : "Error";
    return namedError(name, typeof error.message === "string" ? error.message : String(error.message ?? ""));
  }
  if (typeof reason === "string") {
    const match = SERIALISED.exec(reason);
    return match ? namedError(match[1], match[2] ?? "") : namedError("Error", reason);
  }
  return namedError("Error", String(reason));
}

/**
 * DOMExceptions and errors from other realms are not `instanceof Error` here.
 * @param {unknown} value
 */
function isErrorLike(value) {
  return typeof value === "object" && value !== null && "name" in value && "message" in value;
}
