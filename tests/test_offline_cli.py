"""The offline preview command, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_preview(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_preview_prints_the_tree_and_outputs_of_prod() -> None:
    run = run_preview("prod")
    assert run.returncode == 0, run.stderr
    assert "registry-repository  (aws:ecr/repository:Repository)  [protected]" in run.stdout
    assert "├─ service  (diagramai:fargate_service:FargateService)" in run.stdout
    assert "serviceName" in run.stdout and "diagramai-prod" in run.stdout


def test_preview_exits_non_zero_with_the_config_error_and_no_traceback(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "__main__.py", "settings.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "components").symlink_to(ROOT / "components")
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  diagramai:image: {uri: ghcr.io/a/b:1}\n  diagramai:memory: 3\n"
    )
    run = run_preview("broken", "--cwd", str(tmp_path))
    assert run.returncode == 1
    assert "diagramai:memory = 3 is invalid" in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


def test_unknown_stack_is_a_clear_error() -> None:
    run = run_preview("nosuchstack")
    assert run.returncode == 1
    assert "Pulumi.nosuchstack.yaml not found" in run.stderr
