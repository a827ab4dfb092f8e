"""The pull-request report as one HTML page (``contractsnap report --format html``).

The same findings as the Markdown report, grouped the same way, plus what a page shows
better than a comment: each changed case's request and response, before and after, side by
side or unified (a switch at the top, in CSS alone), with the changed lines and the changed
characters in them highlighted.

The page is self-contained: its style is inline, it runs no script, and its
Content-Security-Policy forbids every fetch, so it opens the same from a CI artifact, a mail
or a disk with no network. Its bytes depend on its inputs alone (no clock, no counter), so two
reports of the same change are the same file.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import itertools
from collections.abc import Iterator, Mapping, Sequence

from . import _coverage, _diffreport, _report, _schemadiff
from ._canonical import indented
from ._diffreport import Documents, Finding
from ._documents import Case, Step
from ._snapshot import entries

#: Case diffs the page shows (the JSON report lists every finding).
MAX_DIFFS = 100
#: Lines of context around each change in a diff.
_CONTEXT = 3


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Snapshot documents on two sides (keyed by file name) and the findings between them."""

    base: Documents
    head: Documents
    findings: Sequence[Finding]


def render(
    base_ref: str,
    head_ref: str,
    changes: Comparison,
    *,
    pending: Comparison | None = None,
    coverage: Sequence[_coverage.OperationCoverage] = (),
    debt: Mapping[str, Mapping[str, int]] | None = None,
    note: str | None = None,
    hidden: str | None = None,
) -> str:
    """The whole page. ``hidden`` says how many accepted changes an ignore file hid."""
    title = f"API snapshot changes: {base_ref} → {head_ref}"
    diffs = _Diffs()
    body = [
        '<input type="radio" name="view" id="view-split" checked>',
        '<input type="radio" name="view" id="view-unified">',
        "<header>",
        f"<h1>API snapshot changes: <code>{_e(base_ref)}</code> → <code>{_e(head_ref)}</code></h1>",
        '<p class="switch">Diffs: <label for="view-split">side by side</label>'
        '<label for="view-unified">unified</label></p>',
        "</header>",
        "<main>",
        *([f'<p class="note">{_e(note)}</p>'] if note else []),
        *_summary(changes),
        *([f'<p class="note">{_e(hidden)}</p>'] if hidden else []),
    ]
    snapshot = [f for f in changes.findings if not _is_schema(f)]
    schema = [f for f in changes.findings if _is_schema(f)]
    diffs.plan(snapshot)
    if pending is not None:
        diffs.plan(pending.findings, prefix="pending")
    body += _findings_section("findings", "Findings", snapshot, diffs)
    if schema:
        body += _findings_section("openapi", "OpenAPI document", schema, diffs)
    body += diffs.section("cases", "Changed cases", changes)
    if pending is not None and pending.findings:
        body += _findings_section(
            "pending",
            "Pending review (not in the snapshots yet)",
            pending.findings,
            diffs,
            lead="Left beside the snapshots by a failing run: <code>contractsnap review</code> "
            "accepts or rejects them.",
            prefix="pending",
        )
        body += diffs.section("pending-cases", "Pending cases", pending, prefix="pending")
    body += _debt(debt or {}, head_ref)
    body += _coverage_section(coverage, head_ref)
    body.append("</main>")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            # Nothing may be fetched: the page is all there is.
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _is_schema(finding: Finding) -> bool:
    return finding.what.startswith("schema: ") or finding.operation == _schemadiff.DOCUMENT


# -- summary and findings --------------------------------------------------------------------


def _summary(changes: Comparison) -> list[str]:
    counts = _diffreport.summary(changes.base, changes.head, changes.findings)
    out = ['<section id="summary">', "<h2>Summary</h2>"]
    if not changes.findings:
        return [*out, '<p class="none">No snapshot changed.</p>', "</section>"]
    out.append('<ul class="levels">')
    out += [
        f'<li class="{level}"><b>{counts[level]}</b> {level}</li>' for level in _diffreport.LEVELS
    ]
    out += ["</ul>", '<table class="counts">']
    out += [
        f"<tr><th>{_e(name)}</th><td>{count}</td></tr>"
        for name, count in counts.items()
        if name not in _diffreport.LEVELS
    ]
    return [*out, "</table>", "</section>"]


