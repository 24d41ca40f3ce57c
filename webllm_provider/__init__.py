"""webllm-provider: an Amplifier provider that runs WebLLM in the browser.

Pure Python; inside Pyodide it drives a WebLLM engine in a Web Worker through
``js/bridge.js``. On CPython it returns amplifier-core's own types; in Pyodide,
where amplifier-core cannot install, look-alikes with the same fields.
"""

from ._compat import (
    AbortError,
    ChatRequest,
    ChatResponse,
    ConfigurationError,
    ContextLengthError,
    InvalidRequestError,
    InvalidToolCallError,
    LLMError,
    LLMTimeoutError,
    Message,
    NetworkError,
    NotFoundError,
    ProviderUnavailableError,
    TextBlock,
    ToolCall,
    ToolSpec,
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
    "ConfigurationError",
    "ContextLengthError",
    "InvalidRequestError",
    "InvalidToolCallError",
    "LLMError",
    "LLMTimeoutError",
    "Message",
    "NetworkError",
    "NotFoundError",
    "ProviderUnavailableError",
    "StructuredOutputError",
    "TextBlock",
    "TextDelta",
    "ThinkingDelta",
    "ToolCall",
    "ToolSpec",
    "WebLLMProvider",
    "mount",
]
