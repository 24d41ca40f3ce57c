/**
 * The bytes of WebLLM's emscripten modules (`xgrammar.wasm`, `tokenizers.wasm`)
 * in the wheel's engine, which js/webllm-bundling.mjs takes out of WebLLM's
 * bundle: WebLLM's loaders ask here when they first instantiate one (a model's
 * load), where the bundle would otherwise carry them as base64 text that V8
 * scans at every start of the worker.
 *
 * Where they are: a worker started from a `blob:` URL can resolve nothing
 * relative, so its URL's fragment names a URL for each
 * (`#xgrammar.wasm=blob:...&tokenizers.wasm=blob:...`, self_start.py); an
 * engine served from a file (`worker_url`) finds them next to that file.
 * The wheel's stay gzipped until they are fetched here, so that starting the
 * engine never waits on inflating them; this inflates what starts as gzip.
 */

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * @param {string} name the module's file name
 * @param {string} [script] the engine script's URL (this module is bundled into it)
 * @returns {Promise<Uint8Array>}
 */
export async function wasmBytes(name, script = import.meta.url) {
  const named = new URLSearchParams(globalThis.location?.hash.slice(1) ?? "").get(name);
  const url = named ?? beside(name, script);
  /** @type {Response} */
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`WebLLM's ${name} could not be fetched from ${url}: ${error}`, { cause: error });
  }
  if (!response.ok) {
    const advice = named ? "" : `: serve ${name} next to the engine's script`;
    throw new Error(`WebLLM's ${name} could not be fetched from ${url} (HTTP ${response.status})${advice}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

/**
 * @param {string} name
 * @param {string} script
 */
function beside(name, script) {
  if (URL.canParse(name, script)) return new URL(name, script).href;
  // A blob: script (a wheel whose files are not all there) has no "beside".
  throw new Error(`WebLLM's ${name} has no URL: the engine's script ${script.split("#")[0]} names none, and nothing can be beside it`);
}
