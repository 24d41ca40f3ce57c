/**
 * The scripted worker (scripted-worker.js), except that run as a SharedWorker
 * it has no WebGPU, as in browsers whose SharedWorkers lack it: the shared
 * engine must fall back to a dedicated one (tests/placements/test_shared_fallback.py).
 */
import "./scripted-worker.js";

if ("onconnect" in globalThis) Object.defineProperty(Object.getPrototypeOf(navigator), "gpu", { get: () => undefined });
