"""Autoscaling: the scalable target and target-tracking policies bound to this service."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore

from offline import Evaluation
from tests.conftest import evaluate_ok
from tests.traffic_helpers import named

POLICY = "aws:appautoscaling/policy:Policy"
TARGET = "aws:appautoscaling/target:Target"
MODEL = Path(botocore.__file__).parent / "data" / "application-autoscaling" / "2016-02-06" / "service-2.json.gz"


def test_prod_scales_its_service_between_3_and_10_tasks(prod: Evaluation) -> None:
    target = prod.one(TARGET).inputs
    assert target["resourceId"] == f"service/{prod.outputs['clusterName']}/{prod.outputs['serviceName']}"
    assert (target["serviceNamespace"], target["scalableDimension"]) == ("ecs", "ecs:service:DesiredCount")
    assert (target["minCapacity"], target["maxCapacity"]) == (3, 10)


def test_the_resource_id_names_cluster_then_service() -> None:
    # A shared cluster makes cluster and service names differ, so their order is visible.
    result = evaluate_ok("prod", **{"diagramai:clusterName": "shared-cluster"})
    expected = "service/shared-cluster/diagramai-prod"
    assert result.one(TARGET).inputs["resourceId"] == expected
    assert {p.inputs["resourceId"] for p in result.of_type(POLICY)} == {expected}


def test_policies_track_cpu_memory_and_requests_per_target(prod: Evaluation) -> None:
    target = prod.one(TARGET).inputs
    alb, group = named(prod, "web-alb").state, named(prod, "web-tg").state
    metrics = {}
    for policy in prod.of_type(POLICY):
        inputs = policy.inputs
        assert inputs["policyType"] == "TargetTrackingScaling"
        for key in ("resourceId", "scalableDimension", "serviceNamespace"):
            assert inputs[key] == target[key]
        config = inputs["targetTrackingScalingPolicyConfiguration"]
        # Add capacity fast, remove it slowly.
        assert config["scaleInCooldown"] > config["scaleOutCooldown"]
        spec = config["predefinedMetricSpecification"]
        metrics[spec["predefinedMetricType"]] = (config["targetValue"], spec.get("resourceLabel"))
    assert metrics == {
        "ECSServiceAverageCPUUtilization": (60, None),
        "ECSServiceAverageMemoryUtilization": (70, None),
        # The label AWS documents: app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>.
        "ALBRequestCountPerTarget": (1000, f"{alb['arnSuffix']}/{group['arnSuffix']}"),
    }


def test_policies_use_metric_types_and_dimensions_of_the_api_model(prod: Evaluation) -> None:
    shapes = json.loads(gzip.decompress(MODEL.read_bytes()))["shapes"]
    assert prod.one(TARGET).inputs["scalableDimension"] in shapes["ScalableDimension"]["enum"]
    assert prod.one(TARGET).inputs["serviceNamespace"] in shapes["ServiceNamespace"]["enum"]
    for policy in prod.of_type(POLICY):
        assert policy.inputs["policyType"] in shapes["PolicyType"]["enum"]
        spec = policy.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]
        assert spec["predefinedMetricType"] in shapes["MetricType"]["enum"]


def test_the_autoscaler_owns_the_task_count(prod: Evaluation, dev: Evaluation) -> None:
    assert "desiredCount" in prod.one("aws:ecs/service:Service").ignore_changes
    assert dev.one("aws:ecs/service:Service").ignore_changes == []


def test_dev_does_not_scale(dev: Evaluation) -> None:
    assert not dev.of_type(TARGET) and not dev.of_type(POLICY)


def test_min_capacity_defaults_to_the_desired_count() -> None:
    result = evaluate_ok("dev", **{"diagramai:desiredCount": 2, "diagramai:autoscaling": {"enabled": True}})
    target = result.one(TARGET).inputs
    assert target["minCapacity"] == 2 and target["maxCapacity"] >= 2
    assert len(result.of_type(POLICY)) == 3


def test_without_a_load_balancer_there_is_no_request_policy() -> None:
    result = evaluate_ok(
        "dev", **{"diagramai:autoscaling": {"enabled": True}, "diagramai:loadBalancer": {"enabled": False}}
    )
    types = {
        p.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]["predefinedMetricType"]
        for p in result.of_type(POLICY)
    }
    assert types == {"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"}
