"""The run's options, read once: the command line and the environment, as frozen data.

pytest builds them in ``pytest_configure`` (``from_pytest``); nothing else calls
``getoption`` or reads ``os.environ`` for them. ``[tool.contractsnap]`` is read by
``_config`` and meets these options in the session.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Protocol

from ._config import check_base_url
from ._errors import ConfigError
from ._selectors import validate_selector

#: The values of ``CI`` that do not mean "in CI" (GitHub, GitLab and others set ``true``).
_NOT_CI = ("", "0", "false", "no")


def ci_from(environ: Mapping[str, str]) -> bool:
    """Whether ``environ`` says this is a CI run (``CI`` set to anything but false)."""
    return environ.get("CI", "").strip().lower() not in _NOT_CI


class _PytestConfig(Protocol):
    """The part of ``pytest.Config`` the options are read from."""

    def getoption(self, name: str, default: object = ...) -> object: ...

    def get_verbosity(self) -> int: ...


@dataclasses.dataclass(frozen=True)
class Options:
    """What the command line and the environment ask of a run."""

    #: ``--snapshot-update``: record missing, stale or regenerated snapshots.
    update: bool = False
    #: ``--contractsnap-regenerate``: with ``update``, generate new cases for every test.
    regenerate: bool = False
    #: ``CI`` is set: nothing is written beside the snapshots, a pending file fails the run.
    ci: bool = False
    #: ``--contractsnap-op`` selectors, validated.
    selectors: tuple[str, ...] = ()
    #: ``--contractsnap-shard I/K`` as (I, K).
    shard: tuple[int, int] | None = None
    #: ``--contractsnap-base-url``, validated: overrides ``base_url`` of every suite.
    base_url: str | None = None
    #: ``--contractsnap-fail-uncovered``.
    fail_uncovered: bool = False
    #: ``--collect-only``: no test runs, so no suite waits for its tests.
    collect_only: bool = False
    #: ``-v``: the coverage table lists every operation.
    verbose: bool = False
    #: ``--contractsnap-only`` (``contractsnap run``): no test module is imported; only the
    #: ``[tool.contractsnap]`` suite runs, with the fixtures of every ``conftest.py``.
    only: bool = False
    #: pytest-xdist workers of the run (``-n``), as a worker sees it; 1 without. A failure
    #: that another worker's copy of the app could cause says so.
    workers: int = 1

    @classmethod
    def from_pytest(
        cls, config: _PytestConfig, environ: Mapping[str, str] | None = None
    ) -> Options:
        """Read and check the options of a pytest run; a bad one is a ``ConfigError``."""
        selectors = tuple(str(s) for s in _strings(config.getoption("contractsnap_ops", None)))
        for selector in selectors:
            try:
                validate_selector(selector)
            except ValueError as exc:
                raise ConfigError(f"--contractsnap-op: {exc}") from None
        base_url = config.getoption("contractsnap_base_url", None)
        shard = config.getoption("contractsnap_shard", None)
        return cls(
            update=bool(config.getoption("update_snapshots", False)),
            regenerate=bool(config.getoption("contractsnap_regenerate", False)),
            ci=ci_from(os.environ if environ is None else environ),
            selectors=selectors,
            shard=(int(shard[0]), int(shard[1])) if isinstance(shard, tuple) else None,
            base_url=(
                check_base_url(str(base_url), "--contractsnap-base-url") if base_url else None
            ),
            fail_uncovered=bool(config.getoption("contractsnap_fail_uncovered", False)),
            collect_only=bool(config.getoption("collectonly", False)),
            verbose=config.get_verbosity() > 0,
            only=bool(config.getoption("contractsnap_only", False)),
            workers=_workers(config),
        )


def _workers(config: object) -> int:
    """The run's pytest-xdist worker count, from a worker's ``workerinput`` (the
    controller runs no test, and a run without ``-n`` has none)."""
    workerinput = getattr(config, "workerinput", None)
    count = workerinput.get("workercount") if isinstance(workerinput, Mapping) else None
    return count if isinstance(count, int) and count > 0 else 1


def _strings(value: object) -> Sequence[object]:
    return value if isinstance(value, (list, tuple)) else ()
