"""The stack picture: every edge names a declared node, components are groups, dependencies are edges."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from offline import Evaluation
from offline.diagram import build_graph, diagram_files, to_dot, to_mermaid

MERMAID_NODE = re.compile(r'^\s*(\w+)\["')
MERMAID_SUBGRAPH = re.compile(r'^\s*subgraph (\w+) \["')
MERMAID_EDGE = re.compile(r"^\s*(\w+) --> (\w+)$")
DOT_NODE = re.compile(r"^\s*(\w+) \[label=")
DOT_CLUSTER = re.compile(r"^\s*subgraph cluster_(\w+) \{$")
DOT_EDGE = re.compile(r"^\s*(\w+) -> (\w+);$")


def parse(text: str, node: re.Pattern, group: re.Pattern, edge: re.Pattern) -> tuple[set, set, set]:
    nodes, groups, edges, depth = set(), set(), set(), 0
    for line in text.splitlines():
        if m := node.match(line):
            assert m[1] not in nodes, f"node {m[1]} declared twice"
            nodes.add(m[1])
        elif m := group.match(line):
            groups.add(m[1])
            depth += 1
        elif m := edge.match(line):
            edges.add((m[1], m[2]))
        elif line.strip() in ("end", "}"):
            depth -= 1
    assert depth in (0, -1), "unbalanced subgraphs"  # DOT's closing brace of the digraph itself
    return nodes, groups, edges


def test_mermaid_edges_name_declared_nodes(stack: Evaluation) -> None:
    text = to_mermaid(build_graph(stack))
    assert text.startswith("flowchart LR\n")
    nodes, groups, edges = parse(text, MERMAID_NODE, MERMAID_SUBGRAPH, MERMAID_EDGE)
    assert edges and all(a in nodes and b in nodes for a, b in edges)
    _check_structure(stack, nodes, groups, edges)


def test_dot_edges_name_declared_nodes(stack: Evaluation) -> None:
    text = to_dot(build_graph(stack))
    assert text.startswith('digraph "diagramai-') and text.rstrip().endswith("}")
    nodes, groups, edges = parse(text, DOT_NODE, DOT_CLUSTER, DOT_EDGE)
    assert edges and all(a in nodes and b in nodes for a, b in edges)
    _check_structure(stack, nodes, groups, edges)


def _check_structure(stack: Evaluation, nodes: set, groups: set, edges: set) -> None:
    graph = build_graph(stack)
    custom = {graph.ids[r.urn] for r in stack.resources if r.custom}
    components = {graph.ids[r.urn] for r in stack.resources if not r.custom}
    assert custom <= nodes
    assert groups == components
    ids = {r.name: graph.ids[r.urn] for r in stack.resources}
    # The service runs the task definition, which uses the execution role and the log group.
    assert (ids["service-task"], ids["service-service"]) in edges
    assert (ids["service-execution-role"], ids["service-task"]) in edges
    assert (ids["logs-log-group"], ids["service-task"]) in edges
    # The task role has no dependency on the log group: edges are not all-to-all.
    assert (ids["logs-log-group"], ids["service-task-role"]) not in edges


def test_every_recorded_dependency_between_resources_is_an_edge(stack: Evaluation) -> None:
    graph = build_graph(stack)
    custom = {r.urn for r in stack.resources if r.custom}
    for r in stack.resources:
        for dep in r.dependencies:
            if r.custom and dep in custom:
                assert (graph.ids[dep], graph.ids[r.urn]) in graph.edges


def test_protected_resources_are_marked(prod: Evaluation) -> None:
    graph = build_graph(prod)
    text = to_mermaid(graph)
    marked = set(re.search(r"^\s*class (\S+) protected$", text, re.M)[1].split(","))
    assert marked == {graph.ids[r.urn] for r in prod.resources if r.protect}
    assert marked


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_graphviz_accepts_the_dot_and_renders_svg(prod: Evaluation) -> None:
    text = to_dot(build_graph(prod))
    subprocess.run(["dot", "-Tcanon"], input=text, text=True, capture_output=True, check=True)
    svg = diagram_files(prod)["stack.svg"]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "ecs TaskDefinition" in svg


def test_the_readme_shows_the_current_picture_of_prod(prod: Evaluation) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    shown = readme.split("## The prod stack, as the offline preview draws it", 1)[1]
    block = shown.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert block == to_mermaid(build_graph(prod)).rstrip(), "regenerate: python -m offline prod --out out/prod"
