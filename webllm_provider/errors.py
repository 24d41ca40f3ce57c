"""WebLLM's failures, as typed errors that say what happened and what to do.

WebLLM names its errors by class (``DeviceLostError``, ``ModelNotFoundError``,
...) and the bridge keeps that name. Here each name becomes one error of the
amplifier-core ``llm_errors`` taxonomy (or this package's look-alikes in
Pyodide), with WebLLM's name and message kept on the error and in its text.

This is the one place that maps errors: JavaScript only names a rejection
faithfully (js/errors.js), so a browser error that has no class of its own (a
failed fetch) is renamed here, whichever bridge it came through, an app's own
``js_llm_complete`` included.
"""

from __future__ import annotations

import re

from ._compat import (
    AbortError,
    ConfigurationError,
    ContextLengthError,
    InvalidRequestError,
    InvalidToolCallError,
    LLMError,
    NetworkError,
    NotFoundError,
    ProviderUnavailableError,
)
from .contract import BridgeError
from .protocol import WEBGPU_BROWSERS, ErrorNames

PROVIDER = "webllm"

_NO_WEBGPU = (
    ProviderUnavailableError,
    "WebGPU is not available in this browser.",
    f"Use a browser with WebGPU ({WEBGPU_BROWSERS}) and make sure hardware acceleration is on.",
    False,
)
_INVALID = (InvalidRequestError, "WebLLM refused the request.", "Fix the request as the message says.", False)
_NOT_LOADED = (
    ProviderUnavailableError,
    "No model is loaded in the WebLLM engine.",
    "Load a model (or name one in the request) before asking for a completion.",
    False,
)
_BROKEN_MODEL = (
    ConfigurationError,
    "The model's files or configuration cannot be used.",
    "Pick another model, or delete this one from the browser's cache and load it again.",
    False,
)
_NO_ENGINE_HERE = (
    ConfigurationError,
    "The WebLLM engine cannot run in this context.",
    "Serve the page over https (or localhost) and run the engine in a dedicated worker.",
    False,
)
_BAD_TOOL_OUTPUT = (
    InvalidToolCallError,
    "The model's tool-call output could not be parsed.",
    "Retry, or use a larger model.",
    False,
)

# The names this module gives browser errors that have no class of their own.
NETWORK_ERROR = "NetworkError"
NO_WEBGPU_ERROR = "WebGPUNotAvailableError"
# (the browser's name, how its message starts) -> ours.
BROWSER_ERRORS = (
    ("TypeError", "Failed to fetch", NETWORK_ERROR),  # Chromium's fetch(), the network unreachable
    ("TypeError", "NetworkError when attempting to fetch resource.", NETWORK_ERROR),  # Firefox's
    ("TypeError", "Load failed", NETWORK_ERROR),  # Safari's
    ("TypeError", "fetch failed", NETWORK_ERROR),  # Node's (Pyodide in Node)
    # WebLLM's GPU detection (in tvmjs) throws a plain Error when the browser has
    # WebGPU but no adapter: for the user that is WebGPU not being available.
    ("Error", "Unable to find a compatible GPU", NO_WEBGPU_ERROR),
)

