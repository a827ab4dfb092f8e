"""The app, its lifespan and the one ``httpx.AsyncClient`` of a run.

The app is imported from ``"module:name"`` (an ASGI app) or ``"module:factory()"``, its
lifespan is entered once with asgi-lifespan, the OpenAPI document is read after start-up
(some apps register routes there), and every case goes through one
``AsyncClient(transport=ASGITransport(app))``.

Live-server mode (``base_url``): no app is imported and no lifespan runs; the client sends
every request over the network to that URL, and to nothing else.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import inspect
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

import anyio
import httpx
from asgi_lifespan import LifespanManager

from ._canonical import JSON
from ._cases import TRANSPORT_HEADERS
from ._config import Settings
from ._errors import AppLoadError, LifespanError, SchemaError, a_kind

if sys.version_info < (3, 11):  # anyio's own dependency there
    from exceptiongroup import BaseExceptionGroup

if TYPE_CHECKING:
    # httpx exports no names for the types of a request's body and its multipart parts.
    from httpx._types import FileTypes, RequestContent

    # schemathesis spells the type of an OpenAPI case for type checkers only.
    from schemathesis.specs.openapi.schemas import OpenApiCase

#: The ASGI interface: a connection's scope, the messages of one connection, the two
#: channels an app is called with, and the app itself.
Scope = MutableMapping[str, object]
Message = MutableMapping[str, object]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BASE_URL = "http://testserver"
#: Headers schemathesis adds for its own transport; the client sets its own user agent.
_NOT_SENT = TRANSPORT_HEADERS | {"user-agent"}
USER_AGENT = "contractsnap"
#: Seconds an app's lifespan may take to shut down.
SHUTDOWN_TIMEOUT = 10


def load_app(spec: str, root: Path) -> ASGIApp:
    """Import ``module:attr`` or call ``module:factory()``; errors name the spec and the fix."""
    module_name, _, attr = spec.partition(":")
    call = attr.endswith("()")
    attr = attr.removesuffix("()")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # like uvicorn's --app-dir: the project is importable
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or module_name.startswith(f"{exc.name}."):
            raise AppLoadError(
                f"app {spec!r}: no module named {exc.name!r}; check `app` in [tool.contractsnap] "
                "and that the package is installed or on pytest's `pythonpath`"
            ) from None
        raise AppLoadError(
            f"app {spec!r}: importing {module_name!r} failed: {exc}; install the missing "
            "package in the environment that runs pytest"
        ) from exc
    except (Exception, SystemExit) as exc:  # sys.exit("DATABASE_URL is not set") too
        raise AppLoadError(
            f"app {spec!r}: importing {module_name!r} raised {type(exc).__name__}: "
            f"{_one_line(exc)}; fix the module (`python -c 'import {module_name}'` shows the "
            "traceback)"
        ) from exc
    obj: object
    try:
        obj = getattr(module, attr) if attr else None
    except AttributeError:
        obj = None
    if obj is None:
        raise AppLoadError(
            f"app {spec!r}: module {module_name!r} has no attribute {attr!r}; check `app` in "
            "[tool.contractsnap]"
        )
    if call:
        try:
            obj = _build(obj)
        except (Exception, SystemExit) as exc:
            raise AppLoadError(
                f"app {spec!r}: the factory raised {type(exc).__name__}: {_one_line(exc)}; "
                "fix the factory"
            ) from exc
    if _asgi(obj):
        return obj
    if call:
        fix = "make the factory return the application object"
    elif inspect.isclass(obj) or (callable(obj) and _accepts(obj, 0)):
        fix = f'if it builds the app, write it as "{module_name}:{attr}()"'
    else:
        fix = "point `app` in [tool.contractsnap] at the application object (app = FastAPI())"
    made = "the factory returned" if call else "it is"
    raise AppLoadError(f"app {spec!r}: {made} {_not_asgi(obj)}, not an ASGI app; {fix}")


def _build(factory: object) -> object:
    """Call an app factory; the ``TypeError`` calling a value that is not callable raises."""
    if not callable(factory):
        raise TypeError(f"'{type(factory).__name__}' object is not callable")
    return factory()


def _one_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)


def _accepts(obj: Callable[..., object], count: int) -> bool:
    """Whether ``obj`` can be called with ``count`` positional arguments (True if unknown)."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return True  # builtins and some C callables have no signature: assume they can
    try:
        signature.bind(*range(count))
    except TypeError:
        return False
    return True


