/**
 * A test Python worker: js/python-worker.js as it is, plus the scripted
 * engine's control channel (control.js). The page's control messages come
 * here, to the worker that holds the bridge, and go on over the bridge's own
 * link to the engine, so a test steers the engine whichever placement it has.
 * Start it with `startPython({pythonWorkerUrl: ".../testing/scripted-python-worker.js", ...})`.
 */
import { bootedBridge } from "../python-worker.js";
import { workerScope } from "../worker-scope.js";
import { CONTROL_KIND, control, reply } from "./control.js";

workerScope().addEventListener("message", ({ data, ports }) => {
  if (data?.kind !== CONTROL_KIND) return;
  void reply(ports[0], async () => control(await bootedBridge(), data));
});
