"""WebLLM's real engine computes what the tiny model computes, whatever the prompt's length.

WebLLM prefills a prompt in chunks of 128 tokens; every chunk after the first
attends to the KV cache and to itself separately and merges the two, and the
compiled merge kernel raced on SwiftShader (tools/tiny_model/wgsl_merge_state.py).
Here prompts whose last chunk holds 0 to 20 tokens go through WebLLM's engine
in the production worker, and the first token's distribution (WebLLM's top 5
log-probabilities, at temperature 1) is compared with a forward pass in numpy
from the model's files (tools/tiny_model/reference.py).

The fixture's own weights make the logits almost a fixed bias per token, which
hides a wrong attention: the model here is the fixture's library and tokenizer
with plain random weights (std 0.15), whose every logit depends on the context.
With the race, the first token's log-probabilities were 0.15-0.9 off.
"""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from tools.tiny_model import reference
from tools.tiny_model.chat_template import ChatTemplate
from tools.tiny_model.tensor_cache import llama_params, write

from ..conftest import ROOT

pytestmark = pytest.mark.driver_timeout(300)

FIXTURE = ROOT / "tests" / "fixtures" / "tiny-model"
MODEL_ID = "tiny-llama-random"
CHUNK = 128
TOLERANCE = 0.01  # float32 on the GPU against float64 here

LOAD = """
const { createBridge } = await import("/webllm/bridge.js");
const models = new URL("/models/", location.href);
globalThis.randomModel = createBridge({
  workerUrl: "/webllm/webllm-worker.js",
  appConfig: { useIndexedDBCache: false, model_list: [{
    model_id: %(id)s, model: new URL(%(folder)s, models).href,
    model_lib: new URL("tiny-llama-q0f32-webgpu.wasm", models).href,
    required_features: [], vram_required_MB: 16, low_resource_required: true,
    overrides: { context_window_size: 1024 } }] },
});
await globalThis.randomModel.load(%(id)s);
"""


@pytest.fixture
def random_model(request):
    """The fixture's model with random weights, in the served dist (WebLLM reads ``resolve/main/``)."""
    models = Path(os.getcwd(), request.config.getoption("--dist-dir")) / "models"
    folder = models / f"{MODEL_ID}-MLC"
    files = folder / "resolve" / "main"
    files.mkdir(parents=True, exist_ok=True)
    source = FIXTURE / "tiny-llama-q0f32-MLC"
    for name in ("mlc-chat-config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(source / name, files / name)
    config = json.loads((source / "mlc-chat-config.json").read_text())["model_config"]
    rng = np.random.default_rng(0)
    write(
        files,
        [
            (name, np.ones(shape) if name.endswith("norm.weight") else rng.standard_normal(shape) * 0.15)
            for name, shape in llama_params(config)
        ],
    )
    yield files
    shutil.rmtree(folder)


def messages_of_length(tokenizer: Tokenizer, template: ChatTemplate, length: int) -> list[dict]:
    """A conversation WebLLM prefills as exactly ``length`` tokens."""
    for dots in range(length):
        for end in ("", "!", " ok"):
            messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "Hello" + " ." * dots + end}]
            if len(tokenizer.encode(template.prompt(messages)).ids) == length:
                return messages
    raise AssertionError(f"no prompt of {length} tokens")


def first_token_logprobs(page, messages: list[dict]) -> tuple[int, list[tuple[str, float]]]:
    body = {"messages": messages, "max_tokens": 1, "temperature": 1, "logprobs": True, "top_logprobs": 5}
    reply = page.run_js(f"return await globalThis.randomModel.complete({json.dumps(body)});")
    top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    return reply["usage"]["prompt_tokens"], [(t["token"], t["logprob"]) for t in top]


def test_the_first_token_matches_a_reference_forward_pass_for_every_last_chunk_length(selenium, random_model):
    model = random_model
    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    template = ChatTemplate.of(model)
    selenium.set_script_timeout(300)  # loading compiles the library's shaders on the CPU
    selenium.run_js(LOAD % {"id": json.dumps(MODEL_ID), "folder": json.dumps(f"{MODEL_ID}-MLC/")})
    wrong = []
    for last_chunk in range(21):
        length = 2 * CHUNK + last_chunk
        messages = messages_of_length(tokenizer, template, length)
        prefilled, got = first_token_logprobs(selenium, messages)
        assert prefilled == length
        logits = reference.logits(model, tokenizer.encode(template.prompt(messages)).ids)[-1]
        logprobs = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
        expected = [
            (tokenizer.decode([int(i)], skip_special_tokens=False), float(logprobs[i]))
            for i in np.argsort(-logprobs)[:5]
        ]
        difference = max(abs(a - b) for (_, a), (_, b) in zip(got, expected, strict=True))
        if [t for t, _ in got] != [t for t, _ in expected] or difference > TOLERANCE:
            wrong.append((length, last_chunk, got[:2], expected[:2], round(difference, 4)))
    selenium.run_js("globalThis.randomModel.dispose();")
    assert not wrong, wrong
