"""`python -m offline [STACK]`: the offline preview of one stack.

Evaluates the real program with Pulumi's mock runtime (no CLI, cloud or credentials),
prints the resource tree and the stack outputs, and exits non-zero with the error
message when the stack's configuration is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from offline.engine import PROJECT_DIR, Evaluation, evaluate
from offline.manifests import write_manifests
from offline.tree import render_tree
from policy import findings as policy_findings


def _format_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def render_text(result: Evaluation) -> str:
    lines = [f"Offline preview of stack '{result.stack}' (Pulumi mock runtime: no CLI, no cloud calls)", ""]
    lines += render_tree(result)
    custom = sum(1 for r in result.resources if r.custom)
    lines += ["", f"{custom} resources in {len(result.resources) - custom} components", "", "Outputs:"]
    width = max((len(k) for k in result.outputs), default=0)
    for name in sorted(result.outputs):
        shown = "[secret]" if name in result.secret_outputs else _format_value(result.outputs[name])
        lines.append(f"  {name.ljust(width)}  {shown}")
    if result.warnings:
        lines += ["", "Warnings:", *(f"  - {w}" for w in result.warnings)]
    return "\n".join(lines)


def render_policy_findings(found: list[dict[str, Any]]) -> str:
    """The policy pack's findings as `pulumi preview --policy-pack policy` would list them."""
    mandatory = sum(1 for f in found if f["level"] == "mandatory")
    lines = [f"Policy findings ({mandatory} mandatory, {len(found) - mandatory} advisory; policy/config/<stack>.json):"]
    lines += [f"  [{f['level']}] {f['policy']}  {f['resource']} ({f['type']})\n      {f['message']}" for f in found]
    if not found:
        lines.append("  none")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (reads Pulumi.<stack>.yaml); default dev")
    parser.add_argument(
        "-C", "--cwd", type=Path, default=PROJECT_DIR, help="the Pulumi project directory (default: this repository)"
    )
    parser.add_argument(
        "--k8s-manifests",
        metavar="DIR",
        type=Path,
        help="also write the stack's Kubernetes objects to DIR as YAML (Secret values redacted)",
    )
    args = parser.parse_args(argv)

    result = evaluate(args.stack, project_dir=args.cwd.resolve())
    if result.error is not None:
        print(f"error: {result.error}", file=sys.stderr)
        return 1
    print(render_text(result))
    if args.k8s_manifests is not None:
        written = write_manifests(result, args.k8s_manifests)
        print(f"\n{len(written)} Kubernetes manifest(s) written to {args.k8s_manifests}")
    found = policy_findings(result, args.stack)
    print("\n" + render_policy_findings(found))
    if result.findings:
        print("\nProgram errors the Pulumi CLI would reject:", file=sys.stderr)
        for finding in result.findings:
            print(f"  - {finding}", file=sys.stderr)
        return 1
    if any(f["level"] == "mandatory" for f in found):
        print("\nMandatory policy violations: `pulumi preview --policy-pack policy` would fail.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
