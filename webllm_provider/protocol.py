"""What crosses between Python and JavaScript, declared once for the Python side.

``js/protocol.js`` declares the same for JavaScript; tests/cpython/test_protocol.py
loads both and fails when they disagree, and tools/protocol_doc.py writes the
tables of docs/bridge-protocol.md from this module (the meanings below are
the docs' words). Messages only JavaScript sends (between a page and its
workers) are js/protocol.js's alone. Code imports these names instead of
writing the strings.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol, TypedDict

# -- Python <-> page: the functions Python calls --------------------------------------

PYTHON_MODULE = "webllm_bridge"
PAGE_MODULE = "webllm_page"


class BridgeModule(Protocol):
    """The module ``webllm_bridge`` (js/bridge.js). Everything crosses as JSON strings.

    Each docstring is the function's JavaScript signature, then what it gives.
    """

    def complete(self, request_json: str, request_id: str | None = None, /) -> Awaitable[str]:
        """(requestJson: string, requestId?: string) => Promise<string>
        a ChatCompletion, as JSON"""

    def stream(self, request_json: str, on_chunk: Any, request_id: str | None = None, /) -> Awaitable[None]:
        """(requestJson: string, onChunk: (chunkJson: string) => void, requestId?: string) => Promise<void>
        resolves after the last chunk was delivered; chunks are pushed, never polled"""

    def abort(self, request_id: str, /) -> None:
        """(requestId: string) => void
        a queued request is removed and rejects with `AbortError`; the running one is interrupted
        (`interruptGenerate`) and ends with `finish_reason: "abort"`"""

    def models(self) -> Awaitable[str]:
        """() => Promise<string>
        `{"models": [ModelRecord...], "gpu": GpuInfo, "loaded": string | null}` as JSON (reads the catalog and
        asks WebGPU for an adapter)"""

    def loaded(self) -> str:
        """() => string
        the loaded model's id, or null, as JSON; synchronous, costs nothing"""

    def load(self, model_id: str, on_progress: Any = None, /) -> Awaitable[None]:
        """(modelId: string, onProgress?: (reportJson: string) => void) => Promise<void>
        loads (or switches to) a model; progress reports are WebLLM's `InitProgressReport`, in two phases
        that each go from 0 to 1: the weights, then the shaders ("Loading GPU shader modules")"""


BRIDGE_FUNCTIONS = tuple(name for name in vars(BridgeModule) if not name.startswith("_"))
# The one function of the guide's convention, which an app registers in ``__main__`` itself when it
# has no bridge module (pyodide_bridge.CompleteOnlyBridge).
GUIDE_COMPLETE = "js_llm_complete"

# The fields that make a request streamed. A request handed to a bridge carries
# neither: ``complete()`` or ``stream()`` says which, and the transport sets
# them (js/engine-client.js for WebLLM; GatewayBridge over the gateway's OpenAI
# API), so every stream ends with the usage chunk.
STREAMED: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}

# -- Gateway <-> tab ---------------------------------------------------------------------------

GATEWAY_SUBPROTOCOL = "webllm-gateway"
GATEWAY_TOKEN_PREFIX = "token."
CLOSED_BY_GATEWAY = 4000


class ToTab:
    """The ``type`` of the gateway's messages to a tab."""

    WELCOME = "welcome"
    GENERATE = "generate"
    LOAD = "load"
    ABORT = "abort"
    CLOSE = "close"


class ToGateway:
    """The ``type`` of a tab's messages to the gateway."""

    HELLO = "hello"
    CHUNKS = "chunks"
    PROGRESS = "progress"
    RESULT = "result"
    DONE = "done"
    ERROR = "error"


TAB_MESSAGE_FIELDS = {
    ToGateway.HELLO: "models, gpu, loaded",
    ToTab.WELCOME: "id",
    ToTab.GENERATE: "id, request, stream",
    ToTab.LOAD: "id, model",
    ToTab.ABORT: "id",
    ToTab.CLOSE: "reason",
    ToGateway.CHUNKS: "id, chunks",
    ToGateway.PROGRESS: "id, report",
    ToGateway.RESULT: "id, completion, loaded",
    ToGateway.DONE: "id, loaded",
    ToGateway.ERROR: "id, error: {name, message}, loaded",
}

# -- Records -------------------------------------------------------------------------------


class ModelRecord(TypedDict):
    model_id: str
    vram_required_MB: float | None
    low_resource_required: bool
    required_features: list[str]
    buffer_size_required_bytes: int | None
    context_window_size: int | None
    model_type: int
    # This GPU's verdict, decided by js/catalog.js alone.
    missing_features: list[str]
    fits: bool
    unfit_reason: str | None
    large: bool
    recommended: bool
    label: str


# The browsers with WebGPU on by default, as users are told. Safari has it from 26 (macOS 26,
# iOS 26); before, only behind a flag.
WEBGPU_BROWSERS = "Chrome or Edge 113+, or Safari 26+"


class ModelTypes:
    """WebLLM's ``ModelType`` numbers, as records carry them."""

    LLM = 0
    EMBEDDING = 1
    VLM = 2


class GpuLimits(TypedDict):
    maxBufferSize: int
    maxStorageBufferBindingSize: int


class GpuInfo(TypedDict):
    available: bool
    features: list[str]
    limits: GpuLimits
    vendor: str
    architecture: str
    description: str
    fallback: bool
    error: str | None


class Models(TypedDict):
    """What ``models()`` answers."""

    models: list[ModelRecord]
    gpu: GpuInfo
    loaded: str | None


# -- Errors --------------------------------------------------------------------------------


class ErrorNames:
    """The names the bridge gives a rejection itself (js/protocol.js ``ERROR_NAMES``)."""

    ABORT = "AbortError"
    WORKER = "WorkerError"
    DEVICE_LOST = "DeviceLostError"
    MODEL_NOT_FOUND = "ModelNotFoundError"
    SHADER_F16 = "ShaderF16SupportError"
    FEATURE_SUPPORT = "FeatureSupportError"


def members(namespace: type) -> dict[str, Any]:
    """A constants class as JavaScript spells it: ``DEVICE_LOST`` -> ``deviceLost``."""
    return {_camel(name): value for name, value in vars(namespace).items() if name.isupper()}


def _camel(name: str) -> str:
    first, *rest = name.lower().split("_")
    return first + "".join(word.title() for word in rest)