# name -> (error class, what happened, what the user can do, retryable). The names are
# the ones errors carry at run time (``error.name``), which is not always their class's:
# tests/cpython/test_webllm_facts.py reads them from WebLLM's bundle.
BY_NAME: dict[str, tuple[type[LLMError], str, str, bool]] = {
    NO_WEBGPU_ERROR: _NO_WEBGPU,
    "WebGPUNotFoundError": _NO_WEBGPU,
    ErrorNames.SHADER_F16: (
        ProviderUnavailableError,
        "This GPU does not support 16-bit floats in shaders (shader-f16), which the model needs.",
        "Pick a q4f32 or q0f32 variant of the model.",
        False,
    ),
    ErrorNames.FEATURE_SUPPORT: (
        ProviderUnavailableError,
        "This GPU lacks a feature the model needs.",
        "Pick a model whose required features the GPU has (for example a q4f32 variant).",
        False,
    ),
    ErrorNames.DEVICE_LOST: (
        ProviderUnavailableError,
        "The GPU device was lost, often because it ran out of memory.",
        "Retry; if it happens again, pick a smaller model or close other GPU-heavy tabs.",
        True,
    ),
    "ContextWindowSizeExceededError": (
        ContextLengthError,
        "The conversation does not fit the model's context window.",
        "Shorten the conversation or pick a model with a larger context window.",
        False,
    ),
    ErrorNames.MODEL_NOT_FOUND: (
        NotFoundError,
        "WebLLM has no model with this id.",
        "Pick a model id from list_models().",
        False,
    ),
    "SpecifiedModelNotFoundError": (
        NotFoundError,
        "The requested model is not loaded.",
        "Load it first or name a loaded model.",
        False,
    ),
    "UnsupportedModelIdError": (
        InvalidRequestError,
        "This model cannot take native tools.",
        "Use one of WebLLM's function-calling models, or let the provider constrain the output.",
        False,
    ),
    "MessageOrderError": _INVALID,
    "SystemMessageOrderError": _INVALID,
    "ContentTypeError": _INVALID,
    "UnsupportedRoleError": _INVALID,
    "UserMessageContentErrorForNonVLM": _INVALID,
    "UnsupportedContentPartError": _INVALID,
    "UnsupportedDetailError": _INVALID,
    "UnsupportedImageURLError": _INVALID,
    "MultipleTextContentError": _INVALID,
    "UnsupportedFieldsError": _INVALID,
    "StreamingCountError": _INVALID,
    "SeedTypeError": _INVALID,
    "InvalidStreamOptionsError": _INVALID,
    "InvalidResponseFormatError": _INVALID,
    "InvalidResponseFormatGrammarError": _INVALID,
    "CustomResponseFormatError": _INVALID,
    "CustomSystemPromptError": _INVALID,
    "ConfigValueError": _INVALID,
    "GrammarMatcherInitError": _INVALID,
    # WebLLM's checks of sampling values.
    "RangeError": _INVALID,
    "MinValueError": _INVALID,
    "NonNegativeError": _INVALID,
    "DependencyError": _INVALID,
    "InvalidNumberStringError": _INVALID,
    "AudioInputError": _INVALID,
    "PrefillChunkSizeSmallerThanImageError": _INVALID,
    "CannotFindImageEmbedError": _INVALID,
    "InvalidResponseFormatStructuralTagError": _INVALID,
    "UnclearModelToUseError": _INVALID,
    "IncorrectPipelineLoadedError": _INVALID,
    "ReloadArgumentSizeUnmatchedError": _INVALID,
    "ReloadModelIdNotUniqueError": _INVALID,
    "UnknownMessageKindError": _INVALID,
    "TextCompletionExpectsKVEmptyError": _INVALID,
    "TextCompletionConversationError": _INVALID,
    "TextCompletionConversationExpectsPrompt": _INVALID,
    "EmbeddingUnsupportedEncodingFormatError": _INVALID,
    "EmbeddingUnsupportedModelError": _INVALID,
    "EmbeddingSlidingWindowError": _INVALID,
    "EmbeddingChunkingUnsupportedError": _INVALID,
    "EmbeddingExceedContextWindowSizeError": _INVALID,
    "EmbeddingInputEmptyError": _INVALID,
    "ResumableSessionExistsError": _INVALID,
    "ArtifactManifestError": _BROKEN_MODEL,
    "MissingModelError": _BROKEN_MODEL,  # MissingModelWasmError's runtime name
    "UnsupportedTokenizerFilesError": _BROKEN_MODEL,
    "WindowSizeConfigurationError": _BROKEN_MODEL,
    "WindowSizeSpecificationError": _BROKEN_MODEL,
    "AttentionSinkSizeError": _BROKEN_MODEL,
    "NonWorkerEnvironmentError": _NO_ENGINE_HERE,
    "NoServiceWorkerAPIError": _NO_ENGINE_HERE,
    "ServiceWorkerInitializationError": _NO_ENGINE_HERE,
    "CrossContextLockUnavailableError": _NO_ENGINE_HERE,
    "IntegrityError": (
        NetworkError,
        "A downloaded model file failed its integrity check.",
        "Delete the model from the browser's cache and load it again.",
        True,
    ),
    "ModelNotLoadedError": _NOT_LOADED,
    "ConfigurationNotInitializedError": _NOT_LOADED,
    "WorkerEngineModelNotLoadedError": _NOT_LOADED,
    "ToolCallOutputParseError": _BAD_TOOL_OUTPUT,
    "ToolCallOutputInvalidTypeError": _BAD_TOOL_OUTPUT,
    "JSONFieldError": _BAD_TOOL_OUTPUT,  # ToolCallOutputMissingFieldsError's runtime name
    NETWORK_ERROR: (
        NetworkError,
        "The model files could not be downloaded.",
        "Check the network connection and retry, or pick a model already cached in this browser.",
        True,
    ),
    "QuotaExceededError": (
        ProviderUnavailableError,
        "The browser has no room left to store the model.",
        "Free storage (delete cached models) or pick a smaller model.",
        False,
    ),
    ErrorNames.ABORT: (AbortError, "The request was stopped.", "Send it again when you want an answer.", False),
    ErrorNames.WORKER: (
        ProviderUnavailableError,
        "The WebLLM worker stopped.",
        "Retry: the next request starts a new worker and reloads the model.",
        True,
    ),
}


