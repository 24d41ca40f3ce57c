/**
 * Bundles the bridge and the workers for the browser: `node js/build.mjs [outdir]`
 * (default build/web), with the settings in bundle-options.mjs. Serve the
 * whole directory.
 */
import { build } from "esbuild";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_OPTIONS } from "./bundle-options.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, "build", "web"));

// Chunk names change with their content; old ones would pile up.
await rm(path.join(outdir, "chunks"), { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: [
    "js/bridge.js",
    "js/gateway-page.js",
    "js/webllm-worker.js",
    "js/testing/scripted-worker.js",
    "js/testing/tiny-model.js",
  ],
  outbase: "js",
  outdir,
  ...BUNDLE_OPTIONS,
  metafile: true,
});

for (const file of Object.keys(result.metafile.outputs).filter((name) => name.endsWith(".js"))) {
  const absolute = path.resolve(root, file);
  const { size } = await stat(absolute);
  const shown = size >= 1 << 20 ? `${(size / (1 << 20)).toFixed(2)} MiB` : `${(size / 1024).toFixed(1)} KiB`;
  console.log(`${path.relative(process.cwd(), absolute).padEnd(48)} ${shown.padStart(10)}`);
}
