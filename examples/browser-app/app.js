/**
 * The chat page: a Python agent (Pyodide, `agent/`) talking to WebLLM (a Web
 * Worker) through webllm-provider.
 *
 * Start-up runs three things at once, so the page is useful at every moment:
 *   1. the saved conversation is read from IndexedDB and shown (readable at once);
 *   2. Pyodide boots, installs the webllm-provider wheel (listed in
 *      pyodide-lock.json, checked by sha256) and the agent's .py files;
 *   3. the bridge starts the worker, reads WebLLM's catalog and the GPU, and
 *      loads the model, with a progress bar.
 * Sending is enabled when 2 and 3 are done.
 *
 * Nothing the model or a tool says is parsed as HTML: replies go through
 * markdown.js, which builds DOM nodes from text, everything else is textContent.
 *
 * Python runs in a worker of its own (webllm/python-launcher.js), so the page
 * stays responsive while Pyodide boots and the agent works; the page renders
 * the session's events and calls `agent.page` by name. `?python=main` runs it
 * on the page instead. The model runs in a dedicated worker, or, when chosen
 * in the settings (or `?engine-host=shared`), in one worker shared by every
 * tab, which keeps the model loaded across reloads.
 *
 * Test modes, which expose `window.app`: `?engine=scripted` runs the test
 * worker (a scripted engine behind WebLLM's real worker handler), which
 * `app.control({action, ...})` steers; `?test` exposes it on WebLLM's real
 * engine. `?model=<id>` picks the first model.
 *
 * The catalog is WebLLM's, plus the models the page serves itself: build/dist's
 * models/ holds the tiny model of tests/fixtures/tiny-model and the AppConfig
 * that describes it. The picker offers it as the offline demo model, and when
 * a model cannot be downloaded (no network) the page says so and offers it.
 */

import { addModels, resolveModelUrls } from "../../js/app-config.js";
import { renderMarkdown } from "./markdown.js";
import { SESSION_EVENTS, STREAM_BLOCK_DELTA } from "./events.js";
import {
  DEMO_MODEL_NOTE,
  OFFLINE_OFFER,
  VRAM_BUDGET_MB,
  chooseModel,
  formatMB,
  modelLabel,
  noGpuAdvice,
  pickerModels,
} from "./models.js";
import { clearConversation, loadConversation, saveConversation } from "./store.js";

const BASE = new URL("./", import.meta.url);
const params = new URLSearchParams(location.search);
const SCRIPTED = params.get("engine") === "scripted";
const TEST_MODE = SCRIPTED || params.has("test");
const WORKER_URL = new URL(SCRIPTED ? "webllm/testing/scripted-worker.js" : "webllm/webllm-worker.js", BASE);
// The scripted engine's control channel (webllm/testing/control.js) reaches it
// through a Python worker that relays it; the real Python worker does not.
const PYTHON_WORKER_URL = SCRIPTED ? new URL("webllm/testing/scripted-python-worker.js", BASE) : undefined;
const CONTROL_URL = new URL("webllm/testing/control.js", BASE);
// The models this page serves itself (the AppConfig's URLs are relative to its folder).
const DEMO_MODELS_URL = new URL("models/app-config.json", BASE);
const AGENT_FILES = ["agent/__init__.py", "agent/events.py", "agent/session.py", "agent/tools.py", "agent/page.py"];
const AGENT_DIR = "/home/pyodide/app"; // put on sys.path; the package is /home/pyodide/app/agent
const PREFS = { theme: "app:theme", model: "app:model", engineHost: "app:engine-host" };
const PYTHON_PLACEMENT = params.get("python") === "main" ? "main" : "worker";
const ENGINE_HOST = (params.get("engine-host") ?? localStorage.getItem(PREFS.engineHost)) === "shared" ? "shared" : "dedicated";

/** @type {Record<string, number>} milliseconds since navigation start, for the curious (and the tests) */
const timings = {};
const mark = (/** @type {string} */ name) => {
  timings[name] = Math.round(performance.now());
};

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  status: $("status"),
  statusText: $("status-text"),
  statusPercent: $("status-percent"),
  progress: /** @type {HTMLProgressElement} */ ($("progress")),
  modelNote: $("model-note"),
  statusActions: $("status-actions"),
  retry: /** @type {HTMLButtonElement} */ ($("retry-button")),
  demo: /** @type {HTMLButtonElement} */ ($("demo-button")),
  select: /** @type {HTMLSelectElement} */ ($("model-select")),
  settings: $("settings"),
  settingsButton: $("settings-button"),
  themeButton: $("theme-button"),
  systemPrompt: /** @type {HTMLTextAreaElement} */ ($("system-prompt")),
  toolsToggle: /** @type {HTMLInputElement} */ ($("tools-toggle")),
  exportButton: /** @type {HTMLButtonElement} */ ($("export-button")),
  clearButton: /** @type {HTMLButtonElement} */ ($("clear-button")),
  chat: $("chat"),
  empty: $("empty"),
  messages: $("messages"),
  composer: /** @type {HTMLFormElement} */ ($("composer")),
  prompt: /** @type {HTMLTextAreaElement} */ ($("prompt")),
  send: /** @type {HTMLButtonElement} */ ($("send-button")),
  stop: /** @type {HTMLButtonElement} */ ($("stop-button")),
  engineLabel: $("engine-label"),
  sharedEngineToggle: /** @type {HTMLInputElement} */ ($("shared-engine-toggle")),
};

