"""Benchmark of the offline evaluation: `./venv/bin/python bench/run.py [--repeat N]`.

(a) wall time and peak RSS to evaluate each committed stack in a fresh Python process;
(b) the floor: a fresh process that only imports pulumi, pulumi_aws, pulumi_kubernetes and
    pulumi_docker, and the ratio of (a) to it; also the "program import floor" (the provider
    modules the program actually uses, which are loaded lazily on first use) for context;
(c) growth: a generated program instantiating the FargateService component 1, 10 and 50 times,
    reporting the evaluation time and the cost per service.
Each measurement is the median of --repeat runs. Prints tables; numbers are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_RATIO = 1.5

FLOOR = "import pulumi, pulumi_aws, pulumi_kubernetes, pulumi_docker"
# Lists the provider modules an evaluation of every committed stack loads (pulumi_aws loads each
# submodule on first attribute access), so the program import floor imports exactly those.
LIST_PROGRAM_MODULES = """
import sys
from pathlib import Path
from offline import evaluate
for stack in sorted(p.name.split(".")[1] for p in Path(".").glob("Pulumi.*.yaml")):
    evaluate(stack)
print(" ".join(sorted(m for m in sys.modules if m.startswith(("pulumi_aws.", "pulumi_kubernetes.", "pulumi_docker.")))))
"""


def program_floor() -> str:
    """A script importing the provider modules the program really uses, found by evaluating it."""
    listed = subprocess.run(
        [PYTHON, "-c", LIST_PROGRAM_MODULES], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    modules = listed.stdout.split()
    return "import importlib, pulumi; " + "; ".join(f"importlib.import_module({m!r})" for m in modules)


GROWTH_PROGRAM = """
import pulumi
import pulumi_aws as aws

from components.fargate_service import FargateService, FargateServiceArgs

COUNT = {count}
provider = aws.Provider("aws", region="us-east-1")
opts = pulumi.ResourceOptions(providers={{"aws": provider}})
for i in range(COUNT):
    FargateService(
        f"svc{{i}}",
        FargateServiceArgs(
            service_name=f"svc-{{i}}",
            image="public.ecr.aws/nginx/nginx@sha256:" + "0" * 64,
            vpc_id="vpc-0a1b2c3d4e5f67890",
            subnet_ids=["subnet-0a1b2c3d4e5f67891"],
            log_group_name=f"/ecs/svc-{{i}}",
            log_group_arn=f"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/svc-{{i}}",
            region="us-east-1",
            ingress_cidrs=["10.0.0.0/16"],
        ),
        opts=opts,
    )
"""

# Runs inside the measured process: evaluate, then report the in-process evaluation time on stdout.
EVALUATE = """
import sys, time
start = time.perf_counter()
import offline
from pathlib import Path
program = Path(sys.argv[2]) if len(sys.argv) > 2 else None
result = offline.evaluate(sys.argv[1], program=program)
if not result.ok:
    sys.exit(f"evaluation failed: {result.error or result.findings}")
print(time.perf_counter() - start, len(result.resources))
"""


@dataclass
class Run:
    wall: float
    peak_rss_mb: float
    stdout: str


def run_measured(args: list[str]) -> Run:
    """One fresh interpreter: wall time from start to exit; peak RSS of that child alone (reaped with os.wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([PYTHON, *args], cwd=PROJECT_DIR, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{args}: exit {process.returncode}\n{err.read()}")
        # Linux reports ru_maxrss in KiB.
        return Run(wall, usage.ru_maxrss / 1024, out.read())


@dataclass
class Measurement:
    best: float  # fastest run: the least disturbed by other load on the machine
    median: float
    peak_rss_mb: float
    stdouts: list[str]

    def timed(self, index: int = 0) -> float:
        """Best of a number the child printed (its in-process evaluation time)."""
        return min(float(o.split()[index]) for o in self.stdouts)


def measure(args: list[str], repeat: int) -> Measurement:
    runs = [run_measured(args) for _ in range(repeat)]
    walls = [r.wall for r in runs]
    return Measurement(min(walls), statistics.median(walls), max(r.peak_rss_mb for r in runs), [r.stdout for r in runs])


def committed_stacks() -> list[str]:
    return sorted(p.name.split(".")[1] for p in PROJECT_DIR.glob("Pulumi.*.yaml"))


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))  # noqa: E731
    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def machine() -> str:
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    return f"{os.cpu_count()} CPUs (nproc), {total} RAM, Python {platform.python_version()}, {platform.platform()}"


def bench_stacks(repeat: int) -> float:
    """Table (a)+(b); returns the worst stack's ratio of best wall times to the import floor."""
    floor = measure(["-c", FLOOR], repeat)
    program = measure(["-c", program_floor()], repeat)

    def row(label: str, m: Measurement, verdict: str = "") -> tuple[str, ...]:
        ratio = m.best / floor.best
        return (label, f"{m.best:.2f}", f"{m.median:.2f}", f"{m.peak_rss_mb:.0f}", f"{ratio:.2f}", verdict)

    rows = [
        row("(b) import floor: pulumi, pulumi_aws, pulumi_kubernetes, pulumi_docker", floor),
        row("    program import floor: + the provider modules the program uses", program),
    ]
    worst = 0.0
    for stack in committed_stacks():
        m = measure(["-c", EVALUATE, stack], repeat)
        ratio = m.best / floor.best
        worst = max(worst, ratio)
        label = f"(a) evaluate stack {stack} (in-process {m.timed():.2f} s)"
        rows.append(row(label, m, "meets 1.5x" if ratio <= TARGET_RATIO else "over 1.5x"))
        rows.append((f"    ... vs program import floor: {m.best / program.best:.2f}x", "", "", "", "", ""))
    print(table(("fresh process", "best s", "median s", "peak RSS MB", "x floor", "target"), rows))
    return worst


def bench_growth(repeat: int, counts: tuple[int, ...]) -> None:
    """Table (c): evaluation time (in the child, imports included) for N FargateService components."""
    rows = []
    points: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in counts:
            program = Path(tmp) / f"services_{count}.py"
            program.write_text(textwrap.dedent(GROWTH_PROGRAM.format(count=count)))
            m = measure(["-c", EVALUATE, "dev", str(program)], repeat)
            evaluate_s = m.timed()
            resources = int(m.stdouts[0].split()[1])
            points.append((count, evaluate_s))
            rows.append((str(count), str(resources), f"{m.best:.2f}", f"{evaluate_s:.2f}", f"{m.peak_rss_mb:.0f}"))
    print(table(("services", "resources", "process best s", "evaluate best s", "peak RSS MB"), rows))
    slope = _least_squares_slope(points)
    per_service = ", ".join(
        f"{(t - points[0][1]) / (c - points[0][0]) * 1000:.0f} ms ({points[0][0]}->{c})" for c, t in points[1:]
    )
    print(f"\n(c) cost per additional service: {per_service}; least-squares slope {slope * 1000:.1f} ms/service")


def _least_squares_slope(points: list[tuple[int, float]]) -> float:
    mean_x = statistics.mean(x for x, _ in points)
    mean_y = statistics.mean(y for _, y in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median); default 5")
    parser.add_argument("--counts", default="1,10,50", help="FargateService counts for the growth test")
    args = parser.parse_args()
    print(
        f"Machine: {machine()}\nBest and median of {args.repeat} fresh processes per figure; peak RSS is the largest.\n"
    )
    worst = bench_stacks(args.repeat)
    print()
    bench_growth(args.repeat, tuple(int(c) for c in args.counts.split(",")))
    print(f"\nworst stack ratio to the import floor: {worst:.2f} (target {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
