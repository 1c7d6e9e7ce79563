"""`python -m offline [STACK]`: the offline preview of one stack.

Evaluates the real program with Pulumi's mock runtime (no CLI, cloud or credentials),
prints the resource tree and the stack outputs, and exits non-zero with the error
message when the stack's configuration is invalid.

  --out DIR       also write the desired state as reviewable files and a picture of the stack
  --cost          also print the estimated monthly cost
  --format json   print one JSON document instead (resources, outputs, findings, cost)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from offline.artifacts import render_files, write_files
from offline.cost import estimate_cost, format_cost
from offline.diagram import diagram_files
from offline.engine import PROJECT_DIR, Evaluation, evaluate
from offline.report import json_report
from offline.style import PLAIN, Style, use_color
from offline.tree import render_tree
from policy import findings as policy_findings


def _format_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def render_text(result: Evaluation, style: Style = PLAIN) -> str:
    lines = [f"Offline preview of stack '{result.stack}' (Pulumi mock runtime: no CLI, no cloud calls)", ""]
    lines += render_tree(result, style)
    custom = sum(1 for r in result.resources if r.custom)
    lines += ["", f"{custom} resources in {len(result.resources) - custom} components", "", style.bold("Outputs:")]
    width = max((len(k) for k in result.outputs), default=0)
    for name in sorted(result.outputs):
        shown = "[secret]" if name in result.secret_outputs else _format_value(result.outputs[name])
        lines.append(f"  {style.cyan(name.ljust(width))}  {shown}")
    if result.warnings:
        lines += ["", style.yellow("Warnings:"), *(f"  - {w}" for w in result.warnings)]
    return "\n".join(lines)


def render_policy_findings(found: list[dict[str, Any]]) -> str:
    """The policy pack's findings as `pulumi preview --policy-pack policy` would list them."""
    mandatory = sum(1 for f in found if f["level"] == "mandatory")
    lines = [f"Policy findings ({mandatory} mandatory, {len(found) - mandatory} advisory; policy/config/<stack>.json):"]
    lines += [f"  [{f['level']}] {f['policy']}  {f['resource']} ({f['type']})\n      {f['message']}" for f in found]
    if not found:
        lines.append("  none")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m offline",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (reads Pulumi.<stack>.yaml); default dev")
    parser.add_argument(
        "-C", "--cwd", type=Path, default=PROJECT_DIR, help="the Pulumi project directory (default: this repository)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write task definitions, IAM, ECR, security group, "
        "dashboard and Kubernetes files plus stack.mmd/stack.dot (and stack.svg with Graphviz) to DIR",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format; default text")
    parser.add_argument("--cost", action="store_true", help="print the estimated monthly cost (text format)")
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colors in text output; auto = only on a terminal and without NO_COLOR",
    )
    return parser


def _write_out(result: Evaluation, out: Path) -> int:
    files = {**render_files(result), **diagram_files(result)}
    write_files(files, out)
    return len(files)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out_style = Style(use_color(sys.stdout, args.color))
    err_style = Style(use_color(sys.stderr, args.color))
    if args.format == "text" and sys.stderr.isatty():
        print(err_style.dim(f"Evaluating stack '{args.stack}' offline..."), file=sys.stderr, flush=True)

    result = evaluate(args.stack, project_dir=args.cwd.resolve())
    found = policy_findings(result, args.stack) if result.error is None else []
    if args.format == "json":
        print(json.dumps(json_report(result, found), indent=2, sort_keys=True))
    if result.error is not None:
        print(f"{err_style.red('error:')} {result.error}", file=sys.stderr)
        return 1
    if args.format == "text":
        print(render_text(result, out_style))
        print("\n" + render_policy_findings(found))
        if args.cost:
            print("\n" + "\n".join(format_cost(estimate_cost(result))))
    if args.out is not None:
        count = _write_out(result, args.out)
        print(f"Wrote {count} files to {args.out} (listed in {args.out / 'files.txt'})", file=sys.stderr)
    if result.findings:
        print(f"\n{err_style.red('Program errors the Pulumi CLI would reject:')}", file=sys.stderr)
        for finding in result.findings:
            print(f"  - {finding}", file=sys.stderr)
        return 1
    if any(f["level"] == "mandatory" for f in found):
        print(
            f"\n{err_style.red('Mandatory policy violations:')} `pulumi preview --policy-pack policy` would fail.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
