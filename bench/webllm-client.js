/**
 * WebLLM's own page-side client, bundled for the benchmark pages (bench/build.mjs):
 * the `js-webllm` baseline drives a worker of its own with it, as a WebLLM app
 * would, while the bridge under test drives another.
 */
export { WebWorkerMLCEngine } from "@mlc-ai/web-llm";
