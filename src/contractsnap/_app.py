"""The app under test, from start-up to shut-down: import it (or reach the live server),
run its lifespan, read its OpenAPI document, and import the ``setup`` and ``probes``
callables the settings name."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator, Callable, Mapping

import httpx

from . import _client
from ._canonical import JSON
from ._config import Settings
from ._errors import AppLoadError, ConfigError
from ._exchange import Exchanger, Note, Setup
from ._probes import Probe


def import_callable(spec: str, key: str, source: str) -> Callable[..., object]:
    """The callable ``module:name`` names; an ``AppLoadError`` naming ``key`` otherwise."""
    module_name, _, attr = spec.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise AppLoadError(f"{source}: `{key}` = {spec!r} cannot be imported: {exc}") from None
    except Exception as exc:  # the module itself raised on import
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise AppLoadError(
            f"{source}: `{key}` = {spec!r}: importing {module_name!r} raised "
            f"{type(exc).__name__}: {first}; fix the module "
            f"(`python -c 'import {module_name}'` shows the traceback)"
        ) from exc
    if not callable(target):
        raise AppLoadError(f"{source}: `{key}` = {spec!r} is not callable")
    return target  # type: ignore[no-any-return]


class AppUnderTest:
    """The app of one suite (or the live server at ``base_url``) while it runs."""

    def __init__(self, settings: Settings, note: Note) -> None:
        self.settings = settings
        self._note = note
        #: The app object (None against a live server).
        self.app: _client.ASGIApp | None = None
        self.client: httpx.AsyncClient | None = None
        self.document: Mapping[str, JSON] = {}
        #: Where the document was served (``schema_path``, or the usual place that had it).
        self.document_path = settings.schema_path
        self.exchanger: Exchanger | None = None
        self._setup: Callable[[object], object] | None = None
        #: The ``probes`` of the settings, by function name.
        self.probes: dict[str, Probe] = {}

    @contextlib.asynccontextmanager
    async def started(self) -> AsyncIterator[AppUnderTest]:
        """Start the app and read its schema; stop the app on exit.

        Against a live server (``base_url``) nothing is imported or started here: the
        ``setup`` and ``probes`` callables, which take the app object, are not called.
        """
        settings = self.settings
        if settings.base_url:
            if settings.setup:  # probes are noted where they are skipped (``usable_probes``)
                self._note(
                    f"`setup` not called against the live server {settings.base_url}: it "
                    "takes the app object, which runs in the server; reset the server's state "
                    "in a `contractsnap_setup` fixture if its responses depend on it"
                )
        elif not settings.app:
            raise AppLoadError(
                f'{settings.source}: no `app` to test; set app = "package.module:app" '
                '(or base_url = "http://HOST:PORT" to test a running server)'
            )
        else:
            self.app = _client.load_app(settings.app, settings.root)
            if settings.setup:
                self._setup = import_callable(settings.setup, "setup", settings.source)
            self.probes = self._import_probes()
        async with _client.serve(self.app, settings) as client:
            self.client = client
            self.exchanger = Exchanger(client, self.app, settings, self._note)
            self.document, self.document_path = await _client.fetch_document(client, settings)
            yield self

    def _import_probes(self) -> dict[str, Probe]:
        probes: dict[str, Probe] = {}
        for spec in self.settings.probes:
            name = spec.partition(":")[2]
            if name in probes:
                raise ConfigError(
                    f"{self.settings.source}: two `probes` are named {name!r}; "
                    "give the functions different names"
                )
            probes[name] = import_callable(spec, "probes", self.settings.source)
        return probes

    def default_setup(self) -> Setup | None:
        """The ``setup`` of the settings, called with the app (whatever the operation)."""
        if self._setup is None:
            return None
        target, app = self._setup, self.app
        return lambda _operation: target(app)
