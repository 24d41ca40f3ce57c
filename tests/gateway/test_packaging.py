"""The gateway is an optional extra: the core package never imports it."""

import subprocess
import sys


def test_the_core_package_imports_nothing_of_the_gateway():
    probe = (
        "import sys, webllm_provider\n"
        "from webllm_provider import WebLLMProvider\n"
        "WebLLMProvider()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'httpx', 'websockets')"
        " or m.startswith('webllm_provider.gateway')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