/**
 * @typedef {{id: string, role: "user" | "assistant" | "tool", content: string,
 *   tool_calls?: {id: string, name: string, arguments: any}[], tool_call_id?: string,
 *   name?: string, thinking?: string, meta?: Record<string, any>}} ChatMessage
 */

const state = {
  /** @type {import("../../js/python-launcher.js").PythonHost | null} Python, once booted, with the session open */
  session: null,
  /** @type {import("../../js/python-launcher.js").EngineControls | null} */
  bridge: null,
  /** @type {import("./models.js").GpuInfo | null} */
  gpu: null,
  /** @type {import("./models.js").ModelRecord[]} */
  offers: [],
  /** @type {Set<string>} WebLLM's function-calling models */
  functionCalling: new Set(),
  /** @type {Set<string>} the offline demo models: served by this page, nothing to download */
  demoModels: new Set(),
  /** @type {string | null} the model loaded and ready */
  model: null,
  /** @type {string | null} the model being loaded, or that failed to load */
  wanted: null,
  loading: false,
  busy: false,
  /** @type {{name: string, message: string} | null} */
  loadError: null,
  /** @type {import("./store.js").SavedConversation | null} shown before Python could take it */
  saved: null,
  /** @type {Promise<import("../../js/python-launcher.js").PythonHost> | null} */
  python: null,
  systemPromptDefault: "",
  /** @type {string} what the GPU check found worth saying */
  gpuNote: "",
  /** @type {import("../../js/engine-link.js").Placed | null} where the engine runs (shared may fall back) */
  placed: null,
};

// ------------------------------------------------------------------ start-up


main().catch((error) => {
  console.error(error);
  showStatus(`The app failed to start: ${error?.name ?? "Error"}: ${error?.message ?? error}`, { error: true });
});

async function main() {
  mark("start");
  setupTheme();
  setupComposer();
  setupSettings();
  showEngineLabel();
  // 1. History first: readable while everything else loads.
  const history = showHistory();
  // 2. and 3., in parallel: Python boots (in its worker, off the main thread)
  // while the engine worker reads the catalog and loads the model.
  const { ready } = await startPythonAndEngine();
  const engine = startEngineAndLoad();
  const [python] = await Promise.all([ready, engine, history]);
  mark("pythonReady");
  await openSession(python);
  updateControls();
  if (state.model) showReady();
  if (TEST_MODE) exposeForTests();
  document.documentElement.dataset.appReady = "true";
  registerServiceWorker();
  console.info("start-up timings (ms since navigation):", timings);
}

function showEngineLabel() {
  ui.engineLabel.textContent = [
    SCRIPTED ? "Scripted engine (test mode)" : TEST_MODE ? "WebLLM (test mode)" : "WebLLM in your browser",
    ENGINE_HOST === "shared" ? "engine shared by all tabs" : "engine in this tab",
    PYTHON_PLACEMENT === "worker" ? "Python agent in a worker" : "Python agent on the page",
  ].join(" · ");
}

/** The saved conversation, shown unless a session already shows its own. */
function showHistory() {
  return loadConversation()
    .then((saved) => {
      state.saved = saved;
      if (saved && !state.session) renderConversation(saved.messages);
      if (saved?.system_prompt && !state.session) ui.systemPrompt.value = saved.system_prompt;
      mark("historyShown");
    })
    .catch((error) => console.warn("Could not read the saved conversation:", error));
}

/**
 * Starts Python and the engine worker; `ready` resolves once Python has booted
 * (state.bridge drives the engine meanwhile).
 */
