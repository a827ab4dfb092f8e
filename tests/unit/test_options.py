"""The run's options: read once from the command line and the environment, and checked."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from contractsnap._errors import ConfigError
from contractsnap._options import Options, ci_from


class CommandLine:
    """The options pytest parsed, as ``pytest.Config.getoption`` hands them out."""

    def __init__(self, verbosity: int = 0, **values: object) -> None:
        self.values: Mapping[str, object] = values
        self.verbosity = verbosity

    def getoption(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)

    def get_verbosity(self) -> int:
        return self.verbosity


class TestCI:
    @pytest.mark.parametrize("value", ["true", "1", "yes", "True ", "github"])
    def test_set_means_ci(self, value: str) -> None:
        assert ci_from({"CI": value})

    @pytest.mark.parametrize("value", ["", "0", "false", "FALSE", "no", " "])
    def test_false_spellings_and_unset_do_not(self, value: str) -> None:
        assert not ci_from({"CI": value})
        assert not ci_from({})


class TestFromPytest:
    def test_defaults(self) -> None:
        """Nothing on the command line, no CI: a plain local gate run."""
        assert Options.from_pytest(CommandLine(), environ={}) == Options()

    def test_every_option_is_read(self) -> None:
        options = Options.from_pytest(
            CommandLine(
                verbosity=1,
                update_snapshots=True,
                contractsnap_regenerate=True,
                contractsnap_ops=["GET /books", "tag:books"],
                contractsnap_shard=(2, 4),
                contractsnap_base_url="http://127.0.0.1:8000/",
                contractsnap_fail_uncovered=True,
                collectonly=True,
            ),
            environ={"CI": "true"},
        )
        assert options == Options(
            update=True,
            regenerate=True,
            ci=True,
            selectors=("GET /books", "tag:books"),
            shard=(2, 4),
            base_url="http://127.0.0.1:8000",
            fail_uncovered=True,
            collect_only=True,
            verbose=True,
        )

    def test_a_pytest_xdist_worker_knows_how_many_workers_run(self) -> None:
        """A worker reads the count from ``workerinput``; without one, the run is serial."""
        worker = CommandLine()
        worker.workerinput = {"workerid": "gw1", "workercount": 2}  # type: ignore[attr-defined]
        assert Options.from_pytest(worker, environ={}).workers == 2
        assert Options.from_pytest(CommandLine(), environ={}).workers == 1

    def test_a_bad_selector_names_the_option(self) -> None:
        with pytest.raises(ConfigError, match=r"^--contractsnap-op: "):
            Options.from_pytest(CommandLine(contractsnap_ops=["nonsense:x"]), environ={})

    def test_a_bad_base_url_names_the_option(self) -> None:
        with pytest.raises(ConfigError, match=r"^--contractsnap-base-url must be an http\(s\)"):
            Options.from_pytest(CommandLine(contractsnap_base_url="ftp://x"), environ={})

    def test_options_are_frozen(self) -> None:
        options = Options()
        with pytest.raises(AttributeError):
            options.update = True  # type: ignore[misc]