def _findings_section(
    anchor: str,
    heading: str,
    findings: Sequence[Finding],
    diffs: _Diffs,
    *,
    lead: str = "",
    prefix: str = "",
) -> list[str]:
    out = [f'<section id="{anchor}">', f"<h2>{_e(heading)}</h2>"]
    if lead:
        out.append(f"<p>{lead}</p>")
    if not findings:
        return [*out, '<p class="none">None.</p>', "</section>"]
    groups = _diffreport.group(findings)
    for level in _diffreport.LEVELS:
        of_level = [g for g in groups if g.level == level]
        if not of_level:
            continue
        count = sum(len(g.findings) for g in of_level)
        out += [f'<h3 class="{level}">{level.capitalize()} ({count})</h3>', "<ul>"]
        for group in of_level:
            out.append(f"<li>{_group(group, diffs, prefix)}</li>")
        out.append("</ul>")
    return [*out, "</section>"]


def _group(group: _diffreport.Group, diffs: _Diffs, prefix: str) -> str:
    what = _code_spans(group.what.removeprefix("schema: "))  # under its own heading
    if group.operations == [_schemadiff.DOCUMENT]:  # a value outside the operations
        return f"<b>{what}</b>"
    operations = ", ".join(f"<code>{_e(op)}</code>" for op in group.operations[:5])
    if len(group.operations) > 5:
        operations += f" and {len(group.operations) - 5} more"
    links = [
        f'<a href="#{anchor}">{_e(f.operation)} {_e(f.case)}</a>'
        for f in group.findings
        if (anchor := diffs.anchor(prefix, f.operation, f.case)) is not None
    ]
    unique = list(dict.fromkeys(links))
    shown = ", ".join(unique[:3]) + (f" and {len(unique) - 3} more" if len(unique) > 3 else "")
    return f"<b>{what}</b>: {_e(group.scope)} ({operations})" + (
        f'<br><span class="cases">see {shown}</span>' if unique else ""
    )


def _code_spans(text: str) -> str:
    """Markdown's `code` spans of a finding's text, as HTML."""
    parts = text.split("`")
    return "".join(
        f"<code>{_e(part)}</code>" if index % 2 else _e(part) for index, part in enumerate(parts)
    )


# -- case diffs ------------------------------------------------------------------------------


class _Diffs:
    """The case diffs the page shows, and an anchor for each, planned before rendering so
    the findings can link to them."""

    def __init__(self) -> None:
        self._anchors: dict[tuple[str, str, str], str] = {}
        self._left = MAX_DIFFS
        self._skipped: dict[str, int] = {}

    def plan(self, findings: Sequence[Finding], prefix: str = "") -> None:
        # The most severe first (as the findings list them), should the page run out.
        keys = dict.fromkeys(
            (f.operation, f.case)
            for g in _diffreport.group(findings)
            for f in g.findings
            if f.case is not None
        )
        for operation, case in keys:
            assert case is not None
            if self._left == 0:
                self._skipped[prefix] = self._skipped.get(prefix, 0) + 1
                continue
            self._left -= 1
            self._anchors[(prefix, operation, case)] = (
                f"{prefix or 'case'}-{len(self._anchors) + 1}"
            )

    def anchor(self, prefix: str, operation: str, case: str | None) -> str | None:
        return None if case is None else self._anchors.get((prefix, operation, case))

    def section(
        self, anchor: str, heading: str, comparison: Comparison, prefix: str = ""
    ) -> list[str]:
        planned = sorted((op, case) for (p, op, case) in self._anchors if p == prefix)
        if not planned:
            return []
        old = _by_label(comparison.base)
        new = _by_label(comparison.head)
        out = [f'<section id="{anchor}">', f"<h2>{_e(heading)} ({len(planned)})</h2>"]
        for operation, rows in itertools.groupby(planned, key=lambda item: item[0]):
            out.append(f"<h3><code>{_e(operation)}</code></h3>")
            for _, case_id in rows:
                before = old.get(operation, {}).get(case_id)
                after = new.get(operation, {}).get(case_id)
                out += _case(self._anchors[(prefix, operation, case_id)], case_id, before, after)
        skipped = self._skipped.get(prefix, 0)
        if skipped:
            out.append(
                f'<p class="note">{_report.plural(skipped, "more case")} changed; the page '
                f"shows {MAX_DIFFS} in all (<code>--format json</code> lists every one).</p>"
            )
        return [*out, "</section>"]


def _by_label(documents: Documents) -> dict[str, dict[str, Case | Step]]:
    return {
        _diffreport.label(document): {entry["id"]: entry for entry in entries(document)}
        for document in documents.values()
    }


#: What a case records besides its title, in the order the page shows it.
_PARTS = ("request", "response", "state", "violations")