async function startPythonAndEngine() {
  showStatus("Starting Python and the model worker…", { progress: 0 });
  // webllm/ is js/ bundled (js/build.mjs); the types come from the source.
  const [launcher, demo] = await Promise.all([
    /** @type {Promise<typeof import("../../js/python-launcher.js")>} */ (import(new URL("webllm/python-launcher.js", BASE).href)),
    demoModels(),
  ]);
  const { startPython, functionCallingModelIds, prebuiltAppConfig } = launcher;
  state.functionCalling = new Set(functionCallingModelIds);
  // WebLLM's catalog, and the demo model after it (an id WebLLM has, the Hermes alias, stays WebLLM's).
  const { appConfig, added } = addModels(prebuiltAppConfig, demo);
  state.demoModels = new Set(added);
  mark("bridgeImported");
  const started = startPython({
    placement: PYTHON_PLACEMENT,
    engine: ENGINE_HOST,
    indexURL: BASE.href,
    workerUrl: WORKER_URL,
    pythonWorkerUrl: PYTHON_WORKER_URL,
    packages: ["webllm-provider"], // listed in pyodide-lock.json with its sha256: installed offline
    files: await agentSources(),
    path: AGENT_DIR,
    appConfig,
    onEvent: onSessionEvent,
    onProgress,
  });
  state.bridge = started.bridge;
  void started.bridge.placed.then((placed) => {
    state.placed = placed;
    if (placed.note) ui.engineLabel.textContent = ui.engineLabel.textContent.replace("engine shared by all tabs", "engine in this tab");
  });
  state.python = started.ready;
  state.python.catch((error) => {
    showStatus(`Python could not start: ${error.name}: ${error.message}`, { error: true });
  });
  return { ready: started.ready };
}

/**
 * Opens the Python session with the saved conversation and the settings.
 * @param {import("../../js/python-launcher.js").PythonHost} python
 */
async function openSession(python) {
  const panel = await python.call(
    "agent.page.open_session",
    { ...modelSettings(state.model), tools_enabled: ui.toolsToggle.checked },
    state.saved ? JSON.stringify(state.saved) : null,
    localStorageItems(),
  );
  state.session = python;
  state.systemPromptDefault = panel.default_system_prompt;
  ui.systemPrompt.value = panel.system_prompt;
  mark("sessionReady");
}

/** @returns {Record<string, string>} what the tools may read (they write back through storage:* events) */
function localStorageItems() {
  try {
    return Object.fromEntries(Object.entries(localStorage));
  } catch {
    return {}; // storage disabled: the tools keep their data for this visit only
  }
}

/** The agent package's files, to be written into Python's file system. */
async function agentSources() {
  const entries = await Promise.all(
    AGENT_FILES.map(async (path) => {
      const response = await fetch(new URL(path, BASE));
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return [path, await response.text()];
    }),
  );
  return Object.fromEntries(entries);
}

/** The catalog and GPU check, the model picker, the first load. */
async function startEngineAndLoad() {
  if (!state.bridge) return;
  const { models, gpu } = await state.bridge.models();
  mark("catalogRead");
  state.gpu = gpu;
  if (!gpu.available) {
    showStatus("WebGPU is not available, so no model can run in this browser.", { error: true });
    ui.modelNote.textContent = noGpuAdvice(gpu);
    fillPicker(models, gpu, null);
    ui.select.disabled = true;
    return;
  }
  const { offers, hidden } = pickerModels(models);
  state.offers = offers;
  const requested = params.get("model");
  const first = requested && offers.some((o) => o.model_id === requested)
    ? requested
    : chooseModel(offers, localStorage.getItem(PREFS.model));
  fillPicker(models, gpu, first);
  const notes = [];
  if (gpu.fallback) {
    notes.push(`Software WebGPU adapter (${gpu.architecture || gpu.vendor || "CPU"}): models run on the CPU, slowly.`);
  }
  for (const [feature, count] of hidden) {
    notes.push(`${count} models are hidden: they need ${feature}, which this GPU lacks.`);
  }
  state.gpuNote = notes.join(" ");
  if (!first) {
    showStatus("No model in WebLLM's catalog fits this GPU's limits.", { error: true });
    ui.modelNote.textContent = state.gpuNote;
    return;
  }
  await loadModel(first);
}


/**
 * The models this page serves itself (build/dist's models/: the tiny model), as
 * WebLLM model records; none when it serves none.
 * @returns {Promise<{model_id: string}[]>}
 */
async function demoModels() {
  try {
    const response = await fetch(DEMO_MODELS_URL);
    if (!response.ok) throw new Error(`${DEMO_MODELS_URL.pathname}: HTTP ${response.status}`);
    return resolveModelUrls(await response.json(), new URL("./", DEMO_MODELS_URL)).model_list;
  } catch (error) {
    console.warn("No offline demo model:", error);
    return [];
  }
}

/**
 * The session's settings for a model: Python knows what the demo model gets (agent/page.py's
 * MODEL_KINDS). No nulls inside: Pyodide would hand them to Python as `jsnull`, not None.
 * @param {string | null} modelId
 */
