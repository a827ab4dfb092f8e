"""Settings: every key of [tool.contractsnap] validated with an error that says how to fix it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from contractsnap import ConfigError
from contractsnap._checknames import RESPONSE_CHECKS, known_checks
from contractsnap._config import (
    DEFAULT_CHECKS,
    DEFAULT_WARN_CHECKS,
    OperationSettings,
    Settings,
    build_settings,
    load_settings,
    read_pyproject,
)

SOURCE = "test"

#: A value of the wrong type for every key, and the type the error message asks for.
WRONG_TYPES: dict[str, tuple[object, str]] = {
    "app": (1, "a string"),
    "schema": (["x"], "a string"),
    "schema_path": (True, "a string"),
    "base_path": (None, "a string"),
    "snapshot_dir": (2.5, "a string"),
    "backend": (1, "a string"),
    "lifespan": ("yes", "true or false"),
    "setup": (0, "a string"),
    "include": ("GET /books", "a list of strings"),
    "exclude": ([1], "a list of strings"),
    "redact": ("uuid", "a list of strings"),
    "unordered": ("$.tags", "a list of strings"),
    "schema_redact": ("$.info.version", "a list of strings"),
    "schema_unordered": ([3], "a list of strings"),
    "headers": ({"a": 1}, "a list of strings"),
    "secrets": ([None], "a list of strings"),
    "max_body_size": (0, "a positive integer"),
    "max_read_size": (-5, "a positive integer"),
    "base_url": (8000, "a string"),
    "probes": ("bookstore:books_table", "a list of strings"),
    "fail_uncovered": ("no", "true or false"),
    "min_reach": (-1, "an integer >= 0"),
    "parameters": (["slug"], "a table of parameter names to values (strings, numbers or booleans)"),
    "links": ("yes", "true or false"),
    "infer_scenarios": ("yes", "true or false"),
    "checks": ("not_a_server_error", "a list of strings"),
    "warn_checks": ([1], "a list of strings"),
    "strict": (1, "true or false"),
    "timeout": (0, "a positive number"),
    "examples": ("true", "true or false"),
    "coverage": (0, "true or false"),
    "fuzz": (-1, "an integer >= 0"),
    "negative": (None, "true or false"),
    "max_cases": (0, "a positive integer"),
}
#: Values that look right to Python but are not: booleans are not numbers, NaN is not > 0.
TRICKY_VALUES: list[tuple[str, object, str]] = [
    ("max_body_size", True, "a positive integer"),
    ("max_body_size", 1.5, "a positive integer"),
    ("timeout", False, "a positive number"),
    ("timeout", -1.0, "a positive number"),
    ("timeout", float("nan"), "a positive number"),
    ("timeout", "30", "a positive number"),
    ("fuzz", True, "an integer >= 0"),
    ("fuzz", 2.0, "an integer >= 0"),
    ("max_cases", -5, "a positive integer"),
]


def build(raw: Mapping[str, Any], root: Path = Path("/project")) -> Settings:
    return build_settings(raw, root=root, source=SOURCE)


def type_error(key: str, value: object, kind: str, where: str = SOURCE) -> str:
    return f"{where}: `{key}` must be {kind}, got {type(value).__name__} {value!r}"


def config_error(raw: Mapping[str, Any], message: str) -> None:
    """Assert that ``raw`` is refused with exactly ``message``."""
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        build(raw)


class TestDefaults:
    """An empty table gives the documented defaults."""

    def test_top_level(self) -> None:
        """Every top-level setting has its default."""
        settings = build({})
        assert settings == Settings(source=SOURCE, root=Path("/project"))
        assert settings.app is None
        assert settings.schema_path == "/openapi.json"
        assert settings.snapshot_dir == "snapshots"
        assert settings.backend == "asyncio"
        assert settings.lifespan is True
        assert settings.max_body_size == 1_000_000
        assert settings.include == settings.exclude == settings.redact == ()
        assert settings.operations == ()

    def test_operation_defaults(self) -> None:
        """Per-operation settings default to the standard checks and generation."""
        defaults = build({}).defaults
        assert defaults == OperationSettings()
        assert (
            defaults.checks
            == DEFAULT_CHECKS
            == (
                "not_a_server_error",
                "response_schema_conformance",
                "content_type_conformance",
            )
        )
        assert (
            defaults.warn_checks
            == DEFAULT_WARN_CHECKS
            == (
                "status_code_conformance",
                "response_headers_conformance",
            )
        )
        assert defaults.generation_key() == {
            "examples": True,
            "coverage": True,
            "fuzz": 0,
            "negative": False,
            "max_cases": 100,
        }
        assert (defaults.strict, defaults.timeout) == (False, 30.0)

    def test_snapshot_path(self, tmp_path: Path) -> None:
        """The snapshot directory is resolved against the root."""
        assert (
            build({"snapshot_dir": "snaps/api"}, tmp_path).snapshot_path
            == (tmp_path / "snaps" / "api").resolve()
        )


class TestTypes:
    """Each key is type-checked; the error names the key and the expected type."""

    def test_table_covers_every_key(self) -> None:
        """The wrong-type table lists every setting a user can write."""
        # `operations` and `scenarios` are tables with tests of their own.
        internal = {"defaults", "operations", "operation_keys", "source", "root", "scenarios"}
        internal.add("schema_path_given")  # whether `schema_path` was written
        top = {f.name for f in dataclasses.fields(Settings)} - internal
        per_operation = {f.name for f in dataclasses.fields(OperationSettings)}
        assert set(WRONG_TYPES) == top | per_operation

    @pytest.mark.parametrize("key", sorted(WRONG_TYPES))
    def test_wrong_type(self, key: str) -> None:
        """A value of the wrong type is a ConfigError naming key, expected type and value."""
        value, kind = WRONG_TYPES[key]
        config_error({key: value}, type_error(key, value, kind))

    @pytest.mark.parametrize(("key", "value", "kind"), TRICKY_VALUES)
    def test_tricky_values(self, key: str, value: object, kind: str) -> None:
        """Booleans, floats and NaN are refused where they do not fit."""
        config_error({key: value}, type_error(key, value, kind))

    @pytest.mark.parametrize("key", sorted(f.name for f in dataclasses.fields(OperationSettings)))
    def test_wrong_type_in_operation_table(self, key: str) -> None:
        """Per-operation keys are type-checked in ``operations`` tables too."""
        value, kind = WRONG_TYPES[key]
        config_error(
            {"operations": {"GET /x": {key: value}}},
            type_error(key, value, kind, "test.operations.'GET /x'"),
        )

    def test_top_level_key_in_operation_table(self) -> None:
        """A top-level-only key is unknown in an operation table, which lists its keys."""
        config_error(
            {"operations": {"GET /x": {"app": "a:b"}}},
            "test.operations.'GET /x': unknown key `app`; known keys: checks, coverage, examples, "
            "fuzz, max_cases, negative, parameters, redact, strict, timeout, warn_checks",
        )

    def test_an_operation_table_takes_its_own_redact_rules(self) -> None:
        settings = build({"redact": ["uuid"], "operations": {"POST /login": {"redact": ["jwt"]}}})
        assert settings.redact == ("uuid",)
        assert settings.defaults.redact == ()
        assert settings.for_operation(lambda s: s == "POST /login").redact == ("jwt",)
        config_error(
            {"operations": {"POST /login": {"redact": ["jwtt"]}}},
            "test.operations.'POST /login': `redact` has an unknown rule 'jwtt'; use one of "
            "uuid, timestamp, date, jwt, epoch or a `$.path` selector such as "
            '"$.items[*].id"',
        )

    def test_lists_become_tuples(self) -> None:
        """List values are stored as tuples; header and secret names are lower-cased."""
        settings = build(
            {"include": ["GET /a"], "headers": ["X-Total-Count"], "secrets": ["X-Token"]}
        )
        assert settings.include == ("GET /a",)
        assert settings.headers == ("x-total-count",)
        assert settings.secrets == ("x-token",)

    def test_positive_numbers(self) -> None:
        """Integers and floats are accepted where a positive number is expected."""
        assert build({"timeout": 2}).defaults.timeout == 2
        assert build({"timeout": 0.5}).defaults.timeout == 0.5


class TestUnknownKeys:
    """A misspelt key is refused with a suggestion."""

    @pytest.mark.parametrize(
        ("key", "hint"),
        [
            ("redcat", "redact"),
            ("snapshotdir", "snapshot_dir"),
            ("fuz", "fuzz"),
            ("operation", "operations"),
            ("exlude", "exclude"),
        ],
    )
    def test_did_you_mean(self, key: str, hint: str) -> None:
        """A near miss names the key it probably means."""
        config_error({key: 1}, f"test: unknown key `{key}`; did you mean `{hint}`?")

    def test_far_miss_lists_known_keys(self) -> None:
        """A key like nothing known lists every known key."""
        config_error(
            {"zzzzz": 1},
            "test: unknown key `zzzzz`; known keys: app, backend, base_path, base_url, checks, "
            "coverage, examples, exclude, fail_uncovered, fuzz, headers, include, "
            "infer_scenarios, lifespan, links, "
            "max_body_size, max_cases, max_read_size, min_reach, negative, operations, parameters, "
            "probes, "
            "redact, scenarios, schema, schema_path, schema_redact, schema_unordered, secrets, "
            "setup, snapshot_dir, strict, timeout, unordered, warn_checks",
        )

    def test_unknown_key_in_operation_table(self) -> None:
        """A misspelt per-operation key names its table."""
        config_error(
            {"operations": {"GET /x": {"negativ": True}}},
            "test.operations.'GET /x': unknown key `negativ`; did you mean `negative`?",
        )


class TestValues:
    """Values of the right type are checked for meaning."""

    def test_backend(self) -> None:
        """Only asyncio and trio are backends."""
        config_error(
            {"backend": "curio"}, 'test: `backend` must be "asyncio" or "trio", got \'curio\''
        )
        assert build({"backend": "trio"}).backend == "trio"

    @pytest.mark.parametrize("key", ["app", "setup"])
    def test_import_spec_needs_a_colon(self, key: str) -> None:
        """``app`` and ``setup`` must name module and attribute."""
        config_error(
            {key: "bookstore"},
            f'test: `{key}` must look like "package.module:name" '
            f"(or \"package.module:factory()\"), got 'bookstore'",
        )
        assert getattr(build({key: "bookstore:thing"}), key) == "bookstore:thing"

    @pytest.mark.parametrize("spec", ["bookstore", "bookstore:", "bookstore:make()"])
    def test_probes_name_functions(self, spec: str) -> None:
        """Each probe is a "module:function" import path (nothing is called to build it)."""
        config_error(
            {"probes": ["bookstore:books_table", spec]},
            f'test: `probes` entries must look like "package.module:function", got {spec!r}',
        )
        assert build({"probes": ["bookstore:books_table"]}).probes == ("bookstore:books_table",)

    def test_schema_path_is_absolute(self) -> None:
        """``schema_path`` is a URL path starting with a slash."""
        config_error(
            {"schema_path": "openapi.json"},
            "test: `schema_path` must start with \"/\", got 'openapi.json'",
        )

    @pytest.mark.parametrize(
        ("raw", "normalised"),
        [("/api/", "/api"), ("api", "/api"), ("/", ""), ("", ""), ("/a/b/", "/a/b")],
    )
    def test_base_path_is_normalised(self, raw: str, normalised: str) -> None:
        """``base_path`` gets one leading slash and no trailing slash; ``/`` means none."""
        assert build({"base_path": raw}).base_path == normalised

    @pytest.mark.parametrize(
        ("key", "selector", "message"),
        [
            (
                "include",
                "books",
                "test: invalid operation selector 'books'; use \"GET /books/{book_id}\" (globs "
                'allowed), "tag:NAME", "id:OPERATION_ID", "method:POST", "path:/books/*" or '
                '"scenario:NAME"',
            ),
            ("exclude", "tag:", "test: selector 'tag:' has nothing after `tag:`"),
            ("include", "id:", "test: selector 'id:' has nothing after `id:`"),
        ],
    )
    def test_bad_selectors(self, key: str, selector: str, message: str) -> None:
        """Invalid include/exclude selectors are refused with the accepted forms."""
        config_error({key: [selector]}, message)

    def test_good_selectors(self) -> None:
        """Every selector form is accepted in include and exclude."""
        selectors = [
            "GET /books/*",
            "* /health",
            "tag:books",
            "id:get_book",
            "method:POST",
            "path:/books/*",
        ]
        settings = build({"include": selectors, "exclude": selectors[:1]})
        assert settings.include == tuple(selectors)
        assert settings.exclude == ("GET /books/*",)

    def test_scenario_selectors_only_exclude(self) -> None:
        """`scenario:NAME` leaves scenarios out; scenarios cannot be included one by one."""
        assert build({"exclude": ["scenario:POST /books*"]}).exclude == ("scenario:POST /books*",)
        message = (
            "test: 'scenario:x' selects scenarios, which only `exclude` (and --contractsnap-op) "
            "take; scenarios run when all their operations are included"
        )
        config_error({"include": ["scenario:x"]}, message)
        config_error({"operations": {"scenario:x": {"timeout": 1}}}, message)

    @pytest.mark.parametrize(
        ("key", "name", "fix"),
        [
            ("checks", "not_a_server_eror", "did you mean `not_a_server_error`?"),
            ("warn_checks", "status_code", "did you mean `status_code_conformance`?"),
        ],
    )
    def test_unknown_check_names(self, key: str, name: str, fix: str) -> None:
        """A check schemathesis does not know is refused with the closest known name."""
        config_error({key: [name]}, f"test: `{key}` names an unknown check `{name}`; {fix}")

    def test_unknown_check_far_miss(self) -> None:
        """A check name like nothing known lists the known checks."""
        with pytest.raises(
            ConfigError,
            match=r"^test: `checks` names an unknown check `zzz`; "
            r"known checks: .*not_a_server_error.*response_schema_conformance",
        ):
            build({"checks": ["zzz"]})

    def test_empty_checks(self) -> None:
        """An empty check list switches checks off."""
        assert build({"checks": [], "warn_checks": []}).defaults.checks == ()

    @pytest.mark.parametrize(
        ("rule", "message"),
        [
            (
                "guid",
                "test: `redact` has an unknown rule 'guid'; use one of uuid, timestamp, date, "
                "jwt, epoch or "
                'a `$.path` selector such as "$.items[*].id"',
            ),
            (
                "$.items[x]",
                "test: `redact` has an invalid selector '$.items[x]': unexpected '[x]' at "
                "position 7",
            ),
            (
                "$",
                "test: `redact` has an invalid selector '$': `$` alone would redact the whole "
                "body; name a field, e.g. `$.id`",
            ),
        ],
    )
    def test_invalid_redact_rules(self, rule: str, message: str) -> None:
        """Unknown detectors and broken selectors are refused."""
        config_error({"redact": ["uuid", rule]}, message)

    def test_valid_redact_rules(self) -> None:
        """Detectors and selectors are kept in order."""
        rules = ["uuid", "timestamp", "date", "$.items[*].id", "$..etag"]
        assert build({"redact": rules}).redact == tuple(rules)


class TestOperations:
    """``operations`` tables override settings for the operations they select."""

    def test_tables_inherit_top_level_values(self) -> None:
        """A table starts from the top-level operation settings, then applies its own keys."""
        settings = build(
            {
                "fuzz": 3,
                "timeout": 5,
                "operations": {
                    "GET /books/*": {"negative": True, "checks": ["not_a_server_error"]},
                    "tag:slow": {"timeout": 60.0},
                },
            }
        )
        assert settings.defaults == OperationSettings(fuzz=3, timeout=5)
        assert settings.operations == (
            (
                "GET /books/*",
                OperationSettings(fuzz=3, timeout=5, negative=True, checks=("not_a_server_error",)),
            ),
            ("tag:slow", OperationSettings(fuzz=3, timeout=60.0)),
        )

    def test_matching_tables_merge_in_file_order(self) -> None:
        """Every matching table applies, in file order; a later one wins for keys it sets."""
        settings = build(
            {
                "operations": {
                    "tag:a": {"max_cases": 1, "strict": True},
                    "tag:b": {"max_cases": 2, "timeout": 5},
                }
            }
        )
        both = settings.for_operation(lambda s: s in {"tag:a", "tag:b"})
        assert (both.max_cases, both.strict, both.timeout) == (2, True, 5)
        assert settings.for_operation(lambda s: s == "tag:a").max_cases == 1
        assert settings.for_operation(lambda s: False).max_cases == 100

    def test_operations_must_be_a_table(self) -> None:
        """``operations`` is a table of selectors."""
        config_error(
            {"operations": ["GET /x"]}, "test: `operations` must be a table of operation selectors"
        )

    def test_each_entry_must_be_a_table(self) -> None:
        """Each selector maps to a table."""
        config_error(
            {"operations": {"GET /x": 1}}, "test.operations.'GET /x' must be a table, got int"
        )

    def test_selector_keys_are_validated(self) -> None:
        """A table keyed by an invalid selector is refused."""
        config_error(
            {"operations": {"method:": {}}},
            "test.operations.'method:': selector 'method:' has nothing after `method:`",
        )

    def test_unknown_check_in_table(self) -> None:
        """Check names in a table are validated and the error names the table."""
        config_error(
            {"operations": {"id:x": {"warn_checks": ["nope_nope_nope"]}}},
            "test.operations.'id:x': `warn_checks` names an unknown check `nope_nope_nope`; "
            "known checks: " + ", ".join(sorted(known_checks() & RESPONSE_CHECKS)),
        )


PYPROJECT = """\
[project]
name = "demo"

