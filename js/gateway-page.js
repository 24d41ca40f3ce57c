/**
 * The page the gateway serves at `/`: reads the token from the URL fragment
 * (never sent to a server), the worker and the custom models' AppConfig
 * (`--app-config`) from the page, and connects.
 * `globalThis.webllmGateway` is the connection, for the console.
 */
import { resolveModelUrls } from "./app-config.js";
import { connectTab } from "./gateway-tab.js";

const token = new URLSearchParams(location.hash.slice(1)).get("token");
const status = /** @type {HTMLOutputElement} */ (document.getElementById("status"));
const model = /** @type {HTMLOutputElement} */ (document.getElementById("model"));

if (!token) {
  status.textContent = "no token: open the URL the gateway printed (it ends with #token=...)";
} else {
  const connection = connectTab({
    socketUrl: new URL("/tab", location.href.replace(/^http/, "ws")),
    token,
    workerUrl: new URL(document.body.dataset.worker ?? "/web/webllm-worker.js", location.href),
    appConfig: appConfigOf(document.body.dataset),
    onStatus: (state, detail) => {
      status.textContent = state;
      if (state === "loading" || state === "connected" || state === "working") model.textContent = detail ?? "none loaded";
    },
  });
  Object.assign(globalThis, { webllmGateway: connection });
}

/**
 * The gateway's AppConfig with relative model and library URLs resolved
 * against the folder it serves them from; undefined: WebLLM's prebuilt catalog.
 * @param {DOMStringMap} data
 * @returns {{model_list: any[]} | undefined}
 */
function appConfigOf({ appConfig, models = "/models/" }) {
  return appConfig ? resolveModelUrls(JSON.parse(appConfig), new URL(models, location.href)) : undefined;
}
