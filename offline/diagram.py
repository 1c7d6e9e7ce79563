"""A picture of the stack: resources grouped by component, with their dependency edges.

Mermaid (renders in GitHub READMEs and PR comments) and Graphviz DOT; `dot`, when installed,
turns the DOT into SVG. Edges point from a resource to the resources that use it (creation
order). A dependency on a component means a dependency on every resource inside it, as in Pulumi.
Node IDs are derived from resource names, so the text is stable across runs and a new resource
adds lines without renaming the others.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass

from offline.engine import Evaluation, RecordedResource
from offline.tree import children_by_parent


def short_type(type_: str) -> str:
    """aws:ecs/taskDefinition:TaskDefinition -> ecs TaskDefinition."""
    package, _, rest = type_.partition(":")
    module, _, kind = rest.rpartition(":")
    module = module.split("/")[0]
    if package == "pulumi" and module == "providers":
        return f"provider {kind}"
    return f"{module} {kind}" if module and module != "index" else f"{package} {kind}"


@dataclass(frozen=True)
class Graph:
    result: Evaluation
    ids: dict[str, str]
    children: dict[str | None, list[RecordedResource]]
    edges: list[tuple[str, str]]

    @property
    def title(self) -> str:
        project = self.result.config.project if self.result.config else "project"
        return f"{project}-{self.result.stack}"


def _custom_descendants(urn: str, children: dict[str | None, list[RecordedResource]]) -> list[str]:
    found: list[str] = []
    for child in children.get(urn, []):
        if child.custom:
            found.append(child.urn)
        found += _custom_descendants(child.urn, children)
    return found


def node_ids(resources: list[RecordedResource]) -> dict[str, str]:
    """A readable ID per URN from the resource name; names that clash (same name, other type) get a hash."""
    by_base: dict[str, list[str]] = {}
    for r in resources:
        by_base.setdefault("r_" + re.sub(r"\W", "_", r.name), []).append(r.urn)
    ids: dict[str, str] = {}
    for base, urns in by_base.items():
        for urn in urns:
            ids[urn] = base if len(urns) == 1 else f"{base}_{hashlib.sha256(urn.encode()).hexdigest()[:6]}"
    return ids


def build_graph(result: Evaluation) -> Graph:
    ids = node_ids(result.resources)
    children = children_by_parent(result)
    components = {r.urn for r in result.resources if not r.custom}
    edges: set[tuple[str, str]] = set()
    for r in result.resources:
        if not r.custom:
            continue
        for dep in r.dependencies:
            targets = _custom_descendants(dep, children) if dep in components else [dep]
            edges |= {(ids[t], ids[r.urn]) for t in targets if t in ids and t != r.urn}
    return Graph(result, ids, children, sorted(edges))


def _label(r: RecordedResource) -> str:
    return f"{r.name}\n{short_type(r.type)}"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", "<br/>")


def to_mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]

    def walk(parent: str | None, indent: str) -> None:
        for r in graph.children.get(parent, []):
            node = graph.ids[r.urn]
            if not r.custom:
                lines.append(f'{indent}subgraph {node} ["{_mermaid_text(_label(r))}"]')
                # An empty subgraph cannot be drawn; a component without resources shows as a note.
                if not graph.children.get(r.urn):
                    lines.append(f'{indent}  {node}_empty["(no resources)"]')
                walk(r.urn, indent + "  ")
                lines.append(f"{indent}end")
            else:
                lines.append(f'{indent}{node}["{_mermaid_text(_label(r))}"]')

    walk(None, "  ")
    lines += [f"  {a} --> {b}" for a, b in graph.edges]
    protected = [graph.ids[r.urn] for r in graph.result.resources if r.custom and r.protect]
    if protected:
        lines.append("  classDef protected stroke-width:3px")
        lines.append(f"  class {','.join(sorted(protected))} protected")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(graph: Graph) -> str:
    lines = [
        f'digraph "{_dot_text(graph.title)}" {{',
        "  rankdir=LR;",
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
        '  graph [fontname="Helvetica", fontsize=11];',
    ]

    def walk(parent: str | None, indent: str) -> None:
        for r in graph.children.get(parent, []):
            node = graph.ids[r.urn]
            if not r.custom:
                lines.append(f"{indent}subgraph cluster_{node} {{")
                lines.append(f'{indent}  label="{_dot_text(_label(r))}";')
                if not graph.children.get(r.urn):
                    lines.append(f'{indent}  {node}_empty [label="(no resources)", shape=plaintext];')
                walk(r.urn, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                style = ', penwidth=2.5, style="rounded,bold"' if r.protect else ""
                lines.append(f'{indent}{node} [label="{_dot_text(_label(r))}"{style}];')

    walk(None, "  ")
    lines += [f"  {a} -> {b};" for a, b in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot: str) -> str | None:
    """SVG from Graphviz when `dot` is on PATH, else None."""
    executable = shutil.which("dot")
    if executable is None:
        return None
    done = subprocess.run([executable, "-Tsvg"], input=dot, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout


def diagram_files(result: Evaluation) -> dict[str, str]:
    graph = build_graph(result)
    files = {"stack.mmd": to_mermaid(graph), "stack.dot": to_dot(graph)}
    svg = dot_to_svg(files["stack.dot"])
    if svg is not None:
        files["stack.svg"] = svg
    return files