[tool.contractsnap]
app = "bookstore:app"
setup = "bookstore:reset"
backend = "trio"
redact = ["uuid", "$.items[*].id"]
include = ["tag:books"]
fuzz = 2

[tool.contractsnap.operations."POST /books"]
negative = true
max_cases = 10
"""


class TestLoadSettings:
    """Settings are read from pyproject.toml, with keyword overrides on top."""

    def test_reads_pyproject(self, tmp_path: Path) -> None:
        """Every key and the operations tables come from [tool.contractsnap]."""
        (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        settings = load_settings(tmp_path)
        assert settings == Settings(
            app="bookstore:app",
            setup="bookstore:reset",
            backend="trio",
            redact=("uuid", "$.items[*].id"),
            include=("tag:books",),
            defaults=OperationSettings(fuzz=2),
            operations=(("POST /books", OperationSettings(fuzz=2, negative=True, max_cases=10)),),
            operation_keys=(frozenset({"negative", "max_cases"}),),
            source="pyproject.toml [tool.contractsnap]",
            root=tmp_path,
        )

    def test_dotted_parameter_keys(self, tmp_path: Path) -> None:
        """`header.Authorization = ...` unquoted is a table in TOML; it means the header."""
        (tmp_path / "pyproject.toml").write_text(
            "[tool.contractsnap]\n"
            'app = "a:app"\n'
            "[[tool.contractsnap.scenarios]]\n"
            'name = "login"\n'
            "steps = [\n"
            '  {operation = "POST /login"},\n'
            '  {operation = "GET /me", parameters = {header.Authorization = '
            '"Bearer {$response.body#/token}", "query.v" = 1, id = 2}},\n'
            "]\n",
            encoding="utf-8",
        )
        step = load_settings(tmp_path).scenarios[0].steps[1]
        assert sorted(step.parameters) == [
            ("header.Authorization", "Bearer {$response.body#/token}"),
            ("id", 2),
            ("query.v", 1),
        ]

    def test_overrides(self, tmp_path: Path) -> None:
        """Overrides replace file values; tuples are accepted like lists."""
        (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        settings = load_settings(
            tmp_path, {"include": ("GET /health",), "backend": "asyncio"}, source="suite x"
        )
        assert settings.include == ("GET /health",)
        assert settings.backend == "asyncio"
        assert settings.app == "bookstore:app"
        assert settings.source == "suite x"

    def test_overrides_are_validated(self, tmp_path: Path) -> None:
        """A bad override is a ConfigError naming the given source."""
        with pytest.raises(
            ConfigError, match=r"^suite x: unknown key `fuzzz`; did you mean `fuzz`\?$"
        ):
            load_settings(tmp_path, {"fuzzz": 1}, source="suite x")

    def test_no_pyproject(self, tmp_path: Path) -> None:
        """Without a pyproject.toml the defaults apply."""
        assert read_pyproject(tmp_path / "pyproject.toml") is None
        assert load_settings(tmp_path) == Settings(
            source="pyproject.toml [tool.contractsnap]", root=tmp_path
        )

    def test_no_table(self, tmp_path: Path) -> None:
        """A pyproject.toml without [tool.contractsnap] has no settings."""
        (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n", encoding="utf-8")
        assert read_pyproject(tmp_path / "pyproject.toml") is None

    def test_invalid_toml(self, tmp_path: Path) -> None:
        """A TOML syntax error is a ConfigError naming the file."""
        (tmp_path / "pyproject.toml").write_text("[tool.contractsnap\napp = 1\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"^pyproject\.toml: invalid TOML: .*line 1"):
            load_settings(tmp_path)

    def test_table_must_be_a_table(self, tmp_path: Path) -> None:
        """``tool.contractsnap`` set to a plain value is refused."""
        (tmp_path / "pyproject.toml").write_text("[tool]\ncontractsnap = 1\n", encoding="utf-8")
        with pytest.raises(
            ConfigError, match=r"^pyproject\.toml: \[tool\.contractsnap\] must be a table$"
        ):
            load_settings(tmp_path)

    def test_errors_name_the_file(self, tmp_path: Path) -> None:
        """A bad value in the file is reported against pyproject.toml [tool.contractsnap]."""
        (tmp_path / "pyproject.toml").write_text(
            '[tool.contractsnap]\nlifespan = "no"\n', encoding="utf-8"
        )
        with pytest.raises(
            ConfigError,
            match=r"^pyproject\.toml \[tool\.contractsnap\]: `lifespan` must be true or false, "
            r"got str 'no'$",
        ):
            load_settings(tmp_path)

    def test_tuple_overrides_in_operation_tables(self, tmp_path: Path) -> None:
        """Tuples are accepted in override operation tables as they are at the top level."""
        settings = load_settings(
            tmp_path, {"operations": {"GET /x": {"checks": ("not_a_server_error",)}}}
        )
        assert settings.operations == (
            ("GET /x", OperationSettings(checks=("not_a_server_error",))),
        )

    def test_tool_must_be_a_table(self, tmp_path: Path) -> None:
        """A pyproject.toml whose ``tool`` key is a plain value is a ConfigError."""
        (tmp_path / "pyproject.toml").write_text('tool = "x"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match=r"^pyproject\.toml: "):
            load_settings(tmp_path)


class TestParameters:
    """Known parameter values: by name or `place.name`, scalars only; in the generation key
    only when set, so the fingerprints recorded without them stay valid."""

    def test_values_by_name_and_place(self) -> None:
        settings = build({"parameters": {"slug": "acme", "path.book_id": 1}})
        assert settings.defaults.parameters == (("path.book_id", 1), ("slug", "acme"))
        assert settings.defaults.generation_key()["parameters"] == [
            ["path.book_id", 1],
            ["slug", "acme"],
        ]

    def test_no_table_leaves_the_generation_key_as_it_was(self) -> None:
        assert "parameters" not in build({}).defaults.generation_key()

    @pytest.mark.parametrize("value", [{"body.x": 1}, {"slug": [1]}, ["slug"]])
    def test_bad_tables_are_refused(self, value: object) -> None:
        with pytest.raises(ConfigError, match="`parameters` must be a table of parameter names"):
            build({"parameters": value})
