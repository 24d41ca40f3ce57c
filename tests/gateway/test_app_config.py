"""--app-config: WebLLM's AppConfig read and checked, its folder served the way WebLLM fetches it."""

import html
import json
import re

import pytest
from starlette.testclient import TestClient

from tools.gateway_harness import ROOT, WEB_DIR
from webllm_provider.gateway import Settings, create_app
from webllm_provider.gateway.app_config import read_app_config

FIXTURE = ROOT / "tests" / "fixtures" / "tiny-model"


@pytest.fixture
def http():
    app = create_app(Settings(token="t", web_dir=str(WEB_DIR), app_config=str(FIXTURE / "app-config.json")))
    return TestClient(app, base_url="http://127.0.0.1:8765")


def test_the_model_files_are_served_under_webllms_resolve_main(http):
    served = http.get("/models/tiny-llama-q0f32-MLC/resolve/main/mlc-chat-config.json")
    assert served.status_code == 200
    assert served.json() == json.loads((FIXTURE / "tiny-llama-q0f32-MLC" / "mlc-chat-config.json").read_text())
    assert http.get("/models/tiny-llama-q0f32-webgpu.wasm").content[:4] == b"\0asm"
    assert http.get("/models/../pyproject.toml").status_code == 404


def test_the_page_hands_the_app_config_to_the_tab(http):
    page = http.get("/").text
    config = json.loads(html.unescape(re.search(r'data-app-config="([^"]*)"', page)[1]))
    assert config == json.loads((FIXTURE / "app-config.json").read_text())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{", "Expecting"),
        ('{"model_list": []}', "non-empty model_list"),
        ('{"model_list": [{"model_id": "m", "model": "m/"}]}', r"model_list\[0\] needs model_lib"),
    ],
)
def test_an_unusable_app_config_is_refused_with_what_is_wrong(tmp_path, content, problem):
    path = tmp_path / "app-config.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=problem):
        read_app_config(str(path))
