"""Helpers for the production-traffic tests (load balancer, network, autoscaling, monitoring)."""

from __future__ import annotations

from typing import Any

import pytest

from offline import Evaluation
from offline.engine import PROJECT_DIR
from offline.stack_config import load_stack_config
from settings import ConfigError, Settings, parse_settings

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def named(result: Evaluation, name: str) -> Any:
    """The one resource with this logical name."""
    found = [r for r in result.resources if r.name == name]
    assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
    return found[0]


def rules_of(result: Evaluation, type_: str, group_id: str) -> list[dict[str, Any]]:
    return [r.inputs for r in result.of_type(type_) if r.inputs["securityGroupId"] == group_id]


def alb_group_id(result: Evaluation) -> str:
    return named(result, "web-sg").id


def task_group_id(result: Evaluation) -> str:
    return named(result, "service-sg").id


def settings_for(stack: str, **overrides: Any) -> Settings:
    """Parse a committed stack's config with overrides, without running the program."""
    config = load_stack_config(PROJECT_DIR, stack, overrides)
    return parse_settings(config.values, stack=stack, project=config.project, secret_keys=config.secret_keys)


def problems_for(stack: str, **overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as error:
        settings_for(stack, **overrides)
    return error.value.problems
