"""CloudWatch alarms and a dashboard for one ECS service (and its ALB target group).

Alarms: high CPU, high memory, target 5xx responses, unhealthy targets, and fewer running
tasks than desired (Container Insights). With an email address, an SNS topic receives
every alarm and recovery. The dashboard shows the same metrics side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

ECS = "AWS/ECS"
ALB = "AWS/ApplicationELB"
CONTAINER_INSIGHTS = "ECS/ContainerInsights"


@dataclass(frozen=True)
class AlarmThresholds:
    cpu_percent: float = 80
    memory_percent: float = 80
    # Target (application) 5xx responses per minute.
    target_5xx_per_minute: int = 10
    # Alarm when more targets than this are unhealthy.
    unhealthy_hosts: int = 0
    # Consecutive one-minute periods a condition must hold; rides out a single spike or a deploy.
    evaluation_minutes: int = 5


@dataclass(frozen=True)
class ServiceMonitoringArgs:
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    region: str
    dashboard_name: str
    # Both or neither: the ALB metrics' dimensions.
    load_balancer_arn_suffix: pulumi.Input[str] | None = None
    target_group_arn_suffix: pulumi.Input[str] | None = None
    alarms_enabled: bool = True
    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    # An SNS topic is created for alarm notifications when an address is given.
    alarm_email: str | None = None
    # A customer-managed key whose policy admits cloudwatch.amazonaws.com. Not alias/aws/sns:
    # CloudWatch cannot use that AWS-managed key, and alarms would silently fail to publish.
    topic_kms_key_id: str | None = None


class ServiceMonitoring(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]
    topic_arn: pulumi.Output[str] | None
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(self, name: str, args: ServiceMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:monitoring:ServiceMonitoring", name, None, opts)
        if (args.load_balancer_arn_suffix is None) != (args.target_group_arn_suffix is None):
            raise ValueError("give both the load balancer's and the target group's ARN suffix, or neither")
        self.args = args
        child = pulumi.ResourceOptions(parent=self)
        self.topic_arn = None
        actions: list[pulumi.Input[str]] = []
        if args.alarms_enabled and args.alarm_email:
            topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=args.topic_kms_key_id, opts=child)
            aws.sns.TopicSubscription(
                f"{name}-alarms-email", topic=topic.arn, protocol="email", endpoint=args.alarm_email, opts=child
            )
            self.topic_arn = topic.arn
            actions = [topic.arn]
        self.alarms = self._alarms(name, actions) if args.alarms_enabled else {}
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=pulumi.Output.json_dumps({"widgets": self._widgets()}),
            opts=child,
        )
        self.dashboard_name = dashboard.dashboard_name
        self.register_outputs({"dashboardName": self.dashboard_name, "topicArn": self.topic_arn})

    # -- dimensions ----------------------------------------------------------------------

    @property
    def _service_dimensions(self) -> dict[str, pulumi.Input[str]]:
        return {"ClusterName": self.args.cluster_name, "ServiceName": self.args.service_name}

    @property
    def _target_dimensions(self) -> dict[str, pulumi.Input[str]]:
        return {
            "LoadBalancer": self.args.load_balancer_arn_suffix,  # type: ignore[dict-item]
            "TargetGroup": self.args.target_group_arn_suffix,  # type: ignore[dict-item]
        }

    @property
    def _has_load_balancer(self) -> bool:
        return self.args.load_balancer_arn_suffix is not None

    # -- alarms --------------------------------------------------------------------------

    def _alarms(self, name: str, actions: list[pulumi.Input[str]]) -> dict[str, aws.cloudwatch.MetricAlarm]:
        t = self.args.thresholds
        alarms = {
            "high-cpu": self._alarm(
                name, "high-cpu", actions, f"Service CPU above {t.cpu_percent}% of its reservation",
                namespace=ECS, metric_name="CPUUtilization", dimensions=self._service_dimensions,
                statistic="Average", threshold=t.cpu_percent,
            ),
            "high-memory": self._alarm(
                name, "high-memory", actions, f"Service memory above {t.memory_percent}% of its reservation",
                namespace=ECS, metric_name="MemoryUtilization", dimensions=self._service_dimensions,
                statistic="Average", threshold=t.memory_percent,
            ),
            "tasks-below-desired": self._tasks_below_desired(name, actions),
        }  # fmt: skip
        if self._has_load_balancer:
            alarms["target-5xx"] = self._alarm(
                name, "target-5xx", actions, f"More than {t.target_5xx_per_minute} 5xx responses a minute from the app",
                namespace=ALB, metric_name="HTTPCode_Target_5XX_Count", dimensions=self._target_dimensions,
                statistic="Sum", threshold=t.target_5xx_per_minute,
                # No requests, no errors: quiet periods must not alarm.
                treat_missing_data="notBreaching",
            )  # fmt: skip
            alarms["unhealthy-hosts"] = self._alarm(
                name, "unhealthy-hosts", actions, f"More than {t.unhealthy_hosts} targets failing the health check",
                namespace=ALB, metric_name="UnHealthyHostCount", dimensions=self._target_dimensions,
                statistic="Maximum", threshold=t.unhealthy_hosts, treat_missing_data="notBreaching",
            )  # fmt: skip
        return alarms

    def _alarm(
        self, name: str, role: str, actions: list[pulumi.Input[str]], description: str, **metric: Any
    ) -> aws.cloudwatch.MetricAlarm:
        minutes = self.args.thresholds.evaluation_minutes
        metric.setdefault("treat_missing_data", "missing")
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{role}",
            alarm_description=description,
            comparison_operator="GreaterThanThreshold",
            period=60,
            evaluation_periods=minutes,
            datapoints_to_alarm=minutes,
            alarm_actions=actions,
            ok_actions=actions,
            opts=pulumi.ResourceOptions(parent=self),
            **metric,
        )

    def _tasks_below_desired(self, name: str, actions: list[pulumi.Input[str]]) -> aws.cloudwatch.MetricAlarm:
        """Desired minus running tasks (Container Insights); a deploy or scale-out closes the gap within minutes."""
        minutes = self.args.thresholds.evaluation_minutes

        def query(query_id: str, metric_name: str) -> dict[str, Any]:
            return {
                "id": query_id,
                "return_data": False,
                "metric": {
                    "namespace": CONTAINER_INSIGHTS,
                    "metric_name": metric_name,
                    "dimensions": self._service_dimensions,
                    "period": 60,
                    "stat": "Average",
                },
            }

        return aws.cloudwatch.MetricAlarm(
            f"{name}-tasks-below-desired",
            alarm_description="Fewer tasks running than desired (tasks crash, fail health checks or cannot start)",
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            evaluation_periods=minutes,
            datapoints_to_alarm=minutes,
            metric_queries=[
                query("desired", "DesiredTaskCount"),
                query("running", "RunningTaskCount"),
                {"id": "missing", "expression": "desired - running", "label": "Tasks missing", "return_data": True},
            ],
            # Container Insights publishes these every minute while the service exists; a gap is no evidence.
            treat_missing_data="missing",
            alarm_actions=actions,
            ok_actions=actions,
            opts=pulumi.ResourceOptions(parent=self),
        )

    # -- dashboard -----------------------------------------------------------------------

    def _metric(self, namespace: str, metric_name: str, dims: dict[str, pulumi.Input[str]], **options: Any) -> list:
        row: list[Any] = [namespace, metric_name]
        for key, value in dims.items():
            row += [key, value]
        return [*row, options] if options else row

    def _graph(self, title: str, metrics: list[list], x: int, y: int, stat: str = "Average") -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": self.args.region,
                "view": "timeSeries",
                "stat": stat,
                "period": 60,
                "metrics": metrics,
            },
        }

    def _widgets(self) -> list[dict[str, Any]]:
        svc = self._service_dimensions
        widgets = [
            self._graph(
                "CPU and memory (% of reservation)",
                [self._metric(ECS, "CPUUtilization", svc), self._metric(ECS, "MemoryUtilization", svc)],
                0,
                0,
            ),
            self._graph(
                "Tasks: desired, running, pending",
                [
                    self._metric(CONTAINER_INSIGHTS, "DesiredTaskCount", svc),
                    self._metric(CONTAINER_INSIGHTS, "RunningTaskCount", svc),
                    self._metric(CONTAINER_INSIGHTS, "PendingTaskCount", svc),
                ],
                12,
                0,
            ),
        ]
        if self._has_load_balancer:
            tg = self._target_dimensions
            widgets += [
                self._graph(
                    "Requests and 5xx (per minute)",
                    [
                        self._metric(ALB, "RequestCount", tg),
                        self._metric(ALB, "HTTPCode_Target_5XX_Count", tg),
                        self._metric(ALB, "HTTPCode_Target_4XX_Count", tg),
                    ],
                    0,
                    6,
                    stat="Sum",
                ),
                self._graph(
                    "Target response time (p50, p95, p99; seconds)",
                    [
                        self._metric(ALB, "TargetResponseTime", tg, stat="p50"),
                        self._metric(ALB, "TargetResponseTime", tg, stat="p95"),
                        self._metric(ALB, "TargetResponseTime", tg, stat="p99"),
                    ],
                    12,
                    6,
                ),
                self._graph(
                    "Healthy and unhealthy targets",
                    [self._metric(ALB, "HealthyHostCount", tg), self._metric(ALB, "UnHealthyHostCount", tg)],
                    0,
                    12,
                    stat="Maximum",
                ),
            ]
        return widgets
