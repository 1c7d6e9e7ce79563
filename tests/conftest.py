"""Shared fixtures: every test evaluates the real program through the offline runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from offline import Evaluation, evaluate


def evaluate_ok(stack: str, **overrides: Any) -> Evaluation:
    """Evaluate `stack` with config overrides ("diagramai:cpu" style keys) and require success."""
    result = evaluate(stack, overrides=overrides or None)
    assert result.error is None, result.error
    assert not result.findings, result.findings
    return result


def container_definitions(result: Evaluation) -> list[dict[str, Any]]:
    task = result.one("aws:ecs/taskDefinition:TaskDefinition")
    return json.loads(task.inputs["containerDefinitions"])


@pytest.fixture(scope="session")
def dev() -> Evaluation:
    return evaluate_ok("dev")


@pytest.fixture(scope="session")
def prod() -> Evaluation:
    return evaluate_ok("prod")


@pytest.fixture(params=["dev", "prod"], scope="session")
def stack(request: pytest.FixtureRequest) -> Evaluation:
    return evaluate_ok(request.param)


@pytest.fixture
def with_overrides() -> Callable[..., Evaluation]:
    """Evaluate a committed stack with some config keys replaced: with_overrides("dev", **{"diagramai:cpu": 512})."""
    return lambda stack, **overrides: evaluate(stack, overrides=overrides)


def evaluate_program(tmp_path: Any, source: str, stack: str = "dev", **overrides: Any) -> Evaluation:
    """Evaluate a small program (e.g. one component with other arguments) against a stack's config."""
    program = tmp_path / "program.py"
    program.write_text(source)
    return evaluate(stack, overrides=overrides or None, program=program)


def policy_statements(result: Evaluation, role_policy_name: str) -> list[dict[str, Any]]:
    policy = next(r for r in result.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == role_policy_name)
    return json.loads(policy.inputs["policy"])["Statement"]
