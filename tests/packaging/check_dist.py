"""Build contractsnap's sdist and wheel, check them, and use the wheel as a user would.

Run from the project root (``tox -e pkg`` does)::

    python tests/packaging/check_dist.py

1. ``python -m build`` writes the sdist and the wheel into a temporary directory;
2. ``twine check --strict`` checks their metadata and that the README renders;
3. a new virtual environment gets the wheel (with the demo's extras) from that directory,
   and nothing of this checkout: the demo's own package is put on the path by the
   project's pytest settings (``pythonpath = ["demo"]``), as it is for a user;
4. ``contractsnap --version`` must print the wheel's version;
5. ``contractsnap run``, from the project root, replays the demo's committed snapshots
   with the installed package: the gate must pass.

Exits non-zero, saying which step failed, on the first failure. It is not named
``test_*.py``: the project's own ``pytest`` never collects it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def step(title: str, *command: str | Path, cwd: Path = ROOT) -> str:
    print(f"--- {title}: {' '.join(map(str, command))}", flush=True)
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    print(done.stdout + done.stderr, end="", flush=True)
    if done.returncode != 0:
        sys.exit(f"check_dist: {title} failed (exit {done.returncode})")
    return done.stdout


def wheel_version(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode()
    return next(
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Version:")
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="contractsnap-dist-") as scratch:
        dist = Path(scratch) / "dist"
        step("build", sys.executable, "-m", "build", "--outdir", dist, ROOT)
        built = sorted(dist.iterdir())
        wheels = [p for p in built if p.suffix == ".whl"]
        sdists = [p for p in built if p.name.endswith(".tar.gz")]
        if len(wheels) != 1 or len(sdists) != 1:
            sys.exit(
                f"check_dist: expected one wheel and one sdist, found {[p.name for p in built]}"
            )
        step("twine check", sys.executable, "-m", "twine", "check", "--strict", *built)
        venv = Path(scratch) / "venv"
        step("new venv", sys.executable, "-m", "venv", venv)
        python = venv / "bin" / "python"
        step(
            "install the wheel",
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            f"contractsnap[demo] @ {wheels[0].as_uri()}",
        )
        where = step(
            "installed from", python, "-c", "import contractsnap; print(contractsnap.__file__)"
        )
        if str(ROOT) in where:
            sys.exit(f"check_dist: contractsnap was imported from the checkout ({where.strip()})")
        version = step("version", venv / "bin" / "contractsnap", "--version").strip()
        expected = f"contractsnap {wheel_version(wheels[0])}"
        if version != expected:
            sys.exit(f"check_dist: `contractsnap --version` printed {version!r}, not {expected!r}")
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        print("--- the demo gate: contractsnap run -- -p no:cacheprovider", flush=True)
        gate = subprocess.run(
            [venv / "bin" / "contractsnap", "run", "--", "-p", "no:cacheprovider", "-q"],
            cwd=ROOT,
            env=env,
            check=False,
        )
        if gate.returncode != 0:
            sys.exit(f"check_dist: the demo gate failed with the wheel (exit {gate.returncode})")
        print(f"check_dist: {wheels[0].name} and {sdists[0].name}: built, checked, installed")
        print("check_dist: the installed wheel passes the demo gate")


if __name__ == "__main__":
    main()
