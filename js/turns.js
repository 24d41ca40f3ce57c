/**
 * A shared engine's turns: first in, first out, across every client of the
 * engine, both halves of the protocol. A client asks for a turn with a
 * MessagePort (`{kind: WORKER_KINDS.turn}`); the engine answers
 * TURN_MESSAGES.granted on it when the turn comes, and the client answers
 * TURN_MESSAGES.release when its request is done (or is gone, see lifeline.js).
 */
import { namedError } from "./errors.js";
import { ERROR_NAMES, TURN_MESSAGES, WORKER_KINDS } from "./protocol.js";

/**
 * @typedef {object} Turn
 * @property {Promise<() => void>} granted resolves, in order, with the function that ends the turn;
 *   rejects if the link is closed first
 * @property {() => void} cancel gives the place up (a turn granted later ends at once)
 */

/**
 * Client side: a place in the engine's queue, taken now.
 * @param {{postMessage(message: any, transfer: Transferable[]): void}} port the engine's port
 * @param {Set<(error: Error) => void>} waiting the link's turns not granted yet (rejected when it closes)
 * @returns {Turn}
 */
export function requestTurn(port, waiting) {
  const channel = new MessageChannel();
  const end = () => {
    channel.port1.postMessage(TURN_MESSAGES.release);
    channel.port1.close();
  };
  let cancelled = false;
  /** @type {Promise<() => void>} */
  const granted = new Promise((resolve, reject) => {
    waiting.add(reject);
    channel.port1.onmessage = () => {
      waiting.delete(reject);
      if (cancelled) end();
      else resolve(end);
    };
    port.postMessage({ kind: WORKER_KINDS.turn }, [channel.port2]);
  });
  granted.catch(() => {}); // a closed link: the caller has its WorkerError already
  return { granted, cancel: () => void (cancelled = true) };
}

/**
 * Client side: rejects the turns a closing link still waits for.
 * @param {Set<(error: Error) => void>} waiting
 */
export function rejectWaiting(waiting) {
  for (const reject of waiting) reject(namedError(ERROR_NAMES.worker, "The engine link was closed."));
  waiting.clear();
}

/**
 * Engine side: the queue, across every client.
 * @template {object} Client
 */
export class TurnQueue {
  /** @type {{client: Client, port: MessagePort}[]} */
  #waiting = [];
  /** @type {{client: Client, port: MessagePort} | null} */
  #current = null;

  /**
   * @param {Client} client who asks (forget() drops all of its turns)
   * @param {MessagePort} port answered TURN_MESSAGES.granted; the client answers TURN_MESSAGES.release
   */
  request(client, port) {
    this.#waiting.push({ client, port });
    this.#next();
  }

  /**
   * Drops a client that is gone: its waiting turns, and its current one.
   * @param {Client} client
   */
  forget(client) {
    for (const turn of this.#waiting.filter((turn) => turn.client === client)) turn.port.close();
    this.#waiting = this.#waiting.filter((turn) => turn.client !== client);
    if (this.#current?.client === client) this.#end(this.#current);
  }

  #next() {
    if (this.#current) return;
    const turn = this.#waiting.shift();
    if (!turn) return;
    this.#current = turn;
    turn.port.onmessage = () => this.#end(turn);
    turn.port.postMessage(TURN_MESSAGES.granted);
  }

  /** @param {{client: Client, port: MessagePort}} turn */
  #end(turn) {
    if (this.#current !== turn) return;
    turn.port.close();
    this.#current = null;
    this.#next();
  }
}
