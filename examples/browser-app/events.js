/**
 * The events the app's Python session emits and the page renders, declared
 * once for JavaScript; agent/events.py declares the same for Python and
 * tests/app/test_app_events.py fails when they disagree. The reply's text
 * comes as the provider's own stream events, named as Amplifier names them
 * (webllm_provider/events.py), checked by the same test.
 */
export const SESSION_EVENTS = /** @type {const} */ ({
  promptSubmit: "prompt:submit",
  assistantStart: "assistant:start",
  assistantEnd: "assistant:end",
  toolPre: "tool:pre",
  toolPost: "tool:post",
  storageSet: "storage:set",
  storageRemove: "storage:remove",
  sessionError: "session:error",
  sessionEnd: "session:end",
});

/** The provider's event that carries a reply's text, piece by piece. */
export const STREAM_BLOCK_DELTA = "llm:stream_block_delta";
