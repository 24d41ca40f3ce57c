"""WebLLM's real engine computes what the tiny model computes, whatever the prompt's length.

WebLLM prefills a prompt in chunks of 128 tokens; every chunk after the first
attends to the KV cache and to itself separately and merges the two, and the
compiled merge kernel raced on SwiftShader (tools/tiny_model/wgsl_merge_state.py).
Here prompts whose last chunk holds 0 to 20 tokens go through WebLLM's engine
in the production worker, and the first token's distribution (WebLLM's top 5
log-probabilities, at temperature 1) is compared with a forward pass in numpy
from the model's files (tools/tiny_model/reference.py).
"""

import json

import numpy as np
import pytest
from tokenizers import Tokenizer

from tools.tiny_model import reference
from tools.tiny_model.chat_template import ChatTemplate

from ..conftest import ROOT

pytestmark = pytest.mark.driver_timeout(300)

MODEL = ROOT / "tests" / "fixtures" / "tiny-model" / "tiny-llama-q0f32-MLC"
CHUNK = 128
TOLERANCE = 0.01  # float32 on the GPU against float64 here


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
    reply = page.run_js(f"return await globalThis.bridge.complete({json.dumps(body)});")
    top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    return reply["usage"]["prompt_tokens"], [(t["token"], t["logprob"]) for t in top]


def test_the_first_token_matches_a_reference_forward_pass_for_every_last_chunk_length(tiny_model_page):
    tokenizer = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    template = ChatTemplate.of(MODEL)
    wrong = []
    for last_chunk in range(21):
        length = 2 * CHUNK + last_chunk
        messages = messages_of_length(tokenizer, template, length)
        prefilled, got = first_token_logprobs(tiny_model_page, messages)
        assert prefilled == length
        logits = reference.logits(MODEL, tokenizer.encode(template.prompt(messages)).ids)[-1]
        logprobs = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
        expected = [(tokenizer.decode([int(i)]), float(logprobs[i])) for i in np.argsort(-logprobs)[:5]]
        difference = max(abs(a - b) for (_, a), (_, b) in zip(got, expected, strict=True))
        if [t for t, _ in got] != [t for t, _ in expected] or difference > TOLERANCE:
            wrong.append((length, last_chunk, got[:2], expected[:2], round(difference, 4)))
    assert not wrong, wrong
