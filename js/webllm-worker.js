/**
 * The production worker: WebLLM's own engine behind WebLLM's own worker
 * protocol, which the bridge's page-side client (`WebWorkerMLCEngine`) speaks.
 * Start it with `new Worker(url, {type: "module"})`.
 */
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { serveEngine } from "./engine-server.js";

serveEngine(new WebWorkerMLCEngineHandler());
