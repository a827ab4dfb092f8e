"""The app, its lifespan and the one ``httpx.AsyncClient`` of a run.

The app is imported from ``"module:name"`` (an ASGI app) or ``"module:factory()"``, its
lifespan is entered once with asgi-lifespan, the OpenAPI document is read after start-up
(some apps register routes there), and every case goes through one
``AsyncClient(transport=ASGITransport(app))``.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import anyio
import httpx
from asgi_lifespan import LifespanManager

from ._cases import TRANSPORT_HEADERS
from ._config import Settings
from ._errors import AppLoadError, SchemaError

BASE_URL = "http://testserver"
#: Headers schemathesis adds for its own transport; the client sets its own user agent.
_NOT_SENT = TRANSPORT_HEADERS | {"user-agent"}
USER_AGENT = "contractsnap"


def load_app(spec: str, root: Path) -> Any:
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
        raise AppLoadError(f"app {spec!r}: importing {module_name!r} failed: {exc}") from exc
    except Exception as exc:
        raise AppLoadError(
            f"app {spec!r}: importing {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from exc
    try:
        obj = getattr(module, attr) if attr else None
    except AttributeError:
        obj = None
    if obj is None:
        raise AppLoadError(f"app {spec!r}: module {module_name!r} has no attribute {attr!r}")
    if call:
        try:
            obj = obj()
        except Exception as exc:
            raise AppLoadError(
                f"app {spec!r}: the factory raised {type(exc).__name__}: {exc}"
            ) from exc
    if not callable(obj) or inspect.isclass(obj):
        hint = '; if it is a factory, write it as "module:factory()"' if not call else ""
        raise AppLoadError(f"app {spec!r} is a {type(obj).__name__}, not an ASGI app{hint}")
    return obj


def _per_request_state(app: Any) -> Any:
    """Give each request its own copy of the lifespan state, as the ASGI spec asks.

    asgi-lifespan hands every request the same dict; frameworks that keep per-request data
    there (Litestar) then leak it from one request into the next. Wrapped inside the
    lifespan manager, so the copy is taken after it has put its state in the scope.
    """

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan" and "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}
        await app(scope, receive, send)

    return wrapped


@contextlib.asynccontextmanager
async def serve(app: Any, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (unless switched off) and yield the run's client."""
    async with contextlib.AsyncExitStack() as stack:
        target = _per_request_state(app)
        if settings.lifespan:
            try:
                manager = await stack.enter_async_context(
                    LifespanManager(target, startup_timeout=60, shutdown_timeout=60)
                )
            except BaseException as exc:
                if isinstance(
                    exc, (KeyboardInterrupt, SystemExit, anyio.get_cancelled_exc_class())
                ):
                    raise
                raise AppLoadError(
                    f"app {settings.app!r}: the lifespan start-up failed: "
                    f"{type(exc).__name__}: {exc}; fix the app, or set `lifespan = false`"
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


async def fetch_document(client: httpx.AsyncClient, settings: Settings) -> Mapping[str, Any]:
    """The app's OpenAPI document: from ``schema`` (a file) or from ``schema_path`` (a URL)."""
    if settings.schema:
        path = settings.root / settings.schema
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SchemaError(f"schema file {settings.schema!r}: {exc.strerror}") from None
        return _parse_document(text, settings.schema)
    url = BASE_URL + settings.schema_path
    try:
        response = await client.get(url)
    except Exception as exc:
        raise SchemaError(
            f"GET {settings.schema_path} (the OpenAPI document) raised {exc!r}"
        ) from exc
    if response.status_code != 200:
        raise SchemaError(
            f"GET {settings.schema_path} answered {response.status_code}, not the OpenAPI "
            "document; set `schema_path` in [tool.contractsnap] to where the app serves it "
            "(FastAPI: /openapi.json, Litestar: /schema/openapi.json)"
        )
    return _parse_document(response.text, settings.schema_path)


def _parse_document(text: str, where: str) -> Mapping[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        try:
            import yaml
        except ImportError:
            raise SchemaError(f"{where}: the OpenAPI document is not valid JSON") from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SchemaError(
                f"{where}: the OpenAPI document is neither JSON nor YAML: {exc}"
            ) from None
    if not isinstance(document, Mapping):
        raise SchemaError(f"{where}: the OpenAPI document is not an object")
    return document


def build_request(
    client: httpx.AsyncClient, case: Any, auth_headers: Mapping[str, str]
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
    out: dict[str, Any] = {"headers": headers}
    if kwargs.get("params"):
        out["params"] = kwargs["params"]
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    data, files = kwargs.get("data"), kwargs.get("files")
    if files:
        # requests accepts non-str part contents; httpx needs str or bytes
        out["files"] = [
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
            out["data"] = data
    elif isinstance(data, dict):
        out["data"] = data
    elif data is not None:
        out["content"] = data
    return client.build_request(kwargs["method"], kwargs["url"], **out)


async def send(client: httpx.AsyncClient, request: httpx.Request, timeout: float) -> httpx.Response:
    """Send one request; a hang longer than ``timeout`` seconds raises ``TimeoutError``."""
    await request.aread()  # multipart bodies stream; checks read request.content later
    with anyio.fail_after(timeout):
        response = await client.send(request)
        await response.aread()
    return response
