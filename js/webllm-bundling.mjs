/**
 * An esbuild plugin for WebLLM 0.2.86's one rollup-built module (lib/index.js),
 * which embeds the TVM runtime, the tokenizers and xgrammar as CommonJS
 * wrappers, each evaluated at the top level (`var libExports = requireLib();`).
 *
 * Tree shaking (every bundle): those calls only define their module's exports,
 * but esbuild cannot know that and keeps every one of them, with all they
 * reach. Annotating them `@__PURE__` says so: a bundle that uses their exports
 * keeps them (an engine's worker), one that does not drops them. A page or a
 * Python realm that only drives an engine in a worker (WebLLM's
 * `WebWorkerMLCEngine`, the catalog) then carries about 60 KB of WebLLM
 * instead of its whole 6 MB, which the browser would otherwise parse on the
 * page's main thread during start-up (bench/README.md, start-up).
 *
 * `wasmApart` (the wheel's engine): two of those modules, xgrammar's and the
 * tokenizers', are emscripten builds whose wasm is inlined as a base64 `data:`
 * URL, 5.6 MB of the engine's 6.2 MB. V8 scans that text whenever the worker
 * starts, though the modules are instantiated only when a model loads. The
 * plugin writes each as a file (`xgrammar.wasm`, `tokenizers.wasm`) next to
 * the output that holds js/webllm-wasm.js, and has WebLLM's loader ask that
 * module for the bytes at that point instead.
 */
import { Buffer } from "node:buffer";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const WEBLLM_MODULE = /[\\/]@mlc-ai[\\/]web-llm[\\/]lib[\\/]index\.js$/;
// xgrammar's own package (the scripted engine checks grammars with it), the same emscripten module.
const XGRAMMAR_MODULE = /[\\/]@mlc-ai[\\/]web-xgrammar[\\/]lib[\\/]index\.js$/;
// `var loglevelExports = requireLoglevel();`, `var libExports$2 = requireLib$2();`, ...
const TOP_LEVEL_REQUIRE = /^(var [\w$]+ = )(require[\w$]*\(\);)$/gm;
// Inside each emscripten factory (an async function): `wasmBinaryFile="data:...;base64,AGFzbQ...";`,
// and before it `var wasmBinary;if(Module["wasmBinary"])wasmBinary=Module["wasmBinary"];`, the bytes
// its getBinarySync returns instead of the data: URL's when the file name matches.
const INLINED_WASM = /wasmBinaryFile="data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/g;
// Each module's file, by a name only its bytes carry.
/** @type {Record<string, string>} */
const WASM_FILES = { "xgrammar.wasm": "GrammarCompiler", "tokenizers.wasm": "sentencepiece" };
const WASM_LOADER = fileURLToPath(new URL("./webllm-wasm.js", import.meta.url));

/**
 * @param {{wasmApart?: boolean}} [options]
 * @returns {import("esbuild").Plugin}
 */
export function webllmBundling({ wasmApart = false } = {}) {
  /** @type {Map<string, Buffer>} */
  const wasmFiles = new Map();
  return {
    name: "webllm-bundling",
    setup(build) {
      build.onLoad({ filter: WEBLLM_MODULE }, async ({ path: file }) => {
        const source = await readFile(file, "utf8");
        let annotated = 0;
        let contents = source.replace(TOP_LEVEL_REQUIRE, (_, assignment, call) => {
          annotated += 1;
          return `${assignment}/* @__PURE__ */ ${call}`;
        });
        // Another WebLLM version may be laid out otherwise: say so rather than bundle all of it silently.
        if (annotated === 0) throw new Error(`${file}: no top-level require calls found to mark pure; check its layout`);
        if (wasmApart) contents = takeWasmApart(file, contents, Object.keys(WASM_FILES), wasmFiles);
        return { contents, loader: "js" };
      });
      if (!wasmApart) return;
      build.onLoad({ filter: XGRAMMAR_MODULE }, async ({ path: file }) => ({
        contents: takeWasmApart(file, await readFile(file, "utf8"), ["xgrammar.wasm"], wasmFiles),
        loader: "js",
      }));
      build.onEnd(async ({ metafile, errors }) => {
        if (errors.length) return;
        if (!metafile) throw new Error("webllmBundling({wasmApart}) needs metafile: true, to find the loader's output");
        const root = build.initialOptions.absWorkingDir ?? process.cwd();
        // Beside the output that holds the loader: it looks for them next to its own URL.
        for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
          if (!Object.keys(inputs).some((input) => path.resolve(root, input) === WASM_LOADER)) continue;
          for (const [name, bytes] of wasmFiles) await writeFile(path.join(root, path.dirname(output), name), bytes);
        }
      });
    },
  };
}

/**
 * @param {string} file
 * @param {string} contents
 * @param {string[]} expected the modules ``file`` inlines
 * @param {Map<string, Buffer>} wasmFiles filled with each module's file name and bytes
 */
function takeWasmApart(file, contents, expected, wasmFiles) {
  const found = new Set();
  const rewritten = contents.replace(INLINED_WASM, (_, base64) => {
    const bytes = Buffer.from(base64, "base64");
    const names = expected.filter((name) => bytes.includes(WASM_FILES[name]));
    if (names.length !== 1) throw new Error(`${file}: an inlined wasm module that is not exactly one of ${expected}`);
    const [name] = names;
    // One file per name: xgrammar's package and WebLLM inline the same build.
    if (wasmFiles.has(name) && !wasmFiles.get(name)?.equals(bytes)) throw new Error(`${file}: a different ${name}`);
    wasmFiles.set(name, bytes);
    found.add(name);
    return `wasmBinaryFile=${JSON.stringify(name)};wasmBinary??=await webllmWasmBytes(${JSON.stringify(name)})`;
  });
  const missing = expected.filter((name) => !found.has(name));
  if (missing.length) throw new Error(`${file}: no inlined wasm found for ${missing}; check its layout`);
  return `import { wasmBytes as webllmWasmBytes } from ${JSON.stringify(WASM_LOADER)};\n${rewritten}`;
}
