"""Alarms and dashboard: each metric exists and points at this stack's cluster, service and target group."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import botocore

from offline import Evaluation
from tests.conftest import evaluate_ok
from tests.traffic_helpers import named

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CLOUDWATCH_MODEL = Path(botocore.__file__).parent / "data" / "cloudwatch" / "2010-08-01" / "service-2.json.gz"

# Metric names and the dimension sets they are published with, from the AWS documentation:
# "Amazon ECS CloudWatch metrics", "Amazon ECS Container Insights metrics" and
# "CloudWatch metrics for your Application Load Balancer".
KNOWN_METRICS: dict[str, dict[str, frozenset[str]]] = {
    "AWS/ECS": {name: frozenset({"ClusterName", "ServiceName"}) for name in ("CPUUtilization", "MemoryUtilization")},
    "ECS/ContainerInsights": {
        name: frozenset({"ClusterName", "ServiceName"})
        for name in ("DesiredTaskCount", "RunningTaskCount", "PendingTaskCount")
    },
    "AWS/ApplicationELB": {
        name: frozenset({"LoadBalancer", "TargetGroup"})
        for name in (
            "RequestCount",
            "HTTPCode_Target_5XX_Count",
            "HTTPCode_Target_4XX_Count",
            "TargetResponseTime",
            "HealthyHostCount",
            "UnHealthyHostCount",
        )
    },
}


def expected_dimensions(result: Evaluation, namespace: str) -> dict[str, str]:
    if namespace == "AWS/ApplicationELB":
        return {
            "LoadBalancer": named(result, "web-alb").state["arnSuffix"],
            "TargetGroup": named(result, "web-tg").state["arnSuffix"],
        }
    return {"ClusterName": result.outputs["clusterName"], "ServiceName": result.outputs["serviceName"]}


def alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of a plain or metric-math alarm."""
    if "metricQueries" in alarm:
        return [
            (q["metric"]["namespace"], q["metric"]["metricName"], q["metric"]["dimensions"])
            for q in alarm["metricQueries"]
            if "metric" in q
        ]
    return [(alarm["namespace"], alarm["metricName"], alarm["dimensions"])]


def alarms_by_name(result: Evaluation) -> dict[str, dict[str, Any]]:
    return {a.name.removeprefix("monitoring-"): a.inputs for a in result.of_type(ALARM)}


def test_prod_has_the_five_alarms_notifying_the_topic(prod: Evaluation) -> None:
    alarms = alarms_by_name(prod)
    assert set(alarms) == {"high-cpu", "high-memory", "target-5xx", "unhealthy-hosts", "tasks-below-desired"}
    topic = prod.one("aws:sns/topic:Topic").state["arn"]
    assert prod.outputs["alarmTopicArn"] == topic
    for alarm in alarms.values():
        assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic]
    subscription = prod.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["topic"], subscription["protocol"]) == (topic, "email")
    assert subscription["endpoint"] == "ops@diagramai.example.com"


def test_every_alarm_watches_an_existing_metric_of_this_service(prod: Evaluation) -> None:
    for name, alarm in alarms_by_name(prod).items():
        for namespace, metric, dimensions in alarm_metrics(alarm):
            assert metric in KNOWN_METRICS[namespace], (name, namespace, metric)
            assert set(dimensions) == KNOWN_METRICS[namespace][metric], name
            assert dimensions == expected_dimensions(prod, namespace), name


def test_alarm_dimensions_follow_a_shared_cluster() -> None:
    result = evaluate_ok("prod", **{"diagramai:clusterName": "shared-cluster"})
    for alarm in alarms_by_name(result).values():
        for namespace, _, dimensions in alarm_metrics(alarm):
            if namespace != "AWS/ApplicationELB":
                assert dimensions == {"ClusterName": "shared-cluster", "ServiceName": "diagramai-prod"}


def test_thresholds_come_from_the_config(prod: Evaluation) -> None:
    alarms = alarms_by_name(prod)
    assert (alarms["high-cpu"]["threshold"], alarms["high-cpu"]["statistic"]) == (85, "Average")
    assert alarms["high-memory"]["threshold"] == 85
    assert (alarms["target-5xx"]["threshold"], alarms["target-5xx"]["statistic"]) == (10, "Sum")
    assert (alarms["unhealthy-hosts"]["threshold"], alarms["unhealthy-hosts"]["statistic"]) == (0, "Maximum")
    below = alarms["tasks-below-desired"]
    assert below["threshold"] == 0
    (expression,) = [q for q in below["metricQueries"] if q.get("returnData")]
    assert expression["expression"] == "desired - running"
    assert {q["id"]: q["metric"]["metricName"] for q in below["metricQueries"] if "metric" in q} == {
        "desired": "DesiredTaskCount",
        "running": "RunningTaskCount",
    }


def test_alarm_settings_are_valid_for_the_cloudwatch_api(prod: Evaluation) -> None:
    shapes = json.loads(gzip.decompress(CLOUDWATCH_MODEL.read_bytes()))["shapes"]
    for alarm in alarms_by_name(prod).values():
        assert alarm["comparisonOperator"] in shapes["ComparisonOperator"]["enum"]
        if "statistic" in alarm:
            assert alarm["statistic"] in shapes["Statistic"]["enum"]
        assert alarm["treatMissingData"] in ("breaching", "notBreaching", "ignore", "missing")
        assert 1 <= alarm["datapointsToAlarm"] <= alarm["evaluationPeriods"]


def test_dev_has_no_alarms_and_no_topic_but_a_dashboard(dev: Evaluation) -> None:
    assert not dev.of_type(ALARM) and not dev.of_type("aws:sns/topic:Topic")
    assert "alarmTopicArn" not in dev.outputs
    assert dev.outputs["dashboardName"] == "diagramai-dev"


def test_the_dashboard_parses_and_graphs_existing_metrics_of_this_service(stack: Evaluation) -> None:
    dashboard = stack.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == stack.outputs["dashboardName"]
    widgets = json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    graphed = set()
    for widget in widgets:
        assert widget["type"] == "metric" and widget["properties"]["region"] == "us-east-1"
        for row in widget["properties"]["metrics"]:
            namespace, metric, *rest = row
            pairs = rest[:-1] if rest and isinstance(rest[-1], dict) else rest
            dimensions = dict(zip(pairs[::2], pairs[1::2], strict=True))
            assert metric in KNOWN_METRICS[namespace]
            assert dimensions == expected_dimensions(stack, namespace)
            graphed.add(metric)
    assert {
        "CPUUtilization",
        "MemoryUtilization",
        "RunningTaskCount",
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
    } <= graphed


def test_alarms_without_email_have_no_topic_and_no_actions() -> None:
    result = evaluate_ok("dev", **{"diagramai:alarms": {"enabled": True}})
    assert len(result.of_type(ALARM)) == 5
    assert not result.of_type("aws:sns/topic:Topic")
    assert all(a["alarmActions"] == [] for a in alarms_by_name(result).values())