function modelSettings(modelId) {
  return { ...(modelId !== null && { model: modelId }), demo_model: modelId !== null && state.demoModels.has(modelId) };
}

/** The offline demo model to offer, if the page has one. */
function demoModel() {
  return state.demoModels.values().next().value ?? null;
}

/** @param {string} modelId */
async function loadModel(modelId) {
  const bridge = state.bridge;
  if (!bridge) return;
  state.wanted = modelId;
  state.model = null;
  state.loading = true;
  state.loadError = null;
  ui.select.value = modelId;
  updateControls();
  const offer = state.offers.find((o) => o.model_id === modelId);
  ui.modelNote.textContent = [
    state.demoModels.has(modelId)
      ? DEMO_MODEL_NOTE
      : offer?.vram_required_MB
        ? `${modelId} needs about ${formatMB(offer.vram_required_MB)} of GPU memory. ` +
          "The first load downloads it; later loads come from the browser's cache."
        : "",
    offer && !offer.fits ? `It may not run here: it ${offer.unfit_reason}.` : "",
    state.gpuNote ?? "",
  ].filter(Boolean).join(" ");
  showStatus(`Loading ${modelId}…`, { progress: 0 });
  const started = performance.now();
  try {
    await bridge.load(modelId);
  } catch (error) {
    if (state.wanted !== modelId) return; // the user picked another model meanwhile
    state.loading = false;
    state.loadError = error instanceof Error ? { name: error.name, message: error.message } : { name: "Error", message: String(error) };
    mark("modelFailed");
    console.warn(`Loading ${modelId} failed:`, error);
    showStatus(`Could not load ${modelId}: ${state.loadError.name}: ${state.loadError.message}`, { error: true, retry: true });
    describeLoadError();
    updateControls();
    return;
  }
  if (state.wanted !== modelId) return;
  state.loading = false;
  state.model = modelId;
  mark("modelLoaded");
  timings.modelLoadMs = Math.round(performance.now() - started);
  try {
    localStorage.setItem(PREFS.model, modelId);
  } catch {
    // storage disabled: the choice is simply not remembered
  }
  if (state.session) void state.session.call("agent.page.configure", modelSettings(modelId));
  showReady();
  updateControls();
}

/**
 * Once Python runs, say the load failure in the provider's words (what happened
 * and what to do). When the network failed it, no other download would work
 * either: offer the demo model, which needs none.
 */
function describeLoadError() {
  const failure = state.loadError;
  if (!failure || !state.python) return;
  state.python
    .then((python) => python.call("agent.page.describe_error", failure.name, failure.message))
    .then(({ message, network }) => {
      if (state.loadError !== failure) return;
      const demo = network && demoModel() !== null && !state.demoModels.has(state.wanted ?? "");
      showStatus(`Could not load ${state.wanted}. ${message}`, { error: true, retry: true, demo });
      if (demo) ui.modelNote.textContent = OFFLINE_OFFER;
    }, () => {});
}

function showReady() {
  const gpu = state.gpu;
  const device = gpu ? [gpu.vendor, gpu.architecture].filter(Boolean).join(" ") || "GPU" : "";
  if (!state.session) {
    showStatus(`${state.model} is loaded; Python is still starting…`, { progress: 100 });
    return;
  }
  // A shared engine that could not run here says so: the tab's own engine serves instead.
  const host = state.placed?.note ? ` · engine in this tab: ${state.placed.note}` : ENGINE_HOST === "shared" ? " · shared engine" : "";
  const mode = `${SCRIPTED ? " · scripted" : ""}${state.demoModels.has(state.model ?? "") ? " · offline demo model" : ""}`;
  showStatus(`Ready · ${state.model}${device ? ` · ${device}` : ""}${host}${mode}`, { ready: true });
}

/** @param {{progress: number, text: string}} report WebLLM's InitProgressReport */
function onProgress(report) {
  if (!state.loading && !state.busy) return;
  const percent = Math.max(0, Math.min(100, Math.round(report.progress * 100)));
  showStatus(report.text || `Loading ${state.wanted}…`, { progress: percent });
}

/**
 * @param {string} text
 * @param {{progress?: number, error?: boolean, retry?: boolean, demo?: boolean, ready?: boolean}} [options]
 *   retry: offer to load the model again; demo: offer the offline demo model
 */
function showStatus(text, { progress, error = false, retry = false, demo = false, ready = false } = {}) {
  ui.statusText.textContent = text;
  ui.status.dataset.state = error ? "error" : ready ? "ready" : "loading";
  const showBar = progress !== undefined && !error && !ready;
  ui.progress.hidden = !showBar;
  ui.statusPercent.textContent = showBar ? `${progress}%` : "";
  if (showBar) ui.progress.value = /** @type {number} */ (progress);
  ui.retry.hidden = !retry;
  ui.demo.hidden = !demo;
  ui.statusActions.hidden = !retry && !demo;
}

