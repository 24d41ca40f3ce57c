/**
 * Offline support: after the first visit the app, Pyodide, the provider wheel
 * and the WebLLM bundles come from this cache when the network does not
 * answer. (The model weights are cached by WebLLM itself, in its own Cache
 * Storage entries, which this worker never touches.)
 *
 * Network first, cache second, for same-origin GETs only: online, a rebuilt
 * app is picked up on the next reload; offline, the last copy is served.
 * The page posts the URLs it loaded before this worker was in control
 * ({type: "cache", urls}), so the first visit is cached completely.
 */

const CACHE = "webllm-chat-app-v1";

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

// The shell, relative to this worker's scope. Names that change with each
// build (the wheel, the bundle chunks) are sent by the page.
const SHELL = [
  "./",
  "index.html",
  "app.js", // the bundle: markdown.js, models.js and store.js are in it
  "style.css",
  "agent/__init__.py",
  "agent/events.py",
  "agent/session.py",
  "agent/tools.py",
  "agent/page.py",
  "pyodide.mjs",
  "pyodide.asm.mjs",
  "pyodide.asm.wasm",
  "python_stdlib.zip",
  "pyodide-lock.json",
  "webllm/bridge.js",
  "webllm/python-launcher.js",
  "webllm/python-worker.js",
  "webllm/webllm-worker.js",
];

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One missing file must not stop the rest from being cached.
      await Promise.all(SHELL.map((path) => cache.add(new URL(path, sw.registration.scope)).catch(() => {})));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("webllm-chat-app-") && name !== CACHE) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener("message", (event) => {
  const { type, urls } = event.data ?? {};
  if (type !== "cache" || !Array.isArray(urls)) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const url of new Set(urls)) {
        if (typeof url !== "string" || new URL(url).origin !== sw.location.origin) continue;
        if (await cache.match(url)) continue;
        await cache.add(url).catch(() => {});
      }
    })(),
  );
});

sw.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET" || new URL(request.url).origin !== sw.location.origin) return;
  if (request.headers.has("range")) return;
  event.respondWith(networkFirst(request));
});

/** @param {Request} request */
async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      cache.put(request, response.clone()).catch(() => {});
    }
    return response;
  } catch (error) {
    const cached =
      (await cache.match(request)) ??
      (request.mode === "navigate" ? await cache.match(request, { ignoreSearch: true }) : undefined) ??
      (request.mode === "navigate" ? await cache.match(new URL("./", sw.registration.scope)) : undefined);
    if (cached) return cached;
    throw error;
  }
}