def _asgi(obj: object) -> TypeGuard[ASGIApp]:
    """Whether ``obj`` can be an ASGI app, as far as can be told without calling it
    (``_not_asgi`` says what it is if not)."""
    return _not_asgi(obj) is None


def _not_asgi(obj: object) -> str | None:
    """What ``obj`` is if it cannot be an ASGI app (``app(scope, receive, send)``), else None."""
    if inspect.isclass(obj):
        return f"the class {obj.__name__}"
    if not callable(obj):
        return a_kind(obj)
    if not _accepts(obj, 3):  # an ASGI app takes (scope, receive, send)
        name = getattr(obj, "__name__", type(obj).__name__)
        try:
            return f"{name}{inspect.signature(obj)}"
        except (TypeError, ValueError):  # pragma: no cover - _accepts found a signature
            return name
    return None


def _per_request_state(app: ASGIApp) -> ASGIApp:
    """Give each request its own copy of the lifespan state, as the ASGI spec asks.

    asgi-lifespan hands every request the same dict; frameworks that keep per-request data
    there (Litestar) then leak it from one request into the next. Wrapped inside the
    lifespan manager, so the copy is taken after it has put its state in the scope.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get("state")
        if scope["type"] != "lifespan" and isinstance(state, Mapping):
            scope = {**scope, "state": dict(state)}
        await app(scope, receive, send)

    return wrapped


def leaf(exc: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups: what actually went wrong."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


#: What asyncio code says when it runs under trio, or trio code under asyncio.
_WRONG_BACKEND = (
    "trio.run received unrecognized yield message",
    "no running event loop",
    "no current event loop",
    "unknown async library",
)
#: What asyncio says when an object made in one event loop is awaited in another.
_OTHER_LOOP = ("attached to a different loop", "bound to a different event loop")


def async_hint(exc: BaseException, backend: str) -> str | None:
    """Why an error is about the event loop, and the fix, or None if it is not."""
    text = str(leaf(exc))
    if any(sign in text for sign in _WRONG_BACKEND):
        other = "asyncio" if backend == "trio" else "trio"
        return (
            f"the app (or a library it uses, such as a database driver) runs only on {other}, "
            f'not on the {backend} backend: set `backend = "{other}"` in [tool.contractsnap]'
        )
    if any(sign in text for sign in _OTHER_LOOP):
        return (
            "an object the app made outside its lifespan (a client, pool or lock created at "
            "import time) belongs to another event loop than the one the tests run in: create "
            "it in the app's lifespan (or a dependency) and keep it on `app.state`"
        )
    return None


#: The exceptions the app raised while answering, for the request being sent (see
#: ``app_errors``); unset outside a send.
_raised: contextvars.ContextVar[list[BaseException]] = contextvars.ContextVar("contractsnap_raised")


def _capture_errors(app: ASGIApp) -> ASGIApp:
    """Keep what the app raises while answering a request, then let httpx see it as before.

    Starlette's error middleware sends its 500 response and raises again; httpx (with
    ``raise_app_exceptions=False``) turns the exception into that response and drops it.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except Exception as exc:
            raised = _raised.get(None)
            if raised is not None and scope["type"] == "http":
                raised.append(exc)
            raise

    return wrapped


@contextlib.contextmanager
def app_errors() -> Iterator[list[BaseException]]:
    """The exceptions the app raises while the ``with`` block sends a request (in process)."""
    raised: list[BaseException] = []
    token = _raised.set(raised)
    try:
        yield raised
    finally:
        _raised.reset(token)