// --------------------------------------------------------------- model picker

/**
 * @param {import("./models.js").ModelRecord[]} records
 * @param {import("./models.js").GpuInfo} gpu
 * @param {string | null} selected
 */
function fillPicker(records, gpu, selected) {
  const downloads = state.offers.filter((o) => !state.demoModels.has(o.model_id));
  const groups = [
    { label: "Suggested for this device", offers: downloads.filter((o) => o.fits && !o.large) },
    { label: "Offline demo (no download)", offers: state.offers.filter((o) => state.demoModels.has(o.model_id)) },
    { label: `Large (over ${formatMB(VRAM_BUDGET_MB)} of GPU memory)`, offers: downloads.filter((o) => o.fits && o.large) },
    { label: "Beyond this GPU's limits", offers: downloads.filter((o) => !o.fits) },
  ];
  const nodes = [];
  for (const group of groups) {
    if (!group.offers.length) continue;
    const optgroup = document.createElement("optgroup");
    optgroup.label = group.label;
    for (const record of group.offers) {
      const option = document.createElement("option");
      option.value = record.model_id;
      option.textContent =
        (record.fits ? "" : "⚠ ") +
        modelLabel(record, { nativeTools: state.functionCalling.has(record.model_id), demo: state.demoModels.has(record.model_id) });
      option.title = record.model_id;
      optgroup.append(option);
    }
    nodes.push(optgroup);
  }
  if (!nodes.length) {
    const option = document.createElement("option");
    option.textContent = gpu.available ? "No model fits this GPU" : "No WebGPU: no models";
    nodes.push(option);
  }
  ui.select.replaceChildren(...nodes);
  if (selected) ui.select.value = selected;
  ui.select.disabled = !gpu.available;
  ui.select.title = `${records.length} models in the catalog; ${state.offers.length} can run on this GPU`;
}

ui.select.addEventListener("change", () => {
  const id = ui.select.value;
  if (id && id !== state.model && !state.busy) loadModel(id);
});
ui.retry.addEventListener("click", () => {
  if (state.wanted) loadModel(state.wanted);
});
ui.demo.addEventListener("click", () => {
  const demo = demoModel();
  if (demo && !state.busy) loadModel(demo);
});

// ---------------------------------------------------------------- chatting

function setupComposer() {
  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  ui.prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  ui.prompt.addEventListener("input", autosize);
  ui.stop.addEventListener("click", stop);
}

function autosize() {
  ui.prompt.style.height = "auto";
  ui.prompt.style.height = `${Math.min(ui.prompt.scrollHeight, 200)}px`;
}

function canSend() {
  return Boolean(state.session && state.model && !state.busy && !state.loading);
}

function updateControls() {
  const ready = canSend();
  ui.send.disabled = !ready || !ui.prompt.value.trim();
  ui.send.hidden = state.busy;
  ui.stop.hidden = !state.busy;
  ui.send.textContent = state.loading ? "Loading…" : "Send";
  ui.select.disabled = state.busy || !state.gpu?.available;
  ui.clearButton.disabled = state.busy;
}
ui.prompt.addEventListener("input", updateControls);

async function send() {
  const text = ui.prompt.value.trim();
  const python = state.session;
  if (!text || !python || !canSend()) return;
  ui.prompt.value = "";
  autosize();
  state.busy = true;
  updateControls();
  try {
    await python.call("agent.page.send", text);
  } catch (error) {
    console.error("The agent turn failed:", error);
  } finally {
    state.busy = false;
    updateControls();
    if (state.model) showReady();
    persist();
    ui.prompt.focus();
  }
}

function stop() {
  state.session?.call("agent.page.stop").then((stopped) => {
    if (stopped) ui.stop.disabled = true;
    setTimeout(() => (ui.stop.disabled = false), 500);
  });
}

function persist() {
  if (!state.session) return;
  state.session
    .call("agent.page.export_json")
    .then(saveConversation)
    .catch((error) => console.warn("Could not save the conversation:", error));
}

/**
 * The reply being streamed: its bubble, and the text of each kind of block so far.
 * @type {{id: string, element: HTMLElement, body: HTMLElement, text: string, thinking: HTMLElement | null, queued: boolean} | null}
 */
let live = null;

/**
 * Everything the Python session does arrives here (see agent/session.py); the
 * reply's text comes as the provider's llm:stream_block_* events, the same
 * events an Amplifier UI renders.
 * @param {string} name
 * @param {string} json
 */
