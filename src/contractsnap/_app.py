"""The app under test, from start-up to shut-down: import it (or reach the live server),
run its lifespan, read its OpenAPI document, and import the ``setup`` and ``probes``
callables the settings name."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import anyio
import httpx

from . import _client
from ._canonical import JSON, dumps
from ._config import Settings, build_settings
from ._errors import AppLoadError, ConfigError
from ._exchange import Exchanger, Note, Setup
from ._probes import Probe
from ._schema import normalized_document

#: Seconds a second process may take to import the app, start it and serve its document.
FRESH_TIMEOUT = 120
_SERVE_DOCUMENT = "from contractsnap._app import serve_document; serve_document()"


def import_callable(spec: str, key: str, source: str) -> Callable[..., object]:
    """The callable ``module:name`` names; an ``AppLoadError`` naming ``key`` otherwise."""
    module_name, _, attr = spec.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise AppLoadError(f"{source}: `{key}` = {spec!r} cannot be imported: {exc}") from None
    except (Exception, SystemExit) as exc:  # the module itself raised (or exited) on import
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
        self._setup: Callable[..., object] | None = None
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

    def origin(self) -> dict[str, object]:
        """What another process needs to read the document as the app serves it (empty
        when the document is a file: a file is the same in every process)."""
        settings = self.settings
        if settings.schema:
            return {}
        table: dict[str, object] = {
            "schema_path": self.document_path,
            "lifespan": settings.lifespan,
            "backend": settings.backend,
            "schema_redact": list(settings.schema_redact),
            "schema_unordered": list(settings.schema_unordered),
        }
        if settings.base_url:
            table["base_url"] = settings.base_url
        else:
            table["app"] = settings.app
        return {"settings": table, "root": str(settings.root), "source": settings.source}

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
        """The ``setup`` of the settings, called with the app (whatever the operation), or
        with nothing when it takes no argument."""
        if self._setup is None:
            return None
        target, app = self._setup, self.app
        try:
            takes = bool(inspect.signature(target).parameters)
        except (TypeError, ValueError):  # a builtin or callable without a signature
            takes = True
        return (lambda _operation: target(app)) if takes else (lambda _operation: target())


# -- the document in another process ---------------------------------------------------------


def fresh_document(origin: Mapping[str, object]) -> str:
    """The normalised document (canonical text) as a new process, with another hash seed,
    reads it: values computed at import or start-up, and lists in set order, differ there.

    Raises ``AppLoadError`` saying why the process gave no document.
    """
    seed = os.environ.get("PYTHONHASHSEED", "")
    env = {
        **os.environ,
        # Any other seed: another set order. The process imports what this one can.
        "PYTHONHASHSEED": str(int(seed) + 1) if seed.isdigit() else "0",
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        # It reads the app once: nothing of it is cached for the runs to come.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    with tempfile.TemporaryDirectory(prefix="contractsnap-") as scratch:
        # A file, not stdout: the app may print to stdout while it starts.
        out = Path(scratch) / "openapi.json"
        try:
            done = subprocess.run(
                [sys.executable, "-c", _SERVE_DOCUMENT, str(out)],
                input=json.dumps(origin),
                capture_output=True,
                text=True,
                encoding="utf-8",
                env=env,
                cwd=str(origin.get("root") or "."),
                timeout=FRESH_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise AppLoadError(f"it took more than {FRESH_TIMEOUT} s") from None
        except OSError as exc:
            raise AppLoadError(str(exc)) from None
        if done.returncode != 0 or not out.exists():
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise AppLoadError(lines[-1] if lines else f"it exited with status {done.returncode}")
        return out.read_text(encoding="utf-8")


def serve_document() -> None:
    """In the second process: read the origin on stdin, write the document to the file
    named by the first argument."""
    origin = json.loads(sys.stdin.read())
    settings = build_settings(
        origin["settings"], root=Path(origin["root"]), source=str(origin["source"])
    )

    async def read() -> str:
        app = None if settings.base_url else _client.load_app(str(settings.app), settings.root)
        async with _client.serve(app, settings) as client:
            document, _ = await _client.fetch_document(client, settings)
        return dumps(normalized_document(document, settings))

    Path(sys.argv[1]).write_text(anyio.run(read, backend=settings.backend), encoding="utf-8")
    # Threads the app left running would keep this process alive (the run names them);
    # the document is written, so nothing is lost by not waiting for them.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
