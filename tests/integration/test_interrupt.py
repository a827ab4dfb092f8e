"""Interrupted runs lose nothing: every snapshot file stays whole, the old or the new version.

A project of 40 operations whose answers depend on ``VERSION`` is recorded with
``VERSION=old``; then ``pytest --snapshot-update`` with ``VERSION=new`` is started again and
again in a subprocess and killed (SIGINT and SIGKILL in turn) while it writes its files: once
the snapshot directory changes, after a seeded random part of the time a full run takes to
write them all (measured first; on a loaded machine the start-up varies by seconds, the write
phase much less). After every kill
each file must parse and equal, byte for byte, its old or its new version; pending files of
an interrupted gate run must be whole too. A last uninterrupted update leaves every file new
and no temporary file behind.

The long loop is also a script::

    python tests/integration/test_interrupt.py --kills 60 --seed 1
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from contractsnap._pending import SUFFIX
from contractsnap._snapshot import leftover_temp_files

OPERATIONS = 40
APP = f'''"""{OPERATIONS} operations whose answers depend on the VERSION environment variable."""

import os
from typing import Any

from fastapi import FastAPI

VERSION = os.environ["VERSION"]
app = FastAPI(title="Versioned", version=VERSION)  # openapi.json changes too


def _add(n: int) -> None:
    @app.get(f"/things{{n}}/{{{{thing_id}}}}", operation_id=f"get_thing_{{n}}")
    async def get_thing(thing_id: int, limit: int = 10) -> dict[str, Any]:
        rows = [{{"n": i, "label": f"{{VERSION}}-{{n}}-{{i}}"}} for i in range(200)]
        return {{"version": VERSION, "thing": thing_id, "limit": limit, "rows": rows}}


for _n in range({OPERATIONS}):
    _add(_n)
'''
PYPROJECT = """\
[tool.contractsnap]
app = "versioned_app:app"

[tool.pytest.ini_options]
filterwarnings = ["error"]
"""
#: How long an interrupted pytest may take to exit after SIGINT before it counts as a hang.
EXIT_GRACE = 60.0


def make_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "versioned_app.py").write_text(APP)
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def _environment(version: str) -> dict[str, str]:
    drop = {"CI", "PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE"}  # bytecode: faster restarts
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith("PYTEST_XDIST")  # not a worker of this run's
    }
    env["VERSION"] = version
    return env


def _command(update: bool) -> list[str]:
    options = ["--snapshot-update"] if update else []
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *options]


def run_pytest(root: Path, version: str, *, update: bool) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(update),
        cwd=root,
        env=_environment(version),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def files(directory: Path) -> dict[str, bytes]:
    """The visible files of a snapshot directory (temporary files start with a dot)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(directory.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def _write_span(directory: Path, before: dict[str, bytes]) -> float:
    """How long a run wrote files: the spread of the mtimes of those that changed."""
    after = files(directory)
    mtimes = [(directory / n).stat().st_mtime for n, data in after.items() if before.get(n) != data]
    return max(mtimes) - min(mtimes)


def _timed_run(root: Path, before: dict[str, bytes], *, update: bool) -> tuple[float, int]:
    """Run once to the end: its write span and exit code."""
    result = run_pytest(root, "new", update=update)
    assert files(root / "snapshots") != before, result.stdout + result.stderr
    return _write_span(root / "snapshots", before), result.returncode


@dataclasses.dataclass
class Tally:
    """What the kill loop saw."""

    kills: int = 0
    sigint: int = 0
    sigkill: int = 0
    finished_first: int = 0  # runs that ended before their signal was due: no kill
    mid_write: int = 0  # kills after which old and new files were mixed
    before_writes: int = 0
    after_writes: int = 0
    temp_files_after_sigint: int = 0
    temp_files_after_sigkill: int = 0
    hangs: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.kills} kills ({self.sigint} SIGINT, {self.sigkill} SIGKILL): "
            f"{self.mid_write} mid-write, {self.before_writes} before the first write, "
            f"{self.after_writes} after the last; {self.finished_first} runs finished first; "
            f"temporary files left by {self.temp_files_after_sigint} SIGINT and "
            f"{self.temp_files_after_sigkill} SIGKILL kills; {self.hangs} hangs; "
            f"{len(self.problems)} problems"
        )