function onSessionEvent(name, json) {
  const data = JSON.parse(json);
  switch (name) {
    case SESSION_EVENTS.promptSubmit:
      appendMessage(data.message);
      persist();
      break;
    case SESSION_EVENTS.assistantStart:
      startReply(data.id);
      break;
    case STREAM_BLOCK_DELTA:
      if (live) showDelta(live, data.block_type, data.text);
      break;
    case SESSION_EVENTS.assistantEnd:
      endReply(data.message);
      break;
    case SESSION_EVENTS.toolPre:
      toolCard(data.message_id, data.id, data.name, data.arguments).dataset.state = "running";
      break;
    case SESSION_EVENTS.toolPost:
      fillToolResult(toolCard(data.message_id, data.id, data.name, undefined), data.ok, data.output, data.duration_ms);
      persist();
      break;
    case SESSION_EVENTS.storageSet:
    case SESSION_EVENTS.storageRemove:
      applyStorageChange(name, data);
      break;
    case SESSION_EVENTS.sessionError:
      console.warn("The reply failed:", data);
      break;
    default:
      break; // llm:request, llm:response, the other llm:stream_* events, session:end: not shown
  }
  updateEmpty();
}

/** @param {string} id the reply's message id */
function startReply(id) {
  const element = messageElement({ id, role: "assistant", content: "", meta: {} }, { streaming: true });
  ui.messages.append(element);
  live = { id, element, body: /** @type {HTMLElement} */ (element.querySelector(".body")), text: "", thinking: null, queued: false };
  scrollToEnd(true);
}

/**
 * @param {NonNullable<typeof live>} reply
 * @param {string} blockType
 * @param {string} text
 */
function showDelta(reply, blockType, text) {
  if (blockType === "thinking") {
    reply.thinking ??= thinkingElement(reply.element, "", true);
    reply.thinking.append(text); // a text node: model output is never HTML
    return;
  }
  if (blockType !== "text") return;
  reply.text += text;
  if (reply.queued) return;
  // At most one render per frame, however fast the tokens come.
  reply.queued = true;
  requestAnimationFrame(() => {
    reply.queued = false;
    renderMarkdown(reply.body, reply.text);
    scrollToEnd();
  });
}

/** @param {ChatMessage} message the finished (or stopped, or failed) reply */
function endReply(message) {
  const reply = live?.id === message.id ? live : null;
  live = null;
  const element = messageElement(message);
  if (reply) reply.element.replaceWith(element);
  else ui.messages.append(element);
  if (!hasSomethingToShow(message)) element.remove();
  persist();
  scrollToEnd();
}

/**
 * A tool's change to the page's storage (a Python worker has none of its own).
 * @param {string} name SESSION_EVENTS.storageSet or storageRemove
 * @param {{key: string, value?: string}} data
 */
function applyStorageChange(name, data) {
  try {
    if (name === SESSION_EVENTS.storageSet) localStorage.setItem(data.key, /** @type {string} */ (data.value));
    else localStorage.removeItem(data.key);
  } catch (error) {
    console.warn("The browser's storage refused a tool's change:", error);
  }
}

/** @param {ChatMessage} message */
function hasSomethingToShow(message) {
  return Boolean(message.content || message.tool_calls?.length || message.meta?.error || message.meta?.stopped);
}

// ------------------------------------------------------------------ rendering

/** @param {ChatMessage[]} messages */
function renderConversation(messages) {
  ui.messages.replaceChildren();
  for (const message of messages) appendMessage(message);
  updateEmpty();
  scrollToEnd(true);
}

/** @param {ChatMessage} message */
function appendMessage(message) {
  if (message.role === "tool") {
    // A tool result belongs to the card of the call it answers.
    const owner = ui.messages.querySelector(`[data-call-id="${CSS.escape(message.tool_call_id ?? "")}"]`);
    if (owner) {
      const ok = message.meta?.ok !== false;
      let output = message.content;
      try {
        output = ok ? JSON.parse(message.content) : { error: message.content.replace(/^Error: /, "") };
      } catch {
        // shown as the text it is
      }
      fillToolResult(/** @type {HTMLElement} */ (owner), ok, output, undefined);
    }
    return;
  }
  ui.messages.append(messageElement(message));
}

/**
 * @param {ChatMessage} message
 * @param {{streaming?: boolean}} [options] a reply still being generated
 * @returns {HTMLElement}
 */