def _live_client(settings: Settings) -> httpx.AsyncClient:
    """A client for a running server that refuses to send a request anywhere else."""
    assert settings.base_url is not None
    server = httpx.URL(settings.base_url)

    async def only_to_server(request: httpx.Request) -> None:
        url = request.url
        if (url.scheme, url.host, url.port) != (server.scheme, server.host, server.port):
            raise AppLoadError(
                f"{request.method} {url}: refused, the request leaves the server under test "
                f"({settings.base_url}, `base_url`); only paths under it are sent"
            )

    return httpx.AsyncClient(
        base_url=settings.base_url + settings.base_path,
        headers={"user-agent": USER_AGENT},
        follow_redirects=False,
        # No proxy or .netrc from the environment: requests go to base_url as they are.
        trust_env=False,
        # `send` bounds each request with the `timeout` setting; httpx's 5 s default must not
        # cut it shorter with an error of its own.
        timeout=None,
        event_hooks={"request": [only_to_server]},
    )


def unreachable(settings: Settings, exc: Exception) -> AppLoadError:
    """The one-line error for a live server that does not answer."""
    return AppLoadError(
        f"no server answers at {settings.base_url} ({type(exc).__name__}: {exc}); start it, or "
        "point `base_url` in [tool.contractsnap] (or --contractsnap-base-url) at a running server"
    )


