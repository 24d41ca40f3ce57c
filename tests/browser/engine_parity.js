// Runs in the page of test_tiny_model.py: the same requests through the real
// engine (globalThis.bridge, the tiny model) and the scripted one, and what
// each gave back, reduced to what must agree: shapes, usage keys, finish
// reasons, error names. Values (text, ids, timings) are left out.
// The scripted engine gets the tiny model's record too: its context window counts.
// test_tiny_model.py loads this into the page and calls globalThis.engineParity().
globalThis.engineParity = async () => {
  const { EngineClient } = await import("/webllm/bridge.js");
  const { TINY_MODEL_ID, tinyModelAppConfig } = await import("/webllm/testing/tiny-model.js");
  const { control } = await import("/webllm/testing/control.js");
  globalThis.scriptedLoadReports = [];
  const scripted = new EngineClient({
    workerUrl: "/webllm/testing/scripted-worker.js",
    appConfig: tinyModelAppConfig(new URL("/models/", location.href)),
    onProgress: (report) => globalThis.scriptedLoadReports.push(report),
  });
  await scripted.load(TINY_MODEL_ID);
  const engines = { real: globalThis.bridge, scripted };

  /** The type of every value, keys sorted; an array by its first element. */
  const shape = (value) =>
    value === null
      ? "null"
      : Array.isArray(value)
        ? value.length ? [shape(value[0])] : []
        : typeof value === "object"
          ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, shape(value[key])]))
          : typeof value;

  const seed = 7_000_007;
  const ask = (text, fields = {}) => ({ messages: [{ role: "user", content: text }], seed, ...fields });
  const answer = {
    type: "object",
    // The key the trained model writes, bounded, so that its reply ends within max_tokens.
    properties: { answer: { type: "string", maxLength: 40 } },
    required: ["answer"],
    additionalProperties: false,
  };
  const yesNo = 'root ::= "yes" | "no"';
  const hiTag = { type: "structural_tag", format: { type: "const_string", value: "hi" } };
  const cases = {
    complete: { request: ask("Hello", { max_tokens: 60 }) },
    stream: { request: ask("Hello", { max_tokens: 60 }), stream: true },
    length: { request: ask("Hello", { max_tokens: 1 }), script: { content: "one two three" } },
    streamedLength: { request: ask("Hello", { max_tokens: 1 }), stream: true, script: { content: "one two three" } },
    json: {
      // Greedy, on a question the model answers in this key (its plain replies start otherwise).
      request: ask("Who are you?", {
        temperature: 0,
        max_tokens: 120,
        response_format: { type: "json_object", schema: JSON.stringify(answer) },
      }),
      script: { content: '{"answer":"Ada"}' },
    },
    jsonWithoutSchema: { request: ask("Any JSON", { max_tokens: 60, response_format: { type: "json_object" } }) },
    // Every other response_format type WebLLM 0.2.86 knows: what it accepts, generates and refuses.
    text: { request: ask("Hello", { max_tokens: 20, response_format: { type: "text" } }) },
    schemaWithText: { request: ask("Hello", { max_tokens: 20, response_format: { type: "text", schema: "{}" } }) },
    grammar: {
      request: ask("Yes or no?", { max_tokens: 20, response_format: { type: "grammar", grammar: yesNo } }),
      script: { content: "yes" },
    },
    grammarWithoutGrammar: { request: ask("Yes or no?", { max_tokens: 20, response_format: { type: "grammar" } }) },
    structuralTag: {
      request: ask("Greet", { max_tokens: 20, response_format: { type: "structural_tag", structural_tag: hiTag } }),
      script: { content: "hi" },
    },
    structuralTagWithoutTag: { request: ask("Greet", { max_tokens: 20, response_format: { type: "structural_tag" } }) },
    overflow: { request: ask("word ".repeat(1500), { max_tokens: 4 }) },
    interrupted: {
      request: ask("Numbers", {
        max_tokens: 800,
        response_format: { type: "json_object", schema: JSON.stringify({ type: "array", minItems: 200, items: { type: "integer" } }) },
      }),
      stream: true,
      interrupt: true,
      script: { content: `[${Array(200).fill(1).join(", ")}]`, tokens_per_second: 20 },
    },
  };

  async function run(name, engine, spec) {
    if (name === "scripted" && spec.script) await control(engine, { action: "push", replies: [spec.script] });
    try {
      if (!spec.stream) {
        const completion = await engine.complete(spec.request);
        return { shape: shape(completion), finish: completion.choices[0].finish_reason, usage: Object.keys(completion.usage).sort(), extra: Object.keys(completion.usage.extra).sort() };
      }
      const chunks = [];
      const requestId = `parity-${name}-${Math.random()}`;
      await engine.stream(spec.request, (chunk) => {
        chunks.push(chunk);
        if (spec.interrupt && chunks.length === 2) engine.abort(requestId); // a generating request is interrupted
      }, { requestId });
      const usageChunk = chunks.at(-1);
      const finishChunk = chunks.at(-2);
      return {
        first: shape(chunks[0]),
        finishChunk: shape(finishChunk),
        usageChunk: shape(usageChunk),
        finish: finishChunk.choices[0].finish_reason,
        usage: Object.keys(usageChunk.usage).sort(),
        extra: Object.keys(usageChunk.usage.extra).sort(),
        finishOnlyInFinishChunk: chunks.slice(0, -2).every((c) => c.choices[0].finish_reason === null),
      };
    } catch (error) {
      return { error: error.name };
    }
  }

  const results = {};
  for (const [caseName, spec] of Object.entries(cases)) {
    results[caseName] = {};
    for (const [name, engine] of Object.entries(engines)) results[caseName][name] = await run(name, engine, spec);
  }
  // What the grammar forbids, a real model cannot write: the scripted engine refuses to have written it.
  const forbidden = {};
  for (const [caseName, content] of [["grammar", "maybe"], ["structuralTag", "hello"], ["json", '{"name":"Ada"}']]) {
    forbidden[caseName] = await run("scripted", scripted, { ...cases[caseName], script: { content } });
  }
  scripted.dispose();
  return { results, forbidden };
};
