"""A setting that would do nothing is an error that names it and the closest right spelling."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from .conftest import Project


def _features(project: Project, **settings: Any) -> None:
    project.add_app("features")
    project.configure(app="app_module:app", setup="app_module:reset", **settings)


@pytest.mark.parametrize("table", ["contractsnapp", "contract_snap", "Contract-Snap"])
def test_a_misspelt_table_is_an_error(project: Project, table: str) -> None:
    _features(project)
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.contractsnap]", f"[tool.{table}]"))
    result = project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: contractsnap: pyproject.toml: [[]tool.{table}[]] looks like a misspelt "
            "[[]tool.contractsnap[]]; contractsnap reads only [[]tool.contractsnap[]], so none "
            "of these settings would apply: rename the table"
        ]
    )


def test_a_misspelt_table_beside_the_right_one_is_an_error(project: Project) -> None:
    """``[tool.contractsnap.operations...]`` makes the right table exist, without `app`."""
    _features(project, operations={"GET /orders": {"negative": True}})
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("[tool.contractsnap]\n", "[tool.contractsnapp]\n")
    )
    result = project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*[[]tool.contractsnapp[]] looks like a misspelt*"])


def test_another_tool_is_left_alone(project: Project) -> None:
    _features(project, include=["GET /health"])
    with (project.path / "pyproject.toml").open("a") as fh:
        fh.write("\n[tool.syrupy]\nx = 1\n[tool.snapshottest]\ny = 2\n")
    project.run("--snapshot-update").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"exclude": ["GET /bom"]}, "`exclude` entry 'GET /bom'"),
        ({"include": ["GET /health", "tag:order"]}, "`include` entry 'tag:order'"),
        (
            {"operations": {"GET /order/{order_id}": {"negative": True}}},
            'the table [[]tool.contractsnap.operations."GET /order/{order_id}"[]]',
        ),
    ],
)
def test_a_selector_that_matches_no_operation_is_an_error(
    project: Project, settings: dict[str, object], named: str
) -> None:
    _features(project, **settings)
    result = project.run("--snapshot-update")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"contractsnap: *: {named} matches no operation of the schema;*"])
    assert project.snapshots() == {}


def test_a_parameters_value_no_operation_takes_is_an_error(project: Project) -> None:
    """A known value under a misspelt name would never be sent."""
    _features(project, parameters={"ordr_id": 1})
    result = project.run("--snapshot-update")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "contractsnap: *: `ordr_id` in [[]tool.contractsnap.parameters[]] names no parameter "
            "of any operation; did you mean `order_id`? Fix the name*"
        ]
    )
    assert project.snapshots() == {}
    _features(project, parameters={"order_id": 1})
    project.run("--snapshot-update", "--contractsnap-op", "GET /orders/{order_id}").assert_outcomes(
        passed=1
    )


def test_did_you_mean_names_the_closest_operation(project: Project) -> None:
    _features(project, exclude=["GET /bom"], operations={"id:get_orderz": {"negative": True}})
    result = project.run()
    result.stdout.fnmatch_lines(
        [
            "*`exclude` entry 'GET /bom' matches no operation of the schema; did you mean "
            '"GET /boom"? Fix the selector or remove it'
        ]
    )
    _features(project, operations={"id:get_orderz": {"negative": True}})
    project.run().stdout.fnmatch_lines(['*; did you mean "id:get_order"? Fix the selector*'])


def test_an_op_selector_that_selects_nothing_is_a_usage_error(project: Project) -> None:
    _features(project, exclude=["GET /boom"])
    project.run("--snapshot-update").assert_outcomes(passed=9)
    result = project.run("--contractsnap-op", "GET /order")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --contractsnap-op 'GET /order' selects no test; the closest: 'GET /orders', *",
            "(`pytest -m contractsnap --collect-only -q` lists all 9 of them)",
        ]
    )
    assert "operations have snapshots" not in result.stdout.str()  # nothing ran
    # One right selector does not excuse a wrong one.
    both = project.run("--contractsnap-op", "GET /orders", "--contractsnap-op", "tag:nope")
    assert both.ret == pytest.ExitCode.USAGE_ERROR
    both.stderr.fnmatch_lines(["ERROR: --contractsnap-op 'tag:nope' selects no test*"])
    project.run("--contractsnap-op", "GET /orders").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("pyproject", "why"),
    [
        ('[project]\nname = "x"\n', "pyproject.toml has no [[]tool.contractsnap[]] table."),
        (
            '[tool.contractsnap]\nredact = ["uuid"]\n',
            "[[]tool.contractsnap[]] in pyproject.toml names no `app` (nor a `base_url`).",
        ),
    ],
)
def test_contractsnap_run_without_an_app_says_how_to_configure_one(
    pytester: pytest.Pytester, pyproject: str, why: str
) -> None:
    (pytester.path / "pyproject.toml").write_text(pyproject)
    result = pytester.run(sys.executable, "-m", "contractsnap", "run")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stderr.fnmatch_lines(
        [
            f"contractsnap: no contract test to run: {why} Point it at your ASGI app in "
            "pyproject.toml:",
            "",
            "  [[]tool.contractsnap[]]",
            '  app = "myapp.main:app" *',
        ]
    )


def test_pending_piped_into_head_exits_quietly(project: Project) -> None:
    """`contractsnap pending | head`: the closed pipe ends the listing, with no traceback."""
    _features(project, exclude=["GET /boom"])
    project.run("--snapshot-update").assert_outcomes(passed=9)
    project.edit("app_module", 'name="Pen"', 'name="Ballpoint pen"')
    project.edit("app_module", 'token=f"token-{username}"', 'token=f"tkn-{username}"')
    project.run().assert_outcomes(passed=7, failed=2)
    listing = subprocess.run(
        [sys.executable, "-m", "contractsnap", "pending"],
        cwd=project.path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(listing.stdout.splitlines()) > 1
    # A reader that is gone before the first line (`| head -0`): every write meets a closed
    # pipe, whatever the pipe's buffer size.
    read, write = os.pipe()
    os.close(read)
    with subprocess.Popen(
        [sys.executable, "-m", "contractsnap", "pending"],
        cwd=project.path,
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
    ) as piped:
        os.close(write)
        _, stderr = piped.communicate(timeout=60)
    assert stderr == ""
    assert piped.returncode == 0
