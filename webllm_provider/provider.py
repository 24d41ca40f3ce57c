"""WebLLMProvider: Amplifier's Provider protocol over a WebLLM bridge."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterator
from contextlib import aclosing, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from . import _access
from ._compat import (
    ChatResponse,
    ConfigField,
    ConfigurationError,
    InvalidRequestError,
    LLMError,
    LLMTimeoutError,
    ModelInfo,
    NotFoundError,
    ProviderInfo,
    StreamError,
    ToolCall,
    default_bridge,
)
from .catalog import closest, index, is_chat_model, is_vision_model, model_info, native_tools, recommended
from .config import ProviderConfig, check_sampling
from .contract import Bridge, CanLoad, HasCatalog, HasGpuInfo, HasLoadedModel, ProgressCallback
from .deltas import Piece, TextDelta, ThinkingDelta
from .errors import PROVIDER, from_exception
from .events import LLM_REQUEST, LLM_RESPONSE, PROVIDER_RETRY
from .incoming import Incoming, read_request
from .request import Expected, build_request, setting
from .response import Reply, to_chat_response
from .stream1_chunks import StreamAssembler
from .stream3_thinking import ThinkingSplitter
from .stream4_hooks import HookStream
from .tool_calling import needs_answer_pass, plan_tools, visible_text

logger = logging.getLogger(__name__)
T = TypeVar("T")
_END = object()  # a stream's end, so StopAsyncIteration from a bridge is a failure like any other


@dataclass(frozen=True)
class _Call:
    """One request on its way: what was asked, what is sent, when it must end."""

    provider: WebLLMProvider
    request: Incoming
    kwargs: dict[str, Any]
    model: str | None
    stream: bool
    body: dict[str, Any]
    expected: Expected
    deadline: float | None

    def needs_answer_pass(self, response: ChatResponse) -> bool:
        return needs_answer_pass(self.expected.plan, response.tool_calls or [], response.finish_reason)

    def answer_pass(self) -> tuple[dict[str, Any], Expected]:
        return build_request(
            self.request,
            self.provider.config,
            model=self.model,
            plan=self.expected.plan.without_tools(),
            overrides=self.kwargs,
        )


@dataclass
class _Outcome:
    """What an exchange produced, filled in by whoever runs it."""

    response: ChatResponse | None = None


@contextmanager
def _reading(model: str | None, error: type[LLMError]) -> Iterator[None]:
    """Engine output the provider cannot read fails as a typed error, never a crash."""
    try:
        yield
    except LLMError:
        raise
    except Exception as exc:  # the reply is not what WebLLM sends: never a crash, never an empty answer
        raise error(
            f"WebLLM returned a reply the provider cannot read ({type(exc).__name__}: {exc}).",
            provider=PROVIDER,
            model=model,
        ) from exc


def _with_usage_of(response: ChatResponse, earlier: ChatResponse) -> ChatResponse:
    """``response`` with the tokens ``earlier`` spent on the same turn added in."""
    if response.usage is not None and earlier.usage is not None:
        for field in ("input_tokens", "output_tokens", "total_tokens"):
            setattr(response.usage, field, getattr(response.usage, field) + getattr(earlier.usage, field))
    return response


_CONFIG_FIELDS = (
    ("default_model", "Default model", "WebLLM model id (empty: the loaded model, or the best one this GPU runs)"),
    ("temperature", "Temperature", "Sampling temperature, 0 or more"),
    ("top_p", "Top p", "Nucleus sampling, more than 0, at most 1"),
    ("max_tokens", "Max tokens", "Most tokens per reply"),
    ("seed", "Seed", "Integer seed for reproducible sampling"),
    ("timeout", "Timeout", "Seconds before a request is stopped"),
)


class WebLLMProvider:
    """A local, private LLM provider: WebLLM on the user's GPU, in a Web Worker.

    ``bridge`` is anything with the contract in ``webllm_provider.contract``; in
    Pyodide it defaults to the one ``js/bridge.js`` installs, or else to
    one the provider starts itself from the file its wheel carries (``worker_url``
    and ``app_config`` configure that one).
    """

    name = PROVIDER

    def __init__(
        self, config: dict[str, Any] | None = None, *, bridge: Bridge | None = None, coordinator: Any = None
    ) -> None:
        self.config = ProviderConfig.from_dict(config)
        self.coordinator = coordinator
        self._bridge = bridge
        self._catalog: list[dict[str, Any]] | None = None
        self._records: dict[str, dict[str, Any]] = {}
        self._model: str | None = self.config.default_model

    @property
    def priority(self) -> int:
        """Where Amplifier's orchestrators rank this provider among those mounted (lower first)."""
        return self.config.priority

    @property
    def bridge(self) -> Bridge:
        if self._bridge is None:
            self._bridge = default_bridge(self.config.engine_settings())
        if self._bridge is None:
            raise ConfigurationError(
                "No WebLLM bridge. Outside the browser, pass WebLLMProvider(bridge=...), "
                "or set WEBLLM_GATEWAY_URL to a running gateway (python -m webllm_provider.gateway).",
                provider=PROVIDER,
            )
        return self._bridge

    def get_info(self) -> ProviderInfo:
        defaults = {key: value for key, value in vars(self.config).items() if value is not None}
        return ProviderInfo(
            id=PROVIDER,
            display_name="WebLLM (in-browser, local GPU)",
            credential_env_vars=[],
            # Amplifier's well-known names; thinking and vision on the models that have them.
            capabilities=["local", "streaming", "tools", "json_mode", "thinking", "vision"],
            defaults=defaults,
            config_fields=[
                ConfigField(id=field_id, display_name=label, prompt=prompt, required=False)
                for field_id, label, prompt in _CONFIG_FIELDS
            ],
        )

    async def catalog(self) -> list[dict[str, Any]]:
        """WebLLM's own model records, as the bridge reports them."""
        if self._catalog is None:
            bridge = self.bridge
            catalog = await self._call(bridge.list_models(), model=None) if isinstance(bridge, HasCatalog) else []
            with _reading(None, LLMError):
                self._records = index(catalog)
            self._catalog = catalog
        return self._catalog

    async def list_models(self) -> list[ModelInfo]:
        try:
            records = await self.catalog()
        except ConfigurationError:
            logger.warning("webllm: no bridge installed, so no models to list")
            return []
        return [model_info(record) for record in records if is_chat_model(record)]

    async def gpu_info(self) -> dict[str, Any] | None:
        bridge = self.bridge
        return await self._call(bridge.gpu_info(), model=None) if isinstance(bridge, HasGpuInfo) else None

    async def default_model(self) -> str | None:
        """The configured model, else the loaded one, else the one the catalog recommends for this GPU."""
        if self._model is None:
            bridge = self.bridge
            self._model = (
                await self._call(bridge.loaded_model(), model=None) if isinstance(bridge, HasLoadedModel) else None
            )
        if self._model is None:
            catalog = await self.catalog()
            self._model = recommended(catalog)
        return self._model

    async def load_model(self, model_id: str | None = None, on_progress: ProgressCallback | None = None) -> str:
        """Load (download and compile) a model, reporting progress; make it the default."""
        model = model_id or await self.default_model()
        if model is None:
            raise ConfigurationError("No model to load: name one, or use a GPU that can run one.", provider=PROVIDER)
        await self._record(model)
        bridge = self.bridge
        if not isinstance(bridge, CanLoad):
            raise ConfigurationError("This bridge cannot load models.", provider=PROVIDER)
        await self._call(bridge.load(model, on_progress), model=model)
        self._model = model
        return model

    async def complete(self, request: Any, **kwargs: Any) -> ChatResponse:
        """One reply, streamed through the coordinator's hooks as it is generated.

        With hooks to hear them (a mounted provider), the reply streams as
        ``llm:stream_block_*`` events (amplifier-foundation's provider
        streaming contract) unless ``use_streaming`` is off or
        ``request.metadata["stream"] is False``. A retryable failure is tried
        again up to ``max_retries`` times, with ``provider:retry`` emitted.
        """
        incoming = read_request(request)
        call = await self._prepare(incoming, kwargs, stream=self._streams(incoming))
        async with self._exchange(call) as outcome:
            response = outcome.response = await self._with_retries(call)
        return response

    async def stream_reply(
        self, request: Any, **kwargs: Any
    ) -> AsyncGenerator[TextDelta | ThinkingDelta | ChatResponse, None]:
        """Yield the reply's text as it arrives (TextDelta, ThinkingDelta), then the ChatResponse.

        For Python callers without Amplifier. The hooks hear the same events as
        from ``complete()``. Tool calls are never streamed in pieces: they
        arrive whole, already validated, in the final ChatResponse. No retry:
        text already yielded cannot be taken back, so a retryable error is
        raised for the caller to decide.
        """
        call = await self._prepare(read_request(request), kwargs, stream=True)
        async with self._exchange(call) as outcome, aclosing(self._streamed(call)) as items:
            async for item in items:
                if isinstance(item, ChatResponse):
                    outcome.response = item
                else:
                    yield item
        assert outcome.response is not None, "_streamed ends with the ChatResponse"
        yield outcome.response

    def _streams(self, request: Incoming) -> bool:
        """Stream only when asked to and when hooks will hear it; else fetch the reply whole."""
        if request.metadata.get("stream") is False:
            return False
        return self.config.use_streaming and getattr(self.coordinator, "hooks", None) is not None

    @asynccontextmanager
    async def _exchange(self, call: _Call) -> AsyncIterator[_Outcome]:
        """``llm:request`` before, ``llm:response`` after, whatever happens in between."""
        started = time.perf_counter()
        outcome = _Outcome()
        try:
            # Inside the try: a cancel that lands while the hooks hear the
            # request still gets its llm:response.
            await self._emit(
                LLM_REQUEST,
                {
                    "provider": PROVIDER,
                    "model": call.model,
                    "message_count": len(call.body["messages"]),
                    "stream": call.stream,
                },
            )
            yield outcome
        except BaseException as exc:
            await self._emit(LLM_RESPONSE, _response_payload(call, started, error=exc))
            raise
        await self._emit(LLM_RESPONSE, _response_payload(call, started, response=outcome.response))

    async def _with_retries(self, call: _Call) -> ChatResponse:
        attempt = 0
        while True:
            try:
                return await (self._streamed_whole(call) if call.stream else self._completed(call))
            except LLMError as exc:
                attempt += 1
                out_of_time = call.deadline is not None and asyncio.get_running_loop().time() >= call.deadline
                if not exc.retryable or attempt > self.config.max_retries or out_of_time:
                    raise
                await self._emit(
                    PROVIDER_RETRY,
                    {
                        "provider": PROVIDER,
                        "model": call.model,
                        "attempt": attempt,
                        "max_retries": self.config.max_retries,
                        "delay": self.config.retry_delay,
                        "error_type": type(exc).__name__,
                        "error_message": str(exc),
                    },
                )
                await asyncio.sleep(self.config.retry_delay)

    async def _completed(self, call: _Call) -> ChatResponse:
        response = await self._complete_once(call, call.body, call.expected)
        if call.needs_answer_pass(response):
            body, expected = call.answer_pass()
            response = _with_usage_of(await self._complete_once(call, body, expected), response)
        return response

    async def _streamed_whole(self, call: _Call) -> ChatResponse:
        async with aclosing(self._streamed(call)) as items:
            async for item in items:
                if isinstance(item, ChatResponse):
                    return item
        raise StreamError("The stream ended without a reply.", provider=PROVIDER, model=call.model)

    async def _streamed(self, call: _Call) -> AsyncGenerator[Piece | ChatResponse, None]:
        """The reply's pieces, then the ChatResponse, told to the hooks as they pass."""
        hooks = HookStream(self._emit)
        partial: list[str] = []
        try:
            response: ChatResponse | None = None
            body, expected = call.body, call.expected
            while True:
                async with aclosing(self._stream_once(call, body, expected)) as items:
                    async for item in items:
                        if isinstance(item, ChatResponse):
                            response = item if response is None else _with_usage_of(item, response)
                            continue
                        if isinstance(item, TextDelta):
                            partial.append(item.text)
                        await hooks.delta(item)
                        yield item
                assert response is not None, "_stream_once ends with its ChatResponse"
                if expected is not call.expected or not call.needs_answer_pass(response):
                    break
                body, expected = call.answer_pass()
            await hooks.finish([tool_call.name for tool_call in response.tool_calls or []])
        except BaseException as exc:
            if isinstance(exc, LLMError):  # an attribute amplifier-core's errors do not declare (hence the ignore)
                exc.partial_text = "".join(partial)  # type: ignore[attr-defined]
            await hooks.aborted(exc)
            raise
        yield response

    async def _prepare(self, request: Incoming, kwargs: dict[str, Any], *, stream: bool) -> _Call:
        model = setting(("model",), request, kwargs) or await self.default_model()
        record = await self._record(model)
        plan = plan_tools(request, native_model=bool(record and native_tools(record)), tool_mode=self.config.tool_mode)
        body, expected = build_request(
            request,
            self.config,
            model=model,
            plan=plan,
            overrides=kwargs,
            vision=None if record is None else is_vision_model(record),
        )
        timeout = setting(("timeout",), request, kwargs, self.config.timeout)
        check_sampling({"timeout": timeout})
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        return _Call(self, request, kwargs, model, stream, body, expected, deadline)

    async def _record(self, model: str | None) -> dict[str, Any] | None:
        """WebLLM's catalog record for ``model``, if the bridge has a catalog.

        A model the catalog does not list fails here, before anything is sent.
        """
        if model is None:
            return None
        if not isinstance(model, str):
            raise InvalidRequestError(f"model must be a WebLLM model id, got {model!r}.", provider=PROVIDER)
        try:
            await self.catalog()
        except LLMError:
            return None
        if self._records and model not in self._records:
            near = closest(model, list(self._records))
            raise NotFoundError(
                f"WebLLM's catalog has no model {model!r}. "
                + (f"Closest: {', '.join(near)}." if near else "Pick one from list_models()."),
                provider=PROVIDER,
                model=model,
            )
        return self._records.get(model)

    async def _complete_once(self, call: _Call, body: dict[str, Any], expected: Expected) -> ChatResponse:
        completion = await self._call(self.bridge.complete(body), model=call.model, deadline=call.deadline)
        with _reading(call.model, LLMError):
            return to_chat_response(Reply.from_completion(completion), expected)

    async def _stream_once(
        self, call: _Call, body: dict[str, Any], expected: Expected
    ) -> AsyncGenerator[Piece | ChatResponse, None]:
        assembler = StreamAssembler()
        visible = visible_text(expected.plan)
        thinking = ThinkingSplitter()
        stream = self.bridge.stream(body)
        if not hasattr(stream, "aclose"):  # a plain async iterator: a stop could never reach the engine
            raise ConfigurationError(
                "The bridge's stream() must return an async generator (closing it early stops the generation).",
                provider=PROVIDER,
                model=call.model,
            )
        async with aclosing(stream) as chunks:
            while (
                chunk := await self._call(anext(chunks, _END), model=call.model, deadline=call.deadline)
            ) is not _END:
                with _reading(call.model, StreamError):
                    text = visible(assembler.add(chunk))
                for piece in thinking.feed(text) if text else ():
                    yield piece
                if self._stop_requested():
                    # Leaving the loop closes the bridge's stream, which stops the engine.
                    assembler.stop()
                    break
        for piece in thinking.flush():
            yield piece
        with _reading(call.model, StreamError):
            response = to_chat_response(assembler.reply(), expected)
        yield response

    def _stop_requested(self) -> bool:
        """Amplifier's immediate cancel (``coordinator.cancellation``): stop generating now."""
        cancellation = getattr(self.coordinator, "cancellation", None)
        return getattr(cancellation, "is_immediate", False) is True

    def parse_tool_calls(self, response: Any) -> list[ToolCall]:
        return list(_access.get(response, "tool_calls", []))

    async def _call(self, awaitable: Awaitable[T], *, model: str | None, deadline: float | None = None) -> T:
        """Await the bridge, turning its failures and a passed deadline into typed errors."""
        try:
            if deadline is None:
                return await awaitable
            async with asyncio.timeout_at(deadline):
                return await awaitable
        except TimeoutError:
            raise LLMTimeoutError(
                "WebLLM did not finish in time; the generation was stopped. "
                "Raise the timeout or ask for a shorter answer (max_tokens).",
                provider=PROVIDER,
                model=model,
            ) from None
        except Exception as exc:  # whatever the bridge raised; CancelledError is not an Exception and passes
            typed = from_exception(exc, model=model)
            if typed is exc:
                raise
            raise typed from exc

    async def _emit(self, event: str, payload: dict[str, Any]) -> None:
        hooks = getattr(self.coordinator, "hooks", None)
        if hooks is not None:
            await hooks.emit(event, payload)


def _response_payload(
    call: _Call, started: float, *, response: ChatResponse | None = None, error: BaseException | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "provider": PROVIDER,
        "model": call.model,
        "status": "ok" if error is None else "error" if isinstance(error, LLMError) else "cancelled",
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
    }
    if response is not None:
        if response.usage is not None:
            payload["usage"] = {
                "input_tokens": response.usage.input_tokens,
                "output_tokens": response.usage.output_tokens,
                # A string, as Amplifier's own providers emit it (Decimal is not JSON).
                "cost_usd": str(response.usage.cost_usd),
            }
        payload["finish_reason"] = response.finish_reason
    if error is not None:
        payload["error"] = {"type": type(error).__name__, "message": str(error)}
    return payload
