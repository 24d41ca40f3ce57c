/**
 * The conversation, kept in IndexedDB so it survives reloads: one record, the
 * JSON the Python session exports (`Session.export_json()`), so the page can
 * show it before Python has even started.
 */

const DB_NAME = "webllm-chat";
const STORE = "conversations";
const KEY = "current";

/** @type {Promise<IDBDatabase> | null} */
let opened = null;

/** @returns {Promise<IDBDatabase>} */
function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("IndexedDB is blocked by another tab with an older version."));
  });
  return opened;
}

/**
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest<T>} action
 * @returns {Promise<T>}
 */
async function run(mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = action(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/**
 * @typedef {object} SavedConversation
 * @property {string} format
 * @property {string} system_prompt
 * @property {string | null} model
 * @property {any[]} messages
 */

/** @returns {Promise<SavedConversation | null>} */
export async function loadConversation() {
  const text = await run("readonly", (store) => store.get(KEY));
  if (typeof text !== "string") return null;
  try {
    const data = JSON.parse(text);
    return data && Array.isArray(data.messages) ? data : null;
  } catch {
    return null;
  }
}

/** Saves are queued, so a slow write never lands after a newer one. */
/** @type {Promise<unknown>} */
let last = Promise.resolve();

/** @param {string} json what `Session.export_json()` returned */
export function saveConversation(json) {
  last = last.then(
    () => run("readwrite", (store) => store.put(json, KEY)),
    () => run("readwrite", (store) => store.put(json, KEY)),
  );
  return last;
}

export function clearConversation() {
  last = last.then(
    () => run("readwrite", (store) => store.delete(KEY)),
    () => run("readwrite", (store) => store.delete(KEY)),
  );
  return last;
}
