"""Target-tracking autoscaling of an ECS service's task count.

Up to three policies track CPU, memory and (behind an ALB) requests per target; Application
Auto Scaling scales out when any one asks and scales in only when all agree. Scale-out reacts
within a minute; scale-in waits longer so that a short lull does not remove capacity that
the next burst needs again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ECS_DESIRED_COUNT = "ecs:service:DesiredCount"


def ecs_resource_id(cluster_name: pulumi.Input[str], service_name: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.format("service/{0}/{1}", cluster_name, service_name)


@dataclass(frozen=True)
class ServiceAutoscalingArgs:
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    min_capacity: int
    max_capacity: int
    cpu_target: float | None = 60
    memory_target: float | None = 75
    # Requests per target per minute; needs the ALB's and target group's ARN suffixes.
    requests_per_target: int | None = None
    load_balancer_arn_suffix: pulumi.Input[str] | None = None
    target_group_arn_suffix: pulumi.Input[str] | None = None
    scale_out_cooldown: int = 60
    scale_in_cooldown: int = 300


class ServiceAutoscaling(pulumi.ComponentResource):
    resource_id: pulumi.Output[str]
    policy_names: list[str]

    def __init__(self, name: str, args: ServiceAutoscalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:autoscaling:ServiceAutoscaling", name, None, opts)
        if not 0 <= args.min_capacity <= args.max_capacity:
            raise ValueError("autoscaling needs 0 <= min_capacity <= max_capacity")
        if args.scale_in_cooldown < args.scale_out_cooldown:
            raise ValueError("scale in more slowly than out: scale_in_cooldown >= scale_out_cooldown")
        wants_requests = args.requests_per_target is not None
        if wants_requests and (args.load_balancer_arn_suffix is None or args.target_group_arn_suffix is None):
            raise ValueError("requests_per_target needs the load balancer's and target group's ARN suffixes")
        child = pulumi.ResourceOptions(parent=self)
        self.resource_id = ecs_resource_id(args.cluster_name, args.service_name)
        self.target = aws.appautoscaling.Target(
            f"{name}-target",
            service_namespace="ecs",
            scalable_dimension=ECS_DESIRED_COUNT,
            resource_id=self.resource_id,
            min_capacity=args.min_capacity,
            max_capacity=args.max_capacity,
            opts=child,
        )
        self.policy_names = []
        if args.cpu_target is not None:
            self._policy(
                name, "cpu", args, {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}, args.cpu_target
            )
        if args.memory_target is not None:
            self._policy(
                name,
                "memory",
                args,
                {"predefined_metric_type": "ECSServiceAverageMemoryUtilization"},
                args.memory_target,
            )
        if wants_requests:
            label = pulumi.Output.format("{0}/{1}", args.load_balancer_arn_suffix, args.target_group_arn_suffix)
            self._policy(
                name,
                "requests",
                args,
                {"predefined_metric_type": "ALBRequestCountPerTarget", "resource_label": label},
                float(args.requests_per_target or 0),
            )
        self.register_outputs({"resourceId": self.resource_id})

    def _policy(
        self, name: str, role: str, args: ServiceAutoscalingArgs, metric: dict[str, pulumi.Input[str]], target: float
    ) -> aws.appautoscaling.Policy:
        policy_name = f"{name}-{role}"
        self.policy_names.append(policy_name)
        return aws.appautoscaling.Policy(
            policy_name,
            policy_type="TargetTrackingScaling",
            service_namespace=self.target.service_namespace,
            scalable_dimension=self.target.scalable_dimension,
            resource_id=self.target.resource_id,
            target_tracking_scaling_policy_configuration={
                "predefined_metric_specification": metric,
                "target_value": target,
                "scale_out_cooldown": args.scale_out_cooldown,
                "scale_in_cooldown": args.scale_in_cooldown,
                "disable_scale_in": False,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