def _case(
    anchor: str, case_id: str, before: Case | Step | None, after: Case | Step | None
) -> list[str]:
    entry = after if after is not None else before
    assert entry is not None
    title = (
        str(entry["operation"])  # type: ignore[typeddict-item]  # a step names its operation
        if "operation" in entry
        else f"{entry.get('source')}: {entry.get('description')}"
    )
    state = "new" if before is None else "removed" if after is None else "changed"
    out = [
        f'<article class="case" id="{anchor}">',
        f'<h4><span class="tag {state}">{state}</span> {"step" if "operation" in entry else "case"}'
        f" <code>{_e(case_id)}</code> {_e(title)}</h4>",
    ]
    old = dict(before or {})
    new = dict(after or {})
    for part in _PARTS:
        if part not in old and part not in new:
            continue
        if part == "request" and old.get(part) == new.get(part):
            line = _report.request_line(entry["request"]).splitlines()[0]
            out.append(f'<p class="part">request (unchanged): <code>{_e(line)}</code></p>')
            continue
        if old.get(part) == new.get(part):
            out.append(f'<p class="part">{part} (unchanged)</p>')
            continue
        hunks = _hunks(_lines(old, part), _lines(new, part))
        out += [f'<p class="part">{part}</p>', *_split(hunks), *_unified(hunks)]
    return [*out, "</article>"]


def _lines(entry: Mapping[str, object], part: str) -> list[str]:
    return indented(entry[part]).splitlines() if part in entry else []


@dataclasses.dataclass
class _Block:
    """One opcode of a diff: ``equal``, ``replace``, ``delete`` or ``insert``; its lines on
    each side as (line number, HTML)."""

    tag: str
    old: list[tuple[int, str]]
    new: list[tuple[int, str]]


