/**
 * The esbuild settings every browser bundle of this project uses (js/build.mjs
 * for the product, bench/build.mjs for the benchmark's workers), so what the
 * benchmark measures is built the way users get it.
 *
 * Plain ES modules with relative imports only: module workers cannot use
 * import maps, and a page should not need a bundler. Code splitting puts
 * what a page and its worker share in shared chunks, so they download it once;
 * WebLLM's engine (most of every worker's bundle) reaches only the workers
 * (webllm-bundling.mjs).
 */
import { webllmBundling } from "./webllm-bundling.mjs";

/** @type {import("esbuild").BuildOptions} */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "browser",
  target: "es2022",
  // Readable output: the size is WebLLM's, and minifying it saves little next
  // to model weights, while stack traces from the worker stay legible.
  minify: false,
  sourcemap: "linked",
  logLevel: "warning",
  // xgrammar's Emscripten loader (the scripted engine checks grammars with it)
  // names Node's own modules on a path only Node takes.
  external: ["module", "url"],
  plugins: [webllmBundling()],
};