class KillLoop:
    """A recorded project, the expected old and new files, and the kills."""

    def __init__(self, workdir: Path, seed: int) -> None:
        self.random = random.Random(seed)
        self.root = make_project(workdir / "project")
        self.directory = self.root / "snapshots"
        self.log = workdir / "interrupted.log"
        recorded = run_pytest(self.root, "old", update=True)
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        self.old = files(self.directory)
        # The new files and the pending files, from uninterrupted runs in copies.
        update_copy = workdir / "update-copy"
        shutil.copytree(self.root, update_copy)
        self.update_span, code = _timed_run(update_copy, self.old, update=True)
        assert code == 0
        self.new = files(update_copy / "snapshots")
        assert self.new.keys() == self.old.keys()
        #: Every operation's file and the OpenAPI document (written once the run is complete).
        self.changing = {name for name in self.old if self.old[name] != self.new[name]}
        assert len(self.changing) == OPERATIONS + 1
        gate_copy = workdir / "gate-copy"
        shutil.copytree(self.root, gate_copy)
        self.gate_span, code = _timed_run(gate_copy, self.old, update=False)
        assert code == 1  # every operation answered differently
        self.pending = {
            name: data
            for name, data in files(gate_copy / "snapshots").items()
            if name.endswith(SUFFIX)
        }
        assert len(self.pending) == OPERATIONS + 1  # and the newer OpenAPI document
        self.tally = Tally()
        self.temporary: set[str] = set()

    def _restore_old(self) -> None:
        """Put the old files back (as a checkout would), keeping leftover temporary files."""
        for name in files(self.directory):
            if name.endswith(SUFFIX):
                (self.directory / name).unlink()
        for name, data in self.old.items():
            if (self.directory / name).read_bytes() != data:
                (self.directory / name).write_bytes(data)

    def kill_once(self, *, update: bool) -> None:
        tally = self.tally
        self._restore_old()
        delay = self.random.uniform(0.0, self.update_span if update else self.gate_span)
        sig = signal.SIGINT if tally.kills % 2 == 0 else signal.SIGKILL
        unchanged = self.directory.stat().st_mtime_ns  # a file created or renamed changes it
        with self.log.open("a") as log:
            log.write(f"--- {'update' if update else 'gate'}, {sig.name} {delay:.3f} s in\n")
            log.flush()
            process = subprocess.Popen(
                _command(update),
                cwd=self.root,
                env=_environment("new"),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            while process.poll() is None and self.directory.stat().st_mtime_ns == unchanged:
                time.sleep(0.002)
            time.sleep(delay)
            killed = process.poll() is None
            if not killed:
                tally.finished_first += 1
                # The machine got faster than the measurement: measure again on this run.
                span = _write_span(self.directory, self.old)
                if update:
                    self.update_span = span
                else:
                    self.gate_span = span
            else:
                process.send_signal(sig)
                tally.kills += 1
                tally.sigint += sig == signal.SIGINT
                tally.sigkill += sig == signal.SIGKILL
            try:
                process.wait(timeout=EXIT_GRACE)
            except subprocess.TimeoutExpired:
                tally.hangs += 1
                tally.problems.append(f"pytest did not exit {EXIT_GRACE:g} s after {sig.name}")
                process.kill()
                process.wait()
        temporary = {p.name for p in leftover_temp_files(self.directory)}
        if temporary - self.temporary:
            tally.temp_files_after_sigint += sig == signal.SIGINT
            tally.temp_files_after_sigkill += sig == signal.SIGKILL
        self.temporary = temporary
        self.check(update=update, killed=killed)

    def check(self, *, update: bool, killed: bool = True) -> None:
        """Every file whole: the old or new version (snapshots), the full result (pending)."""
        tally = self.tally
        hidden = {p.name for p in self.directory.iterdir() if p.name.startswith(".")}
        unknown = hidden - {p.name for p in leftover_temp_files(self.directory)}
        if unknown:
            tally.problems.append(f"files that are neither snapshots nor temporary: {unknown}")
        now = files(self.directory)
        news = 0
        for name, old in self.old.items():
            data = now.get(name)
            if data is None:
                tally.problems.append(f"{name} was lost")
                continue
            try:
                json.loads(data)
            except ValueError:
                tally.problems.append(f"{name} is not whole JSON ({len(data)} bytes)")
                continue
            if data == self.new[name] != old:
                news += 1
            elif data != old:
                tally.problems.append(f"{name} is neither the old nor the new version")
            if not update and data != old:
                tally.problems.append(f"a gate run changed {name}")
        pending = {name: data for name, data in now.items() if name.endswith(SUFFIX)}
        for name, data in pending.items():
            if update or data != self.pending.get(name):
                tally.problems.append(f"{name} is not the whole pending result")
        extra = now.keys() - self.old.keys() - pending.keys()
        if extra:
            tally.problems.append(f"unexpected files {sorted(extra)}")
        if killed:  # where the kill landed
            written = news if update else len(pending)
            if written == 0:
                tally.before_writes += 1
            elif written == len(self.changing if update else self.pending):
                tally.after_writes += 1
            else:
                tally.mid_write += 1

    def finish(self) -> subprocess.CompletedProcess[str]:
        """One uninterrupted update: everything new, no temporary file left."""
        return run_pytest(self.root, "new", update=True)


def kill_loop(workdir: Path, *, update_kills: int, gate_kills: int, seed: int) -> KillLoop:
    loop = KillLoop(workdir, seed)
    while loop.tally.kills < update_kills:
        loop.kill_once(update=True)
    while loop.tally.kills < update_kills + gate_kills:
        loop.kill_once(update=False)
    return loop


def _assert_nothing_lost(loop: KillLoop, *, kills: int) -> None:
    tally = loop.tally
    print(tally.summary())
    assert tally.kills == kills
    assert tally.problems == [], tally.summary()
    # The delays come from the measured window: a loop whose kills all missed it proved nothing.
    assert tally.mid_write > 0, tally.summary()
    final = loop.finish()
    assert final.returncode == 0, final.stdout + final.stderr
    assert list(leftover_temp_files(loop.directory)) == []
    assert files(loop.directory) == loop.new


def test_interrupted_updates_leave_every_file_whole(tmp_path: Path) -> None:
    loop = kill_loop(tmp_path, update_kills=8, gate_kills=3, seed=7)
    _assert_nothing_lost(loop, kills=11)


@pytest.mark.slow
def test_interrupted_updates_leave_every_file_whole_long(tmp_path: Path) -> None:
    loop = kill_loop(tmp_path, update_kills=50, gate_kills=20, seed=11)
    _assert_nothing_lost(loop, kills=70)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="kills of update runs")
    parser.add_argument("--gate-kills", type=int, default=20, help="kills of gate runs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        loop = kill_loop(
            Path(workdir), update_kills=args.kills, gate_kills=args.gate_kills, seed=args.seed
        )
        final = loop.finish()
        tally = loop.tally
        print(tally.summary())
        for problem in tally.problems:
            print("  " + problem)
        left = list(leftover_temp_files(loop.directory))
        print(
            f"final update: exit {final.returncode}, {len(left)} temporary files left, "
            f"all files new: {files(loop.directory) == loop.new}"
        )
        ok = not tally.problems and final.returncode == 0 and not left
        return 0 if ok and files(loop.directory) == loop.new else 1


if __name__ == "__main__":
    sys.exit(main())
