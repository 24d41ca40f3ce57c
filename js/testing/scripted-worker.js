/**
 * A test worker: WebLLM's real `WebWorkerMLCEngineHandler` with a
 * `ScriptedEngine` in place of `MLCEngine`, so everything between Python and
 * the engine runs for real on a machine without a GPU.
 *
 * Tests steer it with control messages (control.js: `control(client, {action, ...})`):
 *   {action: "push", replies: [ScriptedReply, ...]}   queue replies
 *   {action: "failNextLoad", error: {name, message}}  the next load throws
 *   {action: "setLoadDelay", ms}                      loads take this long
 *   {action: "reset"}                                 forget script and settings
 *   {action: "state"}                                 -> {loaded, queued, received, streamed}
 *   {action: "crash", how: "throw" | "close"}         an uncaught error, or the worker ends
 */
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { namedError } from "../errors.js";
import { serveEngine } from "../engine-server.js";
import { replaceEngine } from "../webllm-handler.js";
import { answerControls } from "./control.js";
import { ScriptedEngine } from "./scripted-engine.js";

const handler = new WebWorkerMLCEngineHandler();
const engine = new ScriptedEngine();
replaceEngine(handler, engine);

answerControls(handler, (message) => {
  switch (message.action) {
    case "push":
      return engine.push(.../** @type {any[]} */ (message.replies ?? []));
    case "failNextLoad":
      return engine.failNextLoad(/** @type {any} */ (message.error));
    case "setLoadDelay":
      return engine.setLoadDelay(Number(message.ms));
    case "reset":
      return engine.reset();
    case "state":
      return engine.state();
    case "crash":
      // After the reply, so the test sees its control call succeed first.
      setTimeout(() => {
        if (message.how === "close") self.close();
        else throw namedError("ScriptedCrash", "crash requested by a control message");
      });
      return null;
    default:
      throw namedError("UnsupportedControlError", `Unknown control action ${JSON.stringify(message.action)}`);
  }
});

// Replies in the script's own URL (`scripted-worker.js?replies=[...]`), for hosts where no test
// code can reach the engine to push them: a provider's own engine, nested in a PyScript worker
// or a notebook kernel (tests/hosts).
const preset = new URL(self.location.href).searchParams.get("replies");
if (preset) engine.push(...JSON.parse(preset));

serveEngine(handler);
