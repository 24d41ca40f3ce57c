// js/turns.js: a shared engine's turns across clients, first in first out, over
// real MessagePorts, both halves (requestTurn, TurnQueue); a client that is gone gives its turn up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TurnQueue, rejectWaiting, requestTurn } from "../../js/turns.js";

/**
 * A shared engine's client, as far as the queue looks at it.
 * @param {string} name
 * @returns {object}
 */
const client = (name) => /** @type {any} */ ({ name });

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `log` has `count` grants (however long a loaded machine takes
 * to deliver them, up to 10 s), then a little longer, so that a grant too many
 * would show too.
 * @param {string[]} log
 * @param {number} count
 */
async function granted(log, count) {
  for (const start = Date.now(); log.length < count && Date.now() - start < 10_000; ) await tick();
  await tick(10);
}

/**
 * Asks `queue` for a turn with the client's own requestTurn, through a port
 * that hands the turn's channel to the queue as the engine does; `log` records
 * when the client is granted.
 * @param {TurnQueue<object>} queue
 * @param {object} connection
 * @param {string} name
 * @param {string[]} log
 */
function ask(queue, connection, name, log) {
  /** @type {Set<(error: Error) => void>} */
  const waiting = new Set();
  const engine = new MessageChannel();
  engine.port2.onmessage = ({ ports }) => queue.request(connection, ports[0]);
  const turn = requestTurn(engine.port1, waiting);
  /** @type {(() => void) | null} */
  let end = null;
  turn.granted.then(
    (release) => {
      end = release;
      log.push(name);
    },
    () => {},
  );
  return {
    end: () => end?.(),
    close: () => {
      end?.(); // a granted turn's port is open until it ends
      rejectWaiting(waiting);
      engine.port1.close();
      engine.port2.close();
    },
  };
}

test("turns are granted one at a time, in the order asked, across clients", async () => {
  const queue = new TurnQueue();
  const [a, b] = [client("a"), client("b")];
  /** @type {string[]} */
  const log = [];
  const turns = [ask(queue, a, "a1", log), ask(queue, b, "b1", log), ask(queue, a, "a2", log)];
  try {
    await granted(log, 1);
    assert.deepEqual(log, ["a1"]);
    for (const [i, turn] of turns.entries()) {
      turn.end();
      const expected = ["a1", "b1", "a2"].slice(0, Math.min(3, i + 2));
      await granted(log, expected.length);
      assert.deepEqual(log, expected);
    }
  } finally {
    for (const turn of turns) turn.close(); // an open port would keep node running
  }
});

test("a client that is gone loses its waiting turns and frees the current one", async () => {
  const queue = new TurnQueue();
  const [gone, staying] = [client("gone"), client("staying")];
  /** @type {string[]} */
  const log = [];
  const turns = [
    ask(queue, gone, "gone1", log),
    ask(queue, staying, "staying1", log),
    ask(queue, gone, "gone2", log),
    ask(queue, staying, "staying2", log),
  ];
  try {
    await granted(log, 1);
    assert.deepEqual(log, ["gone1"]);
    queue.forget(gone);
    await granted(log, 2);
    assert.deepEqual(log, ["gone1", "staying1"]);
    turns[1].end();
    await granted(log, 3);
    assert.deepEqual(log, ["gone1", "staying1", "staying2"], "gone2 was dropped");
  } finally {
    for (const turn of turns) turn.close();
  }
});
