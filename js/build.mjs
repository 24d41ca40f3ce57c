/**
 * Bundles the bridge and the workers for the browser, and the example app
 * with the npm packages it imports: `node js/build.mjs [outdir] [appOutdir]
 * [packageOutdir]` (default build/web, build/app and build/package), with the
 * settings in bundle-options.mjs. tools/build_pyodide_dist.py serves the first
 * as /webllm/, puts the second in place of the app's own .js files, and puts
 * the third's webllm-bridge.js and webllm-provider.js in the wheel.
 */
import { build } from "esbuild";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_OPTIONS } from "./bundle-options.mjs";
import { webllmBundling } from "./webllm-bundling.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, "build", "web"));
const appOutdir = path.resolve(process.argv[3] ?? path.join(root, "build", "app"));
const packageOutdir = path.resolve(process.argv[4] ?? path.join(root, "build", "package"));

// Chunk names change with their content; old ones would pile up.
await rm(path.join(outdir, "chunks"), { recursive: true, force: true });
await rm(appOutdir, { recursive: true, force: true });

/**
 * @param {string} outbase
 * @param {string[]} entryPoints
 * @param {string} out
 * @param {import("esbuild").BuildOptions} [extra]
 */
async function bundle(outbase, entryPoints, out, extra = {}) {
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints,
    outbase,
    outdir: out,
    ...BUNDLE_OPTIONS,
    ...extra,
    metafile: true,
  });
  return Object.keys(metafile.outputs);
}

// The Markdown parser's browser build decodes "&name;" by assigning it to
// innerHTML; its other build looks names up in a table and parses no HTML.
const NO_HTML_PARSING = {
  alias: { "decode-named-character-reference": "./node_modules/decode-named-character-reference/index.js" },
};

/** @type {import("esbuild").BuildOptions} */
const PACKAGED = { splitting: false, minify: true, sourcemap: false, entryNames: "webllm-provider" };

const outputs = [
  // Two builds: esbuild splits chunks by whole modules, so WebLLM's (one module) would
  // otherwise be shared whole, engine included, with every page (webllm-bundling.mjs).
  // What drives an engine: pages, and the Python worker.
  ...(await bundle(
    "js",
    [
      "js/bridge.js",
      "js/python-launcher.js",
      "js/python-worker.js",
      "js/gateway-page.js",
      "js/testing/scripted-python-worker.js",
      "js/testing/control.js",
      "js/testing/tiny-model.js",
    ],
    outdir,
  )),
  // What runs one: the engine workers.
  ...(await bundle(
    "js",
    ["js/webllm-worker.js", "js/testing/scripted-worker.js", "js/testing/no-gpu-scripted-worker.js"],
    outdir,
  )),
  // The app's service worker too, so the app's scripts all come from one place.
  ...(await bundle("examples/browser-app", ["examples/browser-app/app.js", "examples/browser-app/sw.js"], appOutdir, NO_HTML_PARSING)),
  // The wheel's two files: the bridge Python imports (self-start.js) and its engine worker
  // (self-start-engine.js), each from a blob: URL, which can import nothing relative, so no chunks;
  // minified, as the wheel's size is mostly the engine. Built apart, so the bridge carries no engine.
  ...(await bundle("js", ["js/self-start.js"], packageOutdir, { ...PACKAGED, entryNames: "webllm-bridge" })),
  // Its two emscripten modules beside it as .wasm files, not inlined as base64 (webllm-bundling.mjs).
  ...(await bundle("js", ["js/self-start-engine.js"], packageOutdir, { ...PACKAGED, plugins: [webllmBundling({ wasmApart: true })] })),
];

for (const file of outputs.filter((name) => name.endsWith(".js"))) {
  const absolute = path.resolve(root, file);
  const { size } = await stat(absolute);
  const shown = size >= 1 << 20 ? `${(size / (1 << 20)).toFixed(2)} MiB` : `${(size / 1024).toFixed(1)} KiB`;
  console.log(`${path.relative(process.cwd(), absolute).padEnd(48)} ${shown.padStart(10)}`);
}
