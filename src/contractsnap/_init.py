"""``contractsnap init``: set a project up for contract snapshots.

It finds the app by reading the project's source (never importing it: an import may start
things), then writes what the README's "Use it on your app" asks for:

- the ``[tool.contractsnap]`` table of ``pyproject.toml``, added with tomlkit so that the
  rest of the file (comments, order, formatting) is left as it was;
- the lines ``.gitignore`` needs (pending files, Hypothesis' database);
- a GitHub Actions workflow that runs the gate.

Each is written only when it is missing: run twice, it writes nothing the second time. A
file that exists and says something else is left alone, unless ``--force``; ``--dry-run``
shows what would be written.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.metadata
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import tomlkit
from tomlkit.exceptions import TOMLKitError

from ._errors import ConfigError

#: The app classes it looks for, by the name a module imports them as.
APP_CLASSES = frozenset({"FastAPI", "Starlette", "Litestar"})
#: Directories never searched for the app.
_SKIPPED = frozenset(
    {"node_modules", "site-packages", "build", "dist", "venv", "env", "tests", "test"}
)
GITIGNORE = ("*.pending", ".hypothesis/")
WORKFLOW = Path(".github/workflows/api-contract.yml")


@dataclasses.dataclass(frozen=True)
class Change:
    """One file ``init`` writes: its new text, and what it says of it."""

    path: Path
    text: str
    summary: str


def find_apps(root: Path) -> list[str]:
    """``module:attr`` (or ``module:factory()``) of every app object or factory the
    project's source defines at module level, by name."""
    found: list[str] = []
    for path in sorted(_sources(root)):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue  # not this tool's business: pytest says so when it imports it
        module = _module_name(root, path)
        found += [f"{module}:{name}" for name in _apps_in(tree)]
    return found