def _hunks(a: list[str], b: list[str]) -> list[list[_Block]]:
    """The changed regions with their context, the changed characters of paired lines
    marked (difflib's matcher; its HtmlDiff numbers its anchors with a global counter)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(_CONTEXT):
        blocks = []
        for tag, i1, i2, j1, j2 in group:
            old = [(i + 1, _e(a[i])) for i in range(i1, i2)]
            new = [(j + 1, _e(b[j])) for j in range(j1, j2)]
            if tag == "replace":
                for k in range(min(len(old), len(new))):
                    old[k], new[k] = _marked(old[k][0], a[i1 + k], new[k][0], b[j1 + k])
            blocks.append(_Block(tag, old, new))
        hunks.append(blocks)
    return hunks


def _marked(i: int, a: str, j: int, b: str) -> tuple[tuple[int, str], tuple[int, str]]:
    left: list[str] = []
    right: list[str] = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(_e(a[a1:a2]))
            right.append(_e(b[b1:b2]))
            continue
        if a2 > a1:
            left.append(f"<del>{_e(a[a1:a2])}</del>")
        if b2 > b1:
            right.append(f"<ins>{_e(b[b1:b2])}</ins>")
    return (i, "".join(left)), (j, "".join(right))


_SIDE = {"equal": ("", ""), "replace": ("del", "ins"), "delete": ("del", ""), "insert": ("", "ins")}


def _split(hunks: list[list[_Block]]) -> list[str]:
    out = ['<table class="diff split">']
    for index, hunk in enumerate(hunks):
        if index:
            out.append('<tr class="gap"><td colspan="4">⋯</td></tr>')
        for block in hunk:
            left_class, right_class = _SIDE[block.tag]
            for old, new in itertools.zip_longest(block.old, block.new):
                out.append(
                    "<tr>"
                    + _cells(old, left_class if old else "empty")
                    + _cells(new, right_class if new else "empty")
                    + "</tr>"
                )
    return [*out, "</table>"]


def _cells(line: tuple[int, str] | None, css: str) -> str:
    number, text = line if line is not None else ("", "")
    attribute = f' class="{css}"' if css else ""
    return f'<td class="n">{number}</td><td{attribute}>{text}</td>'


def _unified(hunks: list[list[_Block]]) -> list[str]:
    out = ['<table class="diff unified">']
    for index, hunk in enumerate(hunks):
        if index:
            out.append('<tr class="gap"><td colspan="3">⋯</td></tr>')
        for block in hunk:
            out += _unified_rows(block)
    return [*out, "</table>"]


def _unified_rows(block: _Block) -> Iterator[str]:
    if block.tag == "equal":
        for (i, text), (j, _) in zip(block.old, block.new, strict=True):
            yield f'<tr><td class="n">{i}</td><td class="n">{j}</td><td>  {text}</td></tr>'
        return
    for i, text in block.old:
        yield f'<tr><td class="n">{i}</td><td class="n"></td><td class="del">- {text}</td></tr>'
    for j, text in block.new:
        yield f'<tr><td class="n"></td><td class="n">{j}</td><td class="ins">+ {text}</td></tr>'


# -- the head alone: debt and coverage -------------------------------------------------------


def _debt(debt: Mapping[str, Mapping[str, int]], head_ref: str) -> list[str]:
    if not debt:
        return []
    out = [
        '<section id="debt">',
        f"<h2>Contract debt at <code>{_e(head_ref)}</code></h2>",
        f"<p>{_e(_diffreport.debt_summary(debt))}.</p>",
        "<table><tr><th>operation</th><th>check</th><th>cases</th></tr>",
    ]
    out += [
        f"<tr><td><code>{_e(label)}</code></td><td><code>{_e(check)}</code></td>"
        f'<td class="num">{count}</td></tr>'
        for label, counts in debt.items()
        for check, count in sorted(counts.items())
    ]
    return [*out, "</table>", "</section>"]


def _coverage_section(coverage: Sequence[_coverage.OperationCoverage], head_ref: str) -> list[str]:
    if not coverage:
        return []
    out = [
        '<section id="coverage">',
        f"<h2>Coverage at <code>{_e(head_ref)}</code></h2>",
        f"<p>{_e(_coverage.headline(coverage))}; reach {_coverage.reach(coverage):.0f}% "
        "(operations that answered a 2xx).</p>",
        "<table><tr><th>operation</th><th>snapshot</th><th>2xx</th><th>reached</th>"
        "<th>not reached</th><th>why no 2xx</th></tr>",
    ]
    for item in coverage:
        gap = "" if item.succeeded else ' class="gap"'  # the reach: no 2xx at all
        out.append(
            f"<tr{gap}><td><code>{_e(item.label)}</code></td>"
            f"<td>{'yes' if item.recorded else 'no'}</td>"
            f"<td>{'yes' if item.succeeded else 'no'}</td>"
            f"<td>{_e(' '.join(map(str, item.reached)) or '-')}</td>"
            f"<td>{_e(' '.join(item.missing) or '-')}</td>"
            f"<td>{'' if item.succeeded else _code_spans(item.why_not)}</td></tr>"
        )
    return [*out, "</table>", "</section>"]


_STYLE = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa;
  --del: #ffebe9; --del-strong: #ffb8b0; --ins: #dafbe1; --ins-strong: #8ae5a0;
  --breaking: #cf222e; --changed: #9a6700; --additive: #1a7f37; --cosmetic: #59636e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI",
  sans-serif; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between;
  border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 18px 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
h4 { font-size: 14px; font-weight: 600; margin: 0 0 6px; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: var(--bg-soft); padding: 0 3px; border-radius: 3px; }
.note, .none { color: var(--muted); }
input[name="view"] { position: absolute; opacity: 0; pointer-events: none; }
.switch label { display: inline-block; padding: 3px 10px; border: 1px solid var(--line);
  cursor: pointer; user-select: none; }
.switch label + label { border-left: 0; }
#view-split:checked ~ header label[for="view-split"],
#view-unified:checked ~ header label[for="view-unified"] { background: var(--fg); color: #fff; }
#view-split:checked ~ main .unified, #view-unified:checked ~ main .split { display: none; }
.levels { list-style: none; padding: 0; display: flex; gap: 10px; }
.levels li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 14px; }
.levels b { font-size: 20px; margin-right: 4px; }
.breaking { color: var(--breaking); } .changed { color: var(--changed); }
.additive { color: var(--additive); } .cosmetic { color: var(--cosmetic); }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 10px 2px 0; vertical-align: top; }
.counts td, td.num { text-align: right; }
tr.gap td { background: #fff8c5; }
.cases { font-size: 13px; color: var(--muted); }
.case { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 10px 0; }
.part { margin: 6px 0 2px; font-size: 13px; color: var(--muted); }
.tag { font-size: 12px; padding: 0 6px; border-radius: 8px; background: var(--bg-soft); }
.tag.changed { color: var(--changed); } .tag.new { color: var(--additive); }
.tag.removed { color: var(--breaking); }
table.diff { width: 100%; table-layout: fixed;
  font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table.diff td { padding: 0 6px; white-space: pre-wrap; word-break: break-all; }
table.diff td.n { width: 3.5em; text-align: right; color: var(--muted); user-select: none; }
table.diff td.del { background: var(--del); } table.diff td.ins { background: var(--ins); }
table.diff td.empty { background: var(--bg-soft); }
table.diff del { background: var(--del-strong); text-decoration: none; }
table.diff ins { background: var(--ins-strong); text-decoration: none; }
table.diff tr.gap td { background: var(--bg-soft); color: var(--muted); text-align: center; }
"""
