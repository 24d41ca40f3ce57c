/**
 * Bundles the benchmark's workers into build/bench/ (`node bench/build.mjs [outdir]`),
 * with the product's esbuild settings (js/bundle-options.mjs), and copies the benchmark's
 * page files next to them. bench/run.py serves build/bench/ under /bench/ and
 * build/dist/ (the product, with /webllm/bridge.js) everywhere else.
 */
import { build } from "esbuild";
import { cp, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_OPTIONS } from "../js/bundle-options.mjs";
import { webllmBundling } from "../js/webllm-bundling.mjs";

const STARTUP_PAGE = path.join("bench", "page", "startup.js");
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, "build", "bench"));

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["bench/workers/bench-worker.js", "bench/workers/guide-worker.js"],
  outbase: "bench/workers",
  outdir,
  ...BUNDLE_OPTIONS,
  // WebLLM's wasm beside the bundle, as in the wheel's engine, which the self-start mode stands for.
  plugins: [webllmBundling({ wasmApart: true })],
  metafile: true,
});
// WebLLM's own client, for the pages' js-webllm baseline (bench/webllm-client.js).
await build({
  absWorkingDir: root,
  entryPoints: ["bench/webllm-client.js"],
  outbase: "bench",
  outdir,
  ...BUNDLE_OPTIONS,
});
// The start-up page, which reads the bridge's protocol (js/protocol.js); it loads Pyodide and the
// product's bridge from the server, as an app would.
await build({
  absWorkingDir: root,
  entryPoints: [STARTUP_PAGE],
  outdir,
  ...BUNDLE_OPTIONS,
  external: ["/pyodide.mjs", "/webllm/*"],
});
await cp(path.join(root, "bench", "page"), outdir, {
  recursive: true,
  filter: (source) => path.relative(root, source) !== STARTUP_PAGE,
});
await cp(path.join(root, "bench", "pybench.py"), path.join(outdir, "pybench.py"));
// The real-engine benchmark's Python, and the conversation it shares with the tests.
await cp(path.join(root, "bench", "realbench.py"), path.join(outdir, "realbench.py"));
await cp(path.join(root, "tests", "browser", "pagetools.py"), path.join(outdir, "pagetools.py"));