function messageElement(message, { streaming = false } = {}) {
  const li = document.createElement("li");
  li.className = `message ${message.role}`;
  if (streaming) li.classList.add("streaming");
  li.dataset.id = message.id;
  const body = li.appendChild(document.createElement("div"));
  body.className = "body";
  if (message.role === "user") {
    body.textContent = message.content; // the user's own text, shown exactly as typed
    return li;
  }
  if (message.thinking) thinkingElement(li, message.thinking, false);
  if (message.content) renderMarkdown(body, message.content);
  else body.hidden = !streaming; // a reply of tool calls only has no text
  const tools = li.appendChild(document.createElement("div"));
  tools.className = "tools";
  for (const call of message.tool_calls ?? []) tools.append(newToolCard(call.id, call.name, call.arguments));
  const meta = message.meta ?? {};
  if (meta.error) {
    const box = li.appendChild(document.createElement("div"));
    box.className = "error-box";
    box.setAttribute("role", "alert");
    box.textContent = meta.error.message;
  }
  const footer = li.appendChild(document.createElement("div"));
  footer.className = "meta";
  if (meta.stopped) {
    li.classList.add("stopped");
    const badge = footer.appendChild(document.createElement("span"));
    badge.className = "badge";
    badge.textContent = "stopped";
  }
  const metrics = metricsText(meta);
  if (metrics) {
    const span = footer.appendChild(document.createElement("span"));
    span.className = "metrics";
    span.textContent = metrics;
    span.title = "time to first token · decoding speed · prompt / generated tokens · total time";
  }
  if (streaming) {
    const working = footer.appendChild(document.createElement("span"));
    working.className = "working";
    working.textContent = "generating…";
  }
  if (meta.model) {
    const model = footer.appendChild(document.createElement("span"));
    model.className = "model";
    model.textContent = String(meta.model).replace(/-MLC$/, "");
  }
  if (!footer.childElementCount) footer.remove();
  return li;
}

/**
 * A reasoning model's thinking, folded away above its answer; returns the element its text goes in.
 * @param {HTMLElement} messageLi
 * @param {string} text
 * @param {boolean} open
 */
function thinkingElement(messageLi, text, open) {
  const details = document.createElement("details");
  details.className = "thinking";
  details.open = open;
  details.append(Object.assign(document.createElement("summary"), { textContent: "Thinking" }));
  const content = details.appendChild(document.createElement("div"));
  content.textContent = text;
  messageLi.insertBefore(details, messageLi.querySelector(".body"));
  return content;
}

/** @param {Record<string, any>} meta */
function metricsText(meta) {
  const parts = [];
  if (meta.ttft_s != null) parts.push(`TTFT ${fmt(meta.ttft_s)} s`);
  if (meta.decode_tokens_per_s != null) parts.push(`${fmt(meta.decode_tokens_per_s)} tok/s`);
  if (meta.input_tokens != null) parts.push(`${meta.input_tokens} in / ${meta.output_tokens} out`);
  if (meta.elapsed_s != null && parts.length) parts.push(`${fmt(meta.elapsed_s)} s`);
  return parts.join(" · ");
}