def _sources(root: Path) -> Iterator[Path]:
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in _SKIPPED for p in parts[:-1]):
            continue
        if parts[-1] == "conftest.py" or parts[-1].startswith("test_"):
            continue
        yield path


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] == "src" and len(parts) > 1:  # the src layout
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _apps_in(tree: ast.Module) -> Iterator[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and _is_app_call(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None and _is_app_call(node.value):
                yield node.target.id
        elif isinstance(node, ast.FunctionDef) and _is_factory(node):
            yield f"{node.name}()"


def _is_app_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _names_app_class(node.func)


def _names_app_class(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Name):
        return node.id in APP_CLASSES
    if isinstance(node, ast.Attribute):
        return node.attr in APP_CLASSES
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in APP_CLASSES  # a string annotation
    return False


def _is_factory(node: ast.FunctionDef) -> bool:
    """A function that takes no required argument and returns an app (annotated so, or
    returning a call of an app class)."""
    arguments = node.args
    required = len(arguments.posonlyargs) + len(arguments.args) - len(arguments.defaults)
    if required > 0 or any(d is None for d in arguments.kw_defaults):
        return False
    if _names_app_class(node.returns):
        return True
    return any(
        isinstance(inner, ast.Return) and inner.value is not None and _is_app_call(inner.value)
        for inner in ast.walk(node)
    )


# -- what it writes --------------------------------------------------------------------------


def plan(root: Path, app: str, *, force: bool = False) -> tuple[list[Change], list[str]]:
    """The files to write for ``app``, and notes on the ones left as they are."""
    changes: list[Change] = []
    notes: list[str] = []
    for planned in (_pyproject, _gitignore, _workflow):
        change, note = planned(root, app, force)
        if change is not None:
            changes.append(change)
        if note:
            notes.append(note)
    return changes, notes


def _pyproject(root: Path, app: str, force: bool) -> tuple[Change | None, str]:
    path = root / "pyproject.toml"
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else None
    except TOMLKitError as exc:
        raise ConfigError(
            f"pyproject.toml is not valid TOML ({exc}); fix it, then run again"
        ) from None
    if document is None:
        document = tomlkit.document()
    tool = document.get("tool")
    table = tool.get("contractsnap") if tool is not None else None
    if table is not None and table.get("app") == app:
        return None, "pyproject.toml: [tool.contractsnap] is there already"
    if table is not None and not force:
        return None, (
            f"pyproject.toml: [tool.contractsnap] is there already, with app = "
            f"{json.dumps(table.get('app'))}; left as it is (--force sets app = {json.dumps(app)})"
        )
    if table is not None:
        table["app"] = app
        summary = f"pyproject.toml: app = {json.dumps(app)} in [tool.contractsnap]"
    else:
        if tool is None:
            tool = tomlkit.table(is_super_table=True)
            document.add("tool", tool)
        table = tomlkit.table()
        table.add(tomlkit.comment("snapshots of the app's API: `pytest --snapshot-update`"))
        table.add("app", app)
        tool.add("contractsnap", table)
        summary = "pyproject.toml: [tool.contractsnap] added" + (
            "" if path.exists() else " (a new file)"
        )
    return Change(path, tomlkit.dumps(document), summary), ""


def _gitignore(root: Path, app: str, force: bool) -> tuple[Change | None, str]:
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in GITIGNORE if line not in present]
    if not missing:
        return None, ""
    joined = text if not text or text.endswith("\n") else text + "\n"
    block = "# contractsnap: pending changes, Hypothesis' database\n" + "\n".join(missing) + "\n"
    return Change(path, joined + block, f".gitignore: {', '.join(missing)} added"), ""


def _workflow(root: Path, app: str, force: bool) -> tuple[Change | None, str]:
    path = root / WORKFLOW
    text = workflow(root)
    if path.exists():
        if path.read_text(encoding="utf-8") == text:
            return None, ""
        if not force:
            return None, f"{WORKFLOW}: there already, and not as init writes it; left as it is"
    return Change(path, text, f"{WORKFLOW}: the gate on every push and pull request"), ""


def workflow(root: Path) -> str:
    """The GitHub Actions workflow of the gate: the project installed, contractsnap as it
    is installed here (before a release, from the same git URL), then the gate."""
    project = "-e . " if _installable(root) else ""
    if not project and (root / "requirements.txt").exists():
        project = "-r requirements.txt "
    requirement = _requirement()
    how = (
        ""
        if "git+" in requirement
        else "      # Before contractsnap's release on PyPI: a git URL pinned to a tag instead,\n"
        '      # "contractsnap @ git+https://github.com/OWNER/contractsnap@TAG" (README, Install)\n'
    )
    return (
        "# The API contract gate: replays the snapshots in snapshots/ (contractsnap)\n"
        "name: API contract\n"
        "on: [push, pull_request]\n"
        "jobs:\n"
        "  contract:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: actions/setup-python@v5\n"
        "        with:\n"
        '          python-version: "3.12"\n'
        f"{how}      - run: pip install {project}{requirement}\n"
        "      - run: contractsnap run\n"
    )


def _installable(root: Path) -> bool:
    """Whether the project itself can be installed with pip (a ``[project]`` or setup.py)."""
    if (root / "setup.py").exists():
        return True
    try:
        document = tomlkit.parse((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, TOMLKitError):
        return False
    return "project" in document


def _requirement() -> str:
    """How CI installs contractsnap: the git URL and commit it was installed from here, or
    the version (once on PyPI)."""
    try:
        distribution = importlib.metadata.distribution("contractsnap")
        direct = json.loads(distribution.read_text("direct_url.json") or "{}")
        version = distribution.version
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return "contractsnap"
    vcs = direct.get("vcs_info") if isinstance(direct, dict) else None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git":
        return f'"contractsnap @ git+{direct["url"]}@{vcs.get("commit_id", "")}"'
    return f'"contractsnap=={version}"'


def write(changes: Sequence[Change]) -> None:
    for change in changes:
        change.path.parent.mkdir(parents=True, exist_ok=True)
        change.path.write_text(change.text, encoding="utf-8")


def report(changes: Sequence[Change], notes: Sequence[str], out: TextIO, *, dry_run: bool) -> None:
    verb = "would write" if dry_run else "wrote"
    for change in changes:
        out.write(f"{verb} {change.summary}\n")
        if dry_run:
            out.writelines(f"  | {line}\n" for line in change.text.splitlines())
    out.writelines(f"{note}\n" for note in notes)
    if not changes and not dry_run:
        out.write("nothing to do: the project is set up\n")
    if not dry_run:
        out.write(
            "next:\n"
            "  pytest --snapshot-update     # record the snapshots, then review and commit them\n"
            "  pytest                       # the gate, as CI runs it\n"
        )
