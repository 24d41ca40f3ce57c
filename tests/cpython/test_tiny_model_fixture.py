"""The tiny model in tests/fixtures/tiny-model is what its manifest says (its trained weights
included: tools/tiny_model/train.py, seeded, makes those bytes) and its tensor cache is laid out
as mlc-llm's Llama reads it."""

import hashlib
import json
from pathlib import Path

import numpy as np

from tools.tiny_model import fixture
from tools.tiny_model.tensor_cache import llama_params, read

FIXTURE, MODEL = fixture.FIXTURE, fixture.MODEL
# How to serve the model (WebLLM AppConfig), not part of it.
NOT_LISTED = {"README.md", "SHA256SUMS", "app-config.json"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_file_matches_the_manifest_and_none_is_unlisted():
    listed = fixture.checksums()
    present = {
        path.relative_to(FIXTURE).as_posix()
        for path in FIXTURE.rglob("*")
        if path.is_file() and path.name not in NOT_LISTED
    }
    assert present == set(listed)
    for name, digest in listed.items():
        assert sha256(FIXTURE / name) == digest, name


def test_the_tensor_cache_describes_the_shard():
    (shard,) = json.loads((MODEL / "tensor-cache.json").read_text())["records"]
    data = (MODEL / shard["dataPath"]).read_bytes()
    assert shard["nbytes"] == len(data)
    assert shard["md5sum"] == hashlib.md5(data).hexdigest()
    ends = [record["byteOffset"] + record["nbytes"] for record in shard["records"]]
    assert ends[-1] == len(data)
    assert [record["byteOffset"] for record in shard["records"][1:]] == ends[:-1]


def test_the_tensor_cache_holds_the_configs_tensors_in_mlc_llms_order():
    config = json.loads((MODEL / "mlc-chat-config.json").read_text())["model_config"]
    tensors = read(MODEL)
    assert [(name, array.shape) for name, array in tensors.items()] == llama_params(config)
    assert all(np.isfinite(array).all() for array in tensors.values())


def test_the_chat_template_has_the_tool_role_webllms_function_calling_writes():
    roles = json.loads((MODEL / "mlc-chat-config.json").read_text())["conv_template"]["roles"]
    assert roles == {"user": "<|im_start|>user", "assistant": "<|im_start|>assistant", "tool": "<|im_start|>tool"}


def test_the_fixture_stays_small():
    assert sum(path.stat().st_size for path in FIXTURE.rglob("*") if path.is_file()) < 10 * 2**20