/** @param {number} value */
function fmt(value) {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * @param {string} callId
 * @param {string} name
 * @param {any} args
 */
function newToolCard(callId, name, args) {
  const card = document.createElement("details");
  card.className = "tool-card";
  card.dataset.callId = callId;
  card.dataset.state = "pending";
  const summary = card.appendChild(document.createElement("summary"));
  const title = summary.appendChild(document.createElement("span"));
  title.className = "tool-name";
  title.textContent = name;
  const argsLine = summary.appendChild(document.createElement("code"));
  argsLine.className = "tool-args";
  argsLine.textContent = compactJson(args);
  const result = summary.appendChild(document.createElement("span"));
  result.className = "tool-result";
  result.textContent = "…";
  const detail = card.appendChild(document.createElement("div"));
  detail.className = "tool-detail";
  const argsPre = detail.appendChild(document.createElement("pre"));
  argsPre.className = "tool-args-full";
  argsPre.textContent = `arguments: ${JSON.stringify(args, null, 2)}`;
  const outPre = detail.appendChild(document.createElement("pre"));
  outPre.className = "tool-output";
  return card;
}

/**
 * The card for a call, made if the reply bubble does not have it yet.
 * @param {string} messageId
 * @param {string} callId
 * @param {string} name
 * @param {any} args
 */
function toolCard(messageId, callId, name, args) {
  const existing = ui.messages.querySelector(`[data-call-id="${CSS.escape(callId)}"]`);
  if (existing) return /** @type {HTMLElement} */ (existing);
  const card = newToolCard(callId, name, args ?? {});
  const owner = ui.messages.querySelector(`[data-id="${CSS.escape(messageId)}"] .tools`) ?? ui.messages;
  owner.append(card);
  return card;
}

/**
 * @param {HTMLElement} card
 * @param {boolean} ok
 * @param {any} output
 * @param {number | undefined} durationMs
 */
function fillToolResult(card, ok, output, durationMs) {
  card.dataset.state = ok ? "ok" : "error";
  const summary = /** @type {HTMLElement} */ (card.querySelector(".tool-result"));
  const shown = ok ? output : output?.error ?? output;
  summary.textContent = `${ok ? "→" : "✗"} ${compactJson(shown)}`;
  const full = /** @type {HTMLElement} */ (card.querySelector(".tool-output"));
  full.textContent = `${ok ? "result" : "error"}${durationMs != null ? ` (${durationMs} ms)` : ""}: ${
    typeof output === "string" ? output : JSON.stringify(output, null, 2)
  }`;
}

/** @param {any} value */
function compactJson(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function updateEmpty() {
  ui.empty.hidden = ui.messages.childElementCount > 0;
}

/** @param {boolean} [force] */
function scrollToEnd(force = false) {
  const chat = ui.chat;
  const nearEnd = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 120;
  if (force || nearEnd) chat.scrollTop = chat.scrollHeight;
}

// ------------------------------------------------------------------ settings

function setupSettings() {
  ui.settingsButton.addEventListener("click", () => {
    ui.settings.hidden = !ui.settings.hidden;
    ui.settingsButton.setAttribute("aria-expanded", String(!ui.settings.hidden));
  });
  ui.systemPrompt.addEventListener("change", () => {
    if (!state.session) return;
    void state.session.call("agent.page.configure", { system_prompt: ui.systemPrompt.value }).then(persist);
  });
  ui.toolsToggle.addEventListener("change", () => {
    if (state.session) void state.session.call("agent.page.configure", { tools_enabled: ui.toolsToggle.checked });
  });
  ui.sharedEngineToggle.checked = ENGINE_HOST === "shared";
  ui.sharedEngineToggle.addEventListener("change", () => {
    // Takes effect on the next load of the page: the engine is chosen at start-up.
    try {
      localStorage.setItem(PREFS.engineHost, ui.sharedEngineToggle.checked ? "shared" : "dedicated");
    } catch {
      // not remembered
    }
  });
  ui.exportButton.addEventListener("click", exportConversation);
  let armed = 0;
  ui.clearButton.addEventListener("click", () => {
    // Two clicks: a conversation is not lost to a stray one.
    if (Date.now() - armed > 4000) {
      armed = Date.now();
      ui.clearButton.textContent = "Click again to clear";
      setTimeout(() => (ui.clearButton.textContent = "Clear chat"), 4000);
      return;
    }
    armed = 0;
    ui.clearButton.textContent = "Clear chat";
    clearChat();
  });
}

function clearChat() {
  state.saved = null;
  void state.session?.call("agent.page.clear");
  live = null;
  ui.messages.replaceChildren();
  updateEmpty();
  clearConversation().catch((error) => console.warn("Could not clear the saved conversation:", error));
}

async function exportConversation() {
  const json = state.session
    ? await state.session.call("agent.page.export_json")
    : JSON.stringify(state.saved ?? { messages: [] });
  const data = { exported_at: new Date().toISOString(), ...JSON.parse(json) };
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = `chat-${data.exported_at.slice(0, 19).replace(/[:T]/g, "-")}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function setupTheme() {
  const saved = localStorage.getItem(PREFS.theme);
  if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
  ui.themeButton.addEventListener("click", () => {
    const current =
      document.documentElement.dataset.theme ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    const next = current === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(PREFS.theme, next);
    } catch {
      // not remembered
    }
  });
}

// ------------------------------------------------------------------ offline

function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || params.get("sw") === "0") return;
  navigator.serviceWorker
    .register(new URL("sw.js", BASE))
    .then(async () => {
      const registration = await navigator.serviceWorker.ready;
      // What this visit loaded before the worker was in control: cache it too.
      const fetchedByPython = (await state.session?.resources()) ?? [];
      const urls = [...performance.getEntriesByType("resource").map((entry) => entry.name), ...fetchedByPython].filter(
        (url) => url.startsWith(location.origin),
      );
      urls.push(location.href, WORKER_URL.href, ...AGENT_FILES.map((path) => new URL(path, BASE).href));
      if (PYTHON_WORKER_URL) urls.push(PYTHON_WORKER_URL.href, CONTROL_URL.href);
      registration.active?.postMessage({ type: "cache", urls });
    })
    .catch((error) => console.warn("No offline support (service worker):", error));
}

// -------------------------------------------------------------------- tests

function exposeForTests() {
  /** @type {any} */ (window).app = {
    bridge: state.bridge,
    /** Steers the scripted engine (`?engine=scripted`). @param {{action: string, [key: string]: unknown}} message */
    control: async (message) => {
      /** @type {typeof import("../../js/testing/control.js")} */
      const { control } = await import(CONTROL_URL.href);
      return control({ ready: state.python, bridge: state.bridge }, message);
    },
    python: state.session,
    state,
    timings,
  };
}

/** @type {any} */ (window).appTimings = timings;
