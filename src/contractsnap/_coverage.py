"""Coverage: which operations have snapshots, and which documented statuses they reached.

Computed from an OpenAPI document and the snapshot documents alone (no app, no generation),
so the end of a pytest run and the report command (on committed files) say the same thing.
A documented ``4XX`` range counts as reached by any 4xx status; ``default`` is never listed
as missing (it documents every other status, not one that must occur).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

from . import _openapi, _pointer
from ._canonical import JSON

#: Whether an operation (method, path, operationId, tags) takes part in the run.
Keep = Callable[[str, str, "str | None", "tuple[str, ...]"], bool]


@dataclasses.dataclass(frozen=True)
class OperationCoverage:
    """One operation: its documented statuses and the statuses its recorded cases got."""

    label: str
    documented: tuple[str, ...]
    reached: tuple[int, ...]
    recorded: bool

    @property
    def missing(self) -> tuple[str, ...]:
        """Documented statuses (or ranges) no recorded case reached."""
        return tuple(
            code
            for code in self.documented
            if code != "default" and not any(_covers(code, status) for status in self.reached)
        )

    def to_json(self) -> dict[str, JSON]:
        return {
            "operation": self.label,
            "snapshot": self.recorded,
            "documented": list(self.documented),
            "reached": list(self.reached),
            "missing": list(self.missing),
        }


def _covers(code: str, status: int) -> bool:
    if len(code) == 3 and code[1:].upper() == "XX":
        return str(status)[:1] == code[0]
    return code == str(status)


def _resolve(document: Mapping[str, object], value: object) -> object:
    """Follow local ``$ref``s (``#/...``); None where they lead nowhere or round in a circle."""
    try:
        return _pointer.follow(document, value)
    except _pointer.PointerError:
        return None


def documented(document: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Every operation of an OpenAPI document (``"GET /books"``) with its documented statuses."""
    out: dict[str, tuple[str, ...]] = {}
    for path, method, definition, _ in _openapi.operations(document):
        responses = _resolve(document, definition.get("responses"))
        codes = sorted(map(str, responses)) if isinstance(responses, Mapping) else []
        out[f"{method.upper()} {path}"] = tuple(codes)
    return out


def kept(document: Mapping[str, object], keep: Keep) -> list[str]:
    """The labels of the operations that ``keep`` accepts (the run's include/exclude)."""
    labels = []
    for path, method, definition, _ in _openapi.operations(document):
        operation_id = definition.get("operationId")
        raw_tags = definition.get("tags")
        tags = tuple(map(str, raw_tags)) if isinstance(raw_tags, list) else ()
        operation_id = operation_id if isinstance(operation_id, str) else None
        if keep(method.upper(), path, operation_id, tags):
            labels.append(f"{method.upper()} {path}")
    return labels


def reached(snapshots: Iterable[Mapping[str, object]]) -> dict[str, tuple[int, ...]]:
    """The statuses recorded in snapshot documents, by operation label."""
    out: dict[str, set[int]] = {}
    for snapshot in snapshots:
        operation = snapshot.get("operation")
        cases = snapshot.get("cases")
        if not isinstance(operation, Mapping) or not isinstance(cases, list):
            continue
        label = f"{operation.get('method')} {operation.get('path')}"
        statuses = out.setdefault(label, set())
        for case in cases:
            response = case.get("response") if isinstance(case, Mapping) else None
            status = response.get("status") if isinstance(response, Mapping) else None
            if isinstance(status, int):
                statuses.add(status)
    return {label: tuple(sorted(statuses)) for label, statuses in out.items()}


def measure(
    document: Mapping[str, object],
    statuses: Mapping[str, Iterable[int]],
    selected: Iterable[str] | None = None,
    recorded: Iterable[str] | None = None,
) -> list[OperationCoverage]:
    """Coverage of each operation of ``document`` (only ``selected`` labels, if given),
    from the statuses its cases got; ``recorded`` are the operations with a snapshot file
    (by default, those with statuses)."""
    wanted = None if selected is None else set(selected)
    files = set(statuses if recorded is None else recorded)
    return [
        OperationCoverage(label, codes, tuple(sorted(set(statuses.get(label, ())))), label in files)
        for label, codes in documented(document).items()
        if wanted is None or label in wanted
    ]


def totals(coverage: Iterable[OperationCoverage]) -> dict[str, int]:
    items = list(coverage)
    codes = [c for item in items for c in item.documented if c != "default"]
    missing = sum(len(item.missing) for item in items)
    return {
        "operations": len(items),
        "recorded": sum(item.recorded for item in items),
        "documented_statuses": len(codes),
        "reached_statuses": len(codes) - missing,
    }


def headline(coverage: Iterable[OperationCoverage]) -> str:
    t = totals(coverage)
    return (
        f"{t['recorded']} of {t['operations']} operations have snapshots; "
        f"{t['reached_statuses']} of {t['documented_statuses']} documented statuses reached"
    )


def table(coverage: Iterable[OperationCoverage], *, markdown: bool = False) -> list[str]:
    """A table of every operation: snapshot or not, statuses reached and not reached."""
    rows = [
        (
            item.label,
            "yes" if item.recorded else "no",
            " ".join(map(str, item.reached)) or "-",
            " ".join(item.missing) or "-",
        )
        for item in coverage
    ]
    header = ("operation", "snapshot", "reached", "not reached")
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join([f"`{row[0]}`", *row[1:]]) + " |" for row in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
