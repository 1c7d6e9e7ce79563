"""Validation of loadBalancer, certificateArn, autoscaling and alarms: every bad value named, before any resource."""

from __future__ import annotations

from typing import Any

import pytest

from offline import Evaluation, evaluate
from tests.traffic_helpers import problems_for, settings_for

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/1f2e3d4c-5b6a-4789-8abc-def012345678"


def keys_named(problems: list[str]) -> set[str]:
    return {p.split(" ", 1)[0].removeprefix("diagramai:") for p in problems}


@pytest.mark.parametrize(
    ("stack", "overrides", "key"),
    [
        ("dev", {"autoscaling": {"enabled": True, "minCapacity": 5, "maxCapacity": 2}}, "autoscaling.minCapacity"),
        ("dev", {"autoscaling": {"enabled": True, "maxCapacity": 0}}, "autoscaling.maxCapacity"),
        ("dev", {"autoscaling": {"enabled": True, "cpuTarget": 120}}, "autoscaling.cpuTarget"),
        ("dev", {"autoscaling": {"enabled": True, "memoryTarget": "high"}}, "autoscaling.memoryTarget"),
        ("dev", {"autoscaling": {"scaleInCooldown": 30, "scaleOutCooldown": 60}}, "autoscaling.scaleInCooldown"),
        ("dev", {"autoscaling": {"enabled": True, "minCapacity": 2, "maxCapacity": 4}}, "desiredCount"),
        ("dev", {"alarms": {"enabled": True, "cpuPercent": 150}}, "alarms.cpuPercent"),
        ("dev", {"alarms": {"memoryPercent": 0}}, "alarms.memoryPercent"),
        ("dev", {"alarms": {"target5xxPerMinute": 0}}, "alarms.target5xxPerMinute"),
        ("dev", {"alarms": {"evaluationMinutes": 90}}, "alarms.evaluationMinutes"),
        ("dev", {"alarms": {"email": "not-an-address"}}, "alarms.email"),
        ("dev", {"alarms": {"pager": "yes"}}, "alarms.pager"),
        ("dev", {"loadBalancer": {"deregistrationDelay": 4000}}, "loadBalancer.deregistrationDelay"),
        ("dev", {"loadBalancer": {"healthCheckInterval": 5}}, "loadBalancer.healthCheckInterval"),
        ("dev", {"loadBalancer": {"healthyThreshold": 1}}, "loadBalancer.healthyThreshold"),
        ("dev", {"loadBalancer": {"ingressCidrs": ["300.0.0.0/8"]}}, "loadBalancer.ingressCidrs[0]"),
        ("dev", {"loadBalancer": {"ingressCidrs": []}}, "loadBalancer.ingressCidrs"),
        ("dev", {"loadBalancer": {"accessLogsBucket": "Bad_Bucket"}}, "loadBalancer.accessLogsBucket"),
        ("dev", {"loadBalancer": {"accessLogsPrefix": "logs"}}, "loadBalancer.accessLogsPrefix"),
        ("dev", {"certificateArn": "arn:aws:acm:us-east-1:123:certificate/abc"}, "certificateArn"),
        ("dev", {"certificateArn": CERT.replace("us-east-1", "eu-west-1")}, "certificateArn"),
        ("dev", {"certificateArn": CERT, "allowedAccountIds": ["210987654321"]}, "certificateArn"),
        ("dev", {"certificateArn": CERT, "loadBalancer": {"enabled": False}}, "certificateArn"),
        ("prod", {"certificateArn": ""}, "certificateArn"),
        (
            "dev",
            {"loadBalancer": {"enabled": False}, "autoscaling": {"requestsPerTarget": 100}},
            "autoscaling.requestsPerTarget",
        ),
        ("dev", {"network": {"assignPublicIp": True, "ingressCidrs": ["10.0.0.0/8"]}}, "network.ingressCidrs"),
    ],
)
def test_a_bad_value_is_named_in_the_error(stack: str, overrides: dict[str, Any], key: str) -> None:
    problems = problems_for(stack, **{f"diagramai:{k}": v for k, v in overrides.items()})
    assert key in keys_named(problems), problems


def test_alarm_thresholds_must_exceed_the_scaling_targets() -> None:
    problems = problems_for("prod", **{"diagramai:alarms": {"enabled": True, "cpuPercent": 60, "memoryPercent": 50}})
    assert {"alarms.cpuPercent", "alarms.memoryPercent"} <= keys_named(problems)


def test_every_bad_value_is_reported_at_once() -> None:
    problems = problems_for(
        "dev",
        **{
            "diagramai:autoscaling": {"enabled": True, "minCapacity": 5, "maxCapacity": 2},
            "diagramai:alarms": {"cpuPercent": 101},
            "diagramai:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/nope",
            "diagramai:loadBalancer": {"deregistrationDelay": -1},
        },
    )
    assert {
        "autoscaling.minCapacity",
        "alarms.cpuPercent",
        "certificateArn",
        "loadBalancer.deregistrationDelay",
    } <= keys_named(problems)


def test_a_bad_value_stops_the_program_before_any_resource() -> None:
    result = evaluate("dev", overrides={"diagramai:autoscaling": {"enabled": True, "minCapacity": 5, "maxCapacity": 2}})
    assert result.error is not None and "autoscaling.minCapacity" in result.error
    assert not [r for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:")]


def test_defaults() -> None:
    settings = settings_for("dev", **{"diagramai:desiredCount": 2})
    assert settings.load_balancer.enabled and settings.load_balancer.deregistration_delay == 30
    assert settings.load_balancer.deletion_protection is False
    assert settings.autoscaling.min_capacity == 2 and settings.autoscaling.max_capacity >= 2
    assert settings.autoscaling.scale_in_cooldown > settings.autoscaling.scale_out_cooldown
    assert settings.alarms.enabled is False
    assert settings_for("prod").alarms.enabled and settings_for("prod").load_balancer.deletion_protection


def test_the_committed_prod_certificate_is_the_recognised_placeholder(prod: Evaluation) -> None:
    assert settings_for("prod").certificate_is_placeholder
    assert any("placeholder" in w for w in prod.warnings)
    assert not settings_for("prod", **{"diagramai:certificateArn": CERT}).certificate_is_placeholder