_GENERIC = (LLMError, "The WebLLM engine failed.", "Retry; if it persists, reload the page.", False)
# Identifiers in an error's text: "Error: ContextWindowSizeExceededError: ..." names
# WebLLM's class after JavaScript's generic one.
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def renamed(name: str, message: str) -> str:
    """The name of a browser error that has no class of its own (a failed fetch), else ``name``."""
    return next((ours for theirs, text, ours in BROWSER_ERRORS if name == theirs and message.startswith(text)), name)


def _known_name(name: str, message: str) -> str:
    """The WebLLM or bridge error name behind ``name``/``message``, else ``name`` itself.

    An error keeps its own name when it is a known one; a generic one ("Error",
    "PythonError", a custom exception class) is looked through for the first
    known name in its text, as WebLLM's worker serialises errors to
    ``"Name: message"`` and apps often rethrow that string.
    """
    name = renamed(name, message)
    if name in BY_NAME:
        return name
    for match in _IDENTIFIER.finditer(message):
        found = renamed(match.group(), message[match.end() :].removeprefix(": "))
        if found in BY_NAME:
            return found
    return name


def from_bridge(error: BridgeError, *, model: str | None = None) -> LLMError:
    """The typed error for a failure the bridge reported."""
    known = _known_name(error.name, error.message)
    cls, what, advice, retryable = BY_NAME.get(known, _GENERIC)
    typed = cls(
        f"{what} {advice} [WebLLM {error.name}: {error.message}]", provider=PROVIDER, model=model, retryable=retryable
    )
    # Two attributes amplifier-core's error classes do not declare (hence the ignores).
    # WebLLM's name where its text gave it ("Error: DeviceLostError: ..."), ours for a
    # browser error (NetworkError), else the error's own.
    own = renamed(error.name, error.message)
    typed.webllm_name = known if known != own and known in error.message else own  # type: ignore[attr-defined]
    typed.webllm_message = error.message  # type: ignore[attr-defined]
    return typed


def from_exception(error: Exception, *, model: str | None = None) -> LLMError:
    """The typed error for anything a bridge raised, whatever its class.

    A typed error passes as it is; a ``BridgeError`` maps by its name; anything
    else (a custom bridge's RuntimeError, the ``JsException`` an app's own
    ``js_llm_complete`` throws in Pyodide) is read as a ``BridgeError`` named
    by its ``name`` attribute (JavaScript errors have one) or its class.
    """
    if isinstance(error, LLMError):
        return error
    if not isinstance(error, BridgeError):
        name = getattr(error, "name", None)
        message = getattr(error, "message", None)
        error = BridgeError(
            name if isinstance(name, str) and name else type(error).__name__,
            message if isinstance(message, str) else str(error),
        )
    return from_bridge(error, model=model)


class StructuredOutputError(LLMError):
    """The reply does not parse as JSON or breaks the requested response schema.

    Retryable: sampling again may well produce a valid reply. ``raw_output``
    keeps what the model said.
    """

    def __init__(self, message: str, *, raw_output: str, model: str | None = None) -> None:
        super().__init__(message, provider=PROVIDER, model=model, retryable=True)
        self.raw_output = raw_output
