// Custom models in WebLLM's AppConfig (js/app-config.js): the fixture's relative URLs made
// absolute, and the app's catalog = WebLLM's plus the demo model.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { prebuiltAppConfig } from "@mlc-ai/web-llm";
import { addModels, resolveModelUrls } from "../../js/app-config.js";

const fixture = JSON.parse(await readFile(new URL("../fixtures/tiny-model/app-config.json", import.meta.url), "utf8"));

test("relative model and library URLs resolve against the folder, with or without its slash", () => {
  for (const folder of ["http://127.0.0.1:8000/models/", "http://127.0.0.1:8000/models", new URL("http://127.0.0.1:8000/models/")]) {
    const resolved = resolveModelUrls(fixture, folder);
    assert.equal(resolved.model_list[0].model, "http://127.0.0.1:8000/models/tiny-llama-q0f32-MLC/");
    assert.equal(resolved.model_list[0].model_lib, "http://127.0.0.1:8000/models/tiny-llama-q0f32-webgpu.wasm");
    assert.equal(resolved.useIndexedDBCache, fixture.useIndexedDBCache);
  }
  // The file as read is left alone (the app and the tests resolve it against different folders).
  assert.equal(fixture.model_list[0].model, "tiny-llama-q0f32-MLC/");
  // Absolute URLs stay what they are.
  const absolute = { model_list: [{ model_id: "x", model: "https://huggingface.co/a/b", model_lib: "https://x.test/lib.wasm" }] };
  assert.deepEqual(resolveModelUrls(absolute, "http://127.0.0.1/models/"), absolute);
});

test("custom models are added after WebLLM's; an id WebLLM has keeps WebLLM's record", () => {
  const demo = resolveModelUrls(fixture, "http://127.0.0.1:8000/models/").model_list;
  const { appConfig, added } = addModels(prebuiltAppConfig, demo);
  // The fixture's second record is its Hermes alias: WebLLM's own Hermes model stays in the catalog.
  assert.deepEqual(added, [fixture.model_list[0].model_id]);
  assert.equal(appConfig.model_list.length, prebuiltAppConfig.model_list.length + 1);
  assert.deepEqual(appConfig.model_list.slice(0, -1), prebuiltAppConfig.model_list);
  assert.equal(appConfig.model_list.at(-1), demo[0]);
  const hermes = fixture.model_list[1].model_id;
  const records = appConfig.model_list.filter((/** @type {{model_id: string}} */ r) => r.model_id === hermes);
  assert.deepEqual(records, prebuiltAppConfig.model_list.filter((r) => r.model_id === hermes));
  assert.deepEqual({ ...appConfig, model_list: [] }, { ...prebuiltAppConfig, model_list: [] }); // its other settings kept
  // Nothing to add: the catalog as it was.
  assert.deepEqual(addModels(prebuiltAppConfig, []), { appConfig: prebuiltAppConfig, added: [] });
});
