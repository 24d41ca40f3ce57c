"""webllm-provider: an Amplifier provider that runs WebLLM in the browser.

Pure Python; inside Pyodide it drives a WebLLM engine in a Web Worker through
``js/bridge.js``. The public API is what ``__all__`` lists: the provider and ``mount``,
the bridge contract, every type it takes or returns (messages, content blocks,
usage, model and provider info) and every error it raises. On CPython it returns amplifier-core's own types; in Pyodide,
where amplifier-core cannot install, look-alikes with the same fields.
"""

from ._compat import (
    AbortError,
    ChatRequest,
    ChatResponse,
    ConfigField,
    ConfigurationError,
    ContextLengthError,
    Degradation,
    ImageBlock,
    InvalidRequestError,
    InvalidToolCallError,
    LLMError,
    LLMTimeoutError,
    Message,
    ModelInfo,
    NetworkError,
    NotFoundError,
    Pricing,
    ProviderInfo,
    ProviderUnavailableError,
    RedactedThinkingBlock,
    StreamError,
    TextBlock,
    ThinkingBlock,
    ToolCall,
    ToolCallBlock,
    ToolResultBlock,
    ToolSpec,
    Usage,
)
from .contract import Bridge, BridgeError
from .deltas import TextDelta, ThinkingDelta
from .errors import StructuredOutputError
from .mount import mount
from .provider import WebLLMProvider

__version__ = "0.1.0"

__all__ = [
    "AbortError",
    "Bridge",
    "BridgeError",
    "ChatRequest",
    "ChatResponse",
    "ConfigField",
    "ConfigurationError",
    "ContextLengthError",
    "Degradation",
    "ImageBlock",
    "InvalidRequestError",
    "InvalidToolCallError",
    "LLMError",
    "LLMTimeoutError",
    "Message",
    "ModelInfo",
    "NetworkError",
    "NotFoundError",
    "Pricing",
    "ProviderInfo",
    "ProviderUnavailableError",
    "RedactedThinkingBlock",
    "StreamError",
    "StructuredOutputError",
    "TextBlock",
    "TextDelta",
    "ThinkingBlock",
    "ThinkingDelta",
    "ToolCall",
    "ToolCallBlock",
    "ToolResultBlock",
    "ToolSpec",
    "Usage",
    "WebLLMProvider",
    "mount",
]
