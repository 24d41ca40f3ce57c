/**
 * An esbuild plugin that lets a bundle leave out the parts of WebLLM it does
 * not use: a page or a Python realm that only drives an engine in a worker
 * (WebLLM's `WebWorkerMLCEngine`, the catalog) then carries about 60 KB of
 * WebLLM instead of its whole 6 MB, which the browser would otherwise parse
 * on the page's main thread during start-up (bench/README.md, start-up).
 *
 * WebLLM 0.2.86 ships one rollup-built module (lib/index.js) that embeds the
 * TVM runtime, the tokenizers and xgrammar as CommonJS wrappers, each
 * evaluated at the top level (`var libExports = requireLib();`). Those calls
 * only define their module's exports, but esbuild cannot know that and keeps
 * every one of them, with all they reach. Annotating them `@__PURE__` says
 * so: a bundle that uses their exports keeps them (the engine's worker), one
 * that does not drops them. Nothing else in the file changes.
 */
import { readFile } from "node:fs/promises";

const WEBLLM_MODULE = /[\\/]@mlc-ai[\\/]web-llm[\\/]lib[\\/]index\.js$/;
// `var loglevelExports = requireLoglevel();`, `var libExports$2 = requireLib$2();`, ...
const TOP_LEVEL_REQUIRE = /^(var [\w$]+ = )(require[\w$]*\(\);)$/gm;

/** @type {import("esbuild").Plugin} */
export const webllmTreeShaking = {
  name: "webllm-tree-shaking",
  setup(build) {
    build.onLoad({ filter: WEBLLM_MODULE }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      let annotated = 0;
      const contents = source.replace(TOP_LEVEL_REQUIRE, (_, assignment, call) => {
        annotated += 1;
        return `${assignment}/* @__PURE__ */ ${call}`;
      });
      // Another WebLLM version may be laid out otherwise: say so rather than bundle all of it silently.
      if (annotated === 0) throw new Error(`${path}: no top-level require calls found to mark pure; check its layout`);
      return { contents, loader: "js" };
    });
  },
};