@contextlib.asynccontextmanager
async def serve(app: ASGIApp | None, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (unless switched off) and yield the run's client.

    With ``base_url`` set, ``app`` is unused (None will do): the client talks to the running
    server, after checking that it answers at all.
    """
    if settings.base_url:
        async with _live_client(settings) as client:
            if settings.schema:  # else reading the document from the server is the check
                try:
                    # Whatever it answers (a 404 too) shows that a server listens there.
                    await client.request(
                        "HEAD", settings.base_url + "/", timeout=settings.defaults.timeout
                    )
                except httpx.TransportError as exc:
                    raise unreachable(settings, exc) from None
            yield client
        return
    assert app is not None, "an app is loaded unless `base_url` names a running server"
    async with contextlib.AsyncExitStack() as stack:
        target = bounded_body(_per_request_state(_capture_errors(app)))
        if settings.lifespan:
            try:
                manager = await stack.enter_async_context(
                    # After an interrupt (Ctrl-C) the event loop closes this generator once the
                    # app's lifespan task is already gone; the shutdown wait then runs to its
                    # end, so it is kept short enough for Ctrl-C to feel like Ctrl-C.
                    LifespanManager(target, startup_timeout=60, shutdown_timeout=SHUTDOWN_TIMEOUT)
                )
            except BaseException as exc:
                if isinstance(
                    exc, (KeyboardInterrupt, SystemExit, anyio.get_cancelled_exc_class())
                ):
                    raise
                cause = leaf(exc)
                fix = async_hint(exc, settings.backend) or "fix the app, or set `lifespan = false`"
                raise LifespanError(
                    f"app {settings.app!r}: the lifespan start-up failed: "
                    f"{type(cause).__name__}: {cause}; {fix}"
                ) from exc
            target = manager.app
        transport = httpx.ASGITransport(app=target, raise_app_exceptions=False)
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=transport,
                base_url=BASE_URL + settings.base_path,
                headers={"user-agent": USER_AGENT},
                follow_redirects=False,
            )
        )
        yield client


async def fetch_document(
    client: httpx.AsyncClient, settings: Settings
) -> tuple[Mapping[str, JSON], str]:
    """The app's OpenAPI document: from ``schema`` (a file) or from ``schema_path`` (a URL),
    and the path it was served at (the file's, for ``schema``)."""
    if settings.schema:
        path = settings.root / settings.schema
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise SchemaError(
                f"schema file {settings.schema!r}: not UTF-8 text; save the document as UTF-8"
            ) from None
        except OSError as exc:
            raise SchemaError(
                f"schema file {settings.schema!r}: {exc.strerror} ({path}); `schema` in "
                f"{settings.source} is relative to the project root"
            ) from None
        document = _parse_document(
            text,
            f"schema file {settings.schema!r}",
            "fix the file, or point `schema` at the app's OpenAPI document",
            yaml_only=path.suffix.lower() in (".yaml", ".yml"),
        )
        return document, settings.schema
    paths = (settings.schema_path,) if settings.schema_path_given else USUAL_SCHEMA_PATHS
    first: httpx.Response | None = None
    for where in paths:
        response = await _get_document(client, settings, where)
        if response.status_code == 200:
            document = _parse_document(
                response.text,
                f"GET {where}",
                "set `schema_path` in [tool.contractsnap] to where the app serves its "
                "OpenAPI document, or `schema` to a file",
            )
            return document, where
        first = first or response
    assert first is not None
    shown = (settings.base_url or "") + paths[0]
    tried = f" (nor {', '.join(paths[1:])})" if len(paths) > 1 else ""
    raise SchemaError(
        f"GET {shown} answered {first.status_code}{tried}, not the OpenAPI document; "
        "set `schema_path` in [tool.contractsnap] to where the app serves it "
        "(FastAPI: /openapi.json, Litestar: /schema/openapi.json), or `schema` to a file"
    )


#: Where frameworks serve their OpenAPI document, tried in turn when `schema_path` is not set
#: (FastAPI and most others, Litestar, then common API prefixes).
USUAL_SCHEMA_PATHS = (
    "/openapi.json",
    "/schema/openapi.json",
    "/docs/openapi.json",
    "/api/openapi.json",
    "/api/v1/openapi.json",
    "/swagger.json",
)


async def _get_document(client: httpx.AsyncClient, settings: Settings, path: str) -> httpx.Response:
    try:
        # A live server that accepts connections and never answers must not hang the run.
        return await client.get(
            (settings.base_url or BASE_URL) + path, timeout=settings.defaults.timeout
        )
    except Exception as exc:
        if settings.base_url and isinstance(exc, httpx.TransportError):
            raise unreachable(settings, exc) from None
        raise SchemaError(f"GET {path} (the OpenAPI document) raised {exc!r}") from exc


def _parse_document(
    text: str, where: str, fix: str, *, yaml_only: bool = False
) -> Mapping[str, JSON]:
    """A JSON or YAML document; every problem is one line naming ``where`` and the ``fix``."""
    document: JSON = None
    if yaml_only:
        document = _parse_yaml(text, where, fix)
    else:
        try:
            document = json.loads(text)
        except ValueError as exc:
            if where.endswith(".json'") or text.lstrip()[:1] in ("{", "["):
                raise SchemaError(
                    f"{where}: the OpenAPI document is not valid JSON ({exc}); {fix}"
                ) from None
            document = _parse_yaml(text, where, fix)
    if not isinstance(document, Mapping):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise SchemaError(f"{where}: the OpenAPI document is {kind}, not an object; {fix}")
    return document


def _parse_yaml(text: str, where: str, fix: str) -> JSON:
    import yaml  # a dependency of schemathesis

    try:
        # Dates and other YAML-only values become strings, as in a JSON document.
        document: JSON = json.loads(json.dumps(yaml.safe_load(text), default=str))
    except yaml.YAMLError as error:
        raise SchemaError(
            f"{where}: the OpenAPI document is not valid YAML ({_yaml_problem(error)}); {fix}"
        ) from None
    return document


def _yaml_problem(error: Exception) -> str:
    problem = getattr(error, "problem", None) or _one_line(error)
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        problem += f" at line {mark.line + 1}, column {mark.column + 1}"
    return str(problem)


def build_request(
    client: httpx.AsyncClient,
    case: OpenApiCase,
    auth_headers: Mapping[str, str],
    auth_params: Mapping[str, str] | None = None,
) -> httpx.Request:
    """An httpx request for a schemathesis case, with the run's credentials applied."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"))
    headers = httpx.Headers(
        {k: v for k, v in kwargs["headers"].items() if k.lower() not in _NOT_SENT}
    )
    if kwargs.get("cookies"):  # httpx deprecates per-request cookies
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
    for name, value in auth_headers.items():
        headers[name] = value  # replaces a generated value whatever its spelling
    params = {**(kwargs.get("params") or {}), **(auth_params or {})}
    data, files = kwargs.get("data"), kwargs.get("files")
    form: Mapping[str, object] | None = None
    multipart: list[tuple[str, FileTypes]] | None = None
    content: RequestContent | None = None
    if files:
        # requests accepts non-str part contents; httpx needs str or bytes
        multipart = [
            (
                name,
                (
                    part[0],
                    part[1] if isinstance(part[1], (bytes, str)) else str(part[1]),
                    *part[2:],
                ),
            )
            for name, part in files
        ]
        if isinstance(data, dict):
            form = data
    elif isinstance(data, dict):
        form = data
    elif data is not None:
        content = data
    return client.build_request(
        kwargs["method"],
        kwargs["url"],
        headers=headers,
        params=params or None,
        json=kwargs.get("json"),
        data=form,
        files=multipart,
        content=content,
    )


#: Bytes of one response body read at most, unless ``max_read_size`` says otherwise.
READ_LIMIT = Settings.max_read_size


class ResponseTruncated(Exception):
    """A body longer than the read limit; ``response`` holds its first ``limit`` bytes."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        super().__init__(f"the response body is longer than {limit} bytes")
        self.response = response
        self.limit = limit


#: The read limit of the request being sent, for ``bounded_body`` inside the app call.
_READ_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "contractsnap_read_limit", default=None
)


def bounded_body(app: ASGIApp) -> ASGIApp:
    """Stop the app once a response body passes the read limit of the current ``send``.

    httpx's ``ASGITransport`` buffers the whole body before it returns a response, so an
    endless stream (server-sent events) would fill memory until the timeout. This wrapper
    passes on at most limit + 1 bytes, ends the body there and cancels the app; it also
    yields to the event loop after every body message that says more follows, so a
    ``timeout`` can interrupt a stream that never awaits.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        limit = _READ_LIMIT.get()
        if scope["type"] != "http" or limit is None:
            await app(scope, receive, send)
            return
        seen = 0
        with anyio.CancelScope() as stop:

            async def bounded_send(message: Message) -> None:
                nonlocal seen
                if stop.cancel_called:
                    await anyio.lowlevel.checkpoint()  # raises the cancellation in the app
                    return
                body = message.get("body", b"")
                if message["type"] == "http.response.body" and isinstance(
                    body, (bytes, bytearray, memoryview)
                ):
                    seen += len(body)
                    if seen > limit:
                        cut = len(body) - (seen - limit - 1)
                        await send({**message, "body": body[:cut], "more_body": False})
                        stop.cancel()
                        await anyio.lowlevel.checkpoint()
                        return
                await send(message)
                if message.get("more_body"):
                    await anyio.lowlevel.checkpoint()

            await app(scope, receive, bounded_send)

    return wrapped


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    timeout: float,
    read_limit: int = READ_LIMIT,
) -> httpx.Response:
    """Send one request and read at most ``read_limit`` bytes of the response body.

    A hang longer than ``timeout`` seconds raises ``TimeoutError``; a longer body raises
    ``ResponseTruncated``. The response returned has its content read, for the checks.
    """
    await request.aread()  # multipart bodies stream; checks read request.content later
    chunks: list[bytes] = []
    size = 0
    token = _READ_LIMIT.set(read_limit)
    try:
        with anyio.fail_after(timeout):
            response = await client.send(request, stream=True)
            try:
                async for chunk in response.aiter_raw():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > read_limit:
                        break
            finally:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
    finally:
        _READ_LIMIT.reset(token)
    raw = b"".join(chunks)
    truncated = size > read_limit
    # A new response over the bytes read: the streamed one cannot be read again. Built on
    # the raw bytes with the original headers, so httpx decodes them as it would have.
    read = httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw[:read_limit] if truncated else raw),
        request=request,
        extensions=response.extensions,
    )
    try:
        await read.aread()
    except httpx.DecodingError:
        # A body that does not decode as its content-encoding says (or a compressed body cut
        # short): keep the bytes as they came, without the encoding that does not apply.
        headers = httpx.Headers(response.headers)
        del headers["content-encoding"]
        read = httpx.Response(
            response.status_code,
            headers=headers,
            content=raw[:read_limit],
            request=request,
            extensions=response.extensions,
        )
    read.elapsed = response.elapsed
    if truncated:
        raise ResponseTruncated(read, read_limit)
    return read
