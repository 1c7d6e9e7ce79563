"""The resource tree (component grouping) of an evaluation, as text."""

from __future__ import annotations

from collections import defaultdict

from offline.engine import Evaluation, RecordedResource
from offline.style import PLAIN, Style


def children_by_parent(result: Evaluation) -> dict[str | None, list[RecordedResource]]:
    """Children of each parent URN, sorted by (type, name) so the order never depends on timing."""
    known = {r.urn for r in result.resources}
    children: dict[str | None, list[RecordedResource]] = defaultdict(list)
    for r in result.resources:
        children[r.parent if r.parent in known else None].append(r)
    for group in children.values():
        group.sort(key=lambda r: (r.type, r.name))
    return children


def _label(r: RecordedResource, style: Style) -> str:
    marks = []
    if r.protect:
        marks.append("protected")
    suffix = style.yellow(f"  [{', '.join(marks)}]") if marks else ""
    name = r.name if r.custom else style.bold(r.name)
    return f"{name}  {style.dim(f'({r.type})')}{suffix}"


def render_tree(result: Evaluation, style: Style = PLAIN) -> list[str]:
    children = children_by_parent(result)
    root = f"{result.config.project if result.config else 'project'}-{result.stack}"
    lines = [f"{style.bold(root)}  {style.dim('(pulumi:pulumi:Stack)')}"]

    def walk(parent: str | None, prefix: str) -> None:
        group = children.get(parent, [])
        for i, r in enumerate(group):
            last = i == len(group) - 1
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{_label(r, style)}")
            walk(r.urn, prefix + ("   " if last else "│  "))

    walk(None, "")
    return lines
